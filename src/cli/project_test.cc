#include "cli/project.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace chorus::cli {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("chorus_project_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(Project, ParsesEveryType) {
  auto p = parse_project(R"T(
[canisters.backend]
type = "motoko"
main = "src/backend/main.mo"
init_arg = "(\"hello\")"

[canisters.cpp_one]
type = "cpp"
sources = ["a.cc", "b.cc"]
did = "x.did"
flags = ["-DX=1"]

[canisters.pre]
type = "wasm"
wasm = "x.wasm.gz"
)T",
                         "chorus.toml", "/p");
  ASSERT_TRUE(p.ok()) << p.error().message();
  ASSERT_EQ(p->canisters.size(), 3u);
  const CanisterSpec* b = p->find("backend");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->type, CanisterType::kMotoko);
  EXPECT_EQ(b->main, "src/backend/main.mo");
  EXPECT_EQ(b->init_arg, "(\"hello\")");
  const CanisterSpec* c = p->find("cpp_one");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->sources, (std::vector<std::string>{"a.cc", "b.cc"}));
  EXPECT_EQ(c->did, "x.did");
  EXPECT_EQ(c->flags, (std::vector<std::string>{"-DX=1"}));
  EXPECT_FALSE(c->init_arg.has_value());
  EXPECT_EQ(p->find("pre")->wasm, "x.wasm.gz");
  EXPECT_EQ(p->find("nope"), nullptr);
  EXPECT_EQ(p->build_dir("backend"), fs::path("/p/.chorus/build/backend"));
}

void expect_error(const std::string& toml, const std::string& part) {
  auto p = parse_project(toml, "chorus.toml", "/p");
  ASSERT_FALSE(p.ok()) << "accepted: " << toml;
  EXPECT_NE(p.error().message().find(part), std::string::npos) << p.error().message();
}

TEST(Project, UnknownKeysRefusedWithTheirLine) {
  expect_error("[canisters.a]\ntype = \"motoko\"\nmain = \"x.mo\"\nmian = \"y\"\n",
               "chorus.toml:4: unknown key 'mian' in [canisters.a]");
  expect_error("[canister.a]\ntype = \"motoko\"\n", "chorus.toml:1: unknown key 'canister'");
  // A key of another type's table is unknown here.
  expect_error("[canisters.a]\ntype = \"motoko\"\nmain = \"x.mo\"\nsources = []\n",
               "chorus.toml:4: unknown key 'sources'");
}

TEST(Project, BadValuesRefused) {
  expect_error("[canisters.a]\nmain = \"x.mo\"\n", "type is missing");
  expect_error("[canisters.a]\ntype = \"rust\"\n", "chorus.toml:2: canisters.a.type: 'rust'");
  expect_error("[canisters.a]\ntype = \"motoko\"\n", "main is missing");
  expect_error("[canisters.a]\ntype = \"cpp\"\nsources = [\"a.cc\"]\n", "did is missing");
  expect_error("[canisters.a]\ntype = \"cpp\"\nsources = \"a.cc\"\ndid = \"x\"\n",
               "sources must be an array of strings");
  expect_error("[canisters.a]\ntype = \"wasm\"\n", "wasm is missing");
  expect_error("[canisters.a]\ntype = \"motoko\"\nmain = 3\n", "main must be a string");
  expect_error("[canisters.\"a b\"]\ntype = \"motoko\"\nmain = \"x\"\n", "canister name 'a b'");
  expect_error("", "no canisters");
  expect_error("[canisters.a\n", "chorus.toml:1:");
}

TEST(Project, FindsTheRootFromBelow) {
  fs::path d = temp_dir("root");
  ASSERT_TRUE(write_text_file(d / "chorus.toml", "[canisters.a]\ntype = \"wasm\"\nwasm = \"a.wasm\"\n").ok());
  fs::create_directories(d / "src/deep");
  auto root = find_project_root(d / "src/deep");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(fs::canonical(*root), fs::canonical(d));
  auto p = load_project(*root);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->canisters[0].name, "a");
  fs::remove_all(d);
}

TEST(CanisterIds, RoundTripsPerNetwork) {
  fs::path d = temp_dir("ids");
  fs::path file = d / ".chorus/canister_ids.json";
  auto ids = CanisterIds::load(file);
  ASSERT_TRUE(ids.ok());
  EXPECT_FALSE(ids->get("local", "a").has_value());
  Principal a = Principal::from_canister_index(1), b = Principal::from_canister_index(7);
  ids->set("local", "a", a);
  ids->set("http://x:1", "a", b);
  ASSERT_TRUE(ids->save().ok());
  auto again = CanisterIds::load(file);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->get("local", "a"), a);
  EXPECT_EQ(again->get("http://x:1", "a"), b);
  again->clear("local");
  EXPECT_FALSE(again->get("local", "a").has_value());
  EXPECT_EQ(again->get("http://x:1", "a"), b);
  fs::remove_all(d);
}

TEST(CanisterIds, MalformedFileIsAnError) {
  fs::path d = temp_dir("badids");
  ASSERT_TRUE(write_text_file(d / "ids.json", "{\"local\": {\"a\": \"not a principal\"}}").ok());
  EXPECT_FALSE(CanisterIds::load(d / "ids.json").ok());
  ASSERT_TRUE(write_text_file(d / "ids.json", "[1, 2").ok());
  EXPECT_FALSE(CanisterIds::load(d / "ids.json").ok());
  fs::remove_all(d);
}

}  // namespace
}  // namespace chorus::cli
