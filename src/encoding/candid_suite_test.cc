// Runs the official Candid test suite (dfinity/candid test/*.test.did, copied to
// shared/candid-testsuite) against the binary decoder. Each file is a list of type definitions
// and assertions:
//   assert <input> : (types)              the input decodes at the types
//   assert <input> !: (types)             it does not
//   assert <input> == <input> : (types)   both decode, to equal values
//   assert <input> != <input> : (types)   both decode, to different values
// where an input is `blob "..."` (binary) or "..." (text syntax). Text inputs are read with
// candid_text's value parser and typed like binary values, so comparisons check decoded values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"

namespace chorus::candid {
namespace {

std::filesystem::path suite_dir() {
  // ctest sets CHORUS_SOURCE_DIR; a direct run of the binary finds the tree from this file.
  const char* env = std::getenv("CHORUS_SOURCE_DIR");
  std::filesystem::path root = env != nullptr
                                   ? std::filesystem::path(env)
                                   : std::filesystem::path(__FILE__).parent_path() / ".." / "..";
  return root / ".." / "shared" / "candid-testsuite";
}

struct Input {
  bool binary = false;
  std::string text;  // the message bytes, or the text-syntax arguments
};

struct Assertion {
  enum class Kind { kDecodes, kFails, kEqual, kNotEqual };
  Kind kind = Kind::kDecodes;
  Input left;
  std::optional<Input> right;
  std::vector<TypeRef> types;
  std::string description;
  size_t line = 0;
};

struct SuiteFile {
  TextParser parser;
  std::vector<Assertion> assertions;
};

size_t line_of(std::string_view text, size_t offset) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

Result<Input> parse_input(TextParser& p) {
  Input in;
  in.binary = p.accept("blob");
  CHORUS_ASSIGN_OR_RETURN(in.text, p.text_literal());
  return in;
}

Result<std::vector<Assertion>> parse_suite(std::string_view text, TextParser& p) {
  std::vector<Assertion> out;
  while (!p.at_end()) {
    if (p.accept("type")) {
      CHORUS_RETURN_IF_ERROR(p.parse_definition());
      CHORUS_RETURN_IF_ERROR(p.expect(";"));
      continue;
    }
    Assertion a;
    a.line = line_of(text, p.offset());
    CHORUS_RETURN_IF_ERROR(p.expect("assert"));
    CHORUS_ASSIGN_OR_RETURN(a.left, parse_input(p));
    if (p.accept("==")) {
      a.kind = Assertion::Kind::kEqual;
    } else if (p.accept("!=")) {
      a.kind = Assertion::Kind::kNotEqual;
    }
    if (a.kind != Assertion::Kind::kDecodes) {
      CHORUS_ASSIGN_OR_RETURN(a.right, parse_input(p));
    }
    if (p.accept("!:")) {
      a.kind = Assertion::Kind::kFails;
    } else {
      CHORUS_RETURN_IF_ERROR(p.expect(":"));
    }
    CHORUS_ASSIGN_OR_RETURN(a.types, p.parse_tuple_type());
    if (auto d = p.text_literal(); d.ok()) a.description = *d;
    CHORUS_RETURN_IF_ERROR(p.expect(";"));
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<Value>> decode_input(const Input& in, const TypeTable& table,
                                        const std::vector<TypeRef>& types) {
  if (in.binary) return decode(as_bytes(in.text), table, types);
  CHORUS_ASSIGN_OR_RETURN(TextParser p, TextParser::create(in.text));
  CHORUS_ASSIGN_OR_RETURN(std::vector<TextValue> args, p.parse_args());
  if (!p.at_end()) return Error("trailing text after the arguments");
  return args_at_types(args, table, types);
}

std::string show(const Result<std::vector<Value>>& r) {
  if (!r.ok()) return "error: " + r.error().message();
  std::string s = "(";
  for (size_t i = 0; i < r->size(); ++i) s += (i ? ", " : "") + to_text((*r)[i]);
  return s + ")";
}

struct Counts {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

struct SuiteResult {
  Counts counts;
  std::vector<std::string> failures;
};

// Runs every assertion of a suite file's |text|; |name| labels the failures.
Result<SuiteResult> evaluate_suite(const std::string& text, const std::string& name) {
  CHORUS_ASSIGN_OR_RETURN(TextParser parser, TextParser::create(text));
  CHORUS_ASSIGN_OR_RETURN(std::vector<Assertion> assertions, parse_suite(text, parser));
  SuiteResult result;
  const TypeTable& table = parser.table();
  for (const Assertion& a : assertions) {
    std::string label = name + ":" + std::to_string(a.line) + " \"" + a.description + "\"";
    // Hostile messages (spacebomb, overshoot) are refused by the decoder's deterministic cost
    // budget (DecodeLimits), so the assertions need no clock.
    auto left = decode_input(a.left, table, a.types);
    bool ok = false;
    std::string detail;
    switch (a.kind) {
      case Assertion::Kind::kDecodes:
        ok = left.ok();
        detail = show(left);
        break;
      case Assertion::Kind::kFails:
        ok = !left.ok();
        detail = "decoded as " + show(left);
        break;
      case Assertion::Kind::kEqual:
      case Assertion::Kind::kNotEqual: {
        auto right = decode_input(*a.right, table, a.types);
        bool equal = left.ok() && right.ok() && *left == *right;
        ok = left.ok() && right.ok() && (a.kind == Assertion::Kind::kEqual ? equal : !equal);
        detail = "left " + show(left) + ", right " + show(right);
        break;
      }
    }
    if (ok) {
      ++result.counts.passed;
    } else {
      ++result.counts.failed;
      result.failures.push_back(label + ": " + detail);
    }
  }
  return result;
}

void run_suite(const std::string& name) {
  std::filesystem::path dir = suite_dir();
  if (!std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "Candid test suite not found at " << dir.string()
                 << " (expected the official *.test.did files there)";
  }
  std::ifstream file(dir / (name + ".test.did"));
  ASSERT_TRUE(file.good()) << "cannot read " << name << ".test.did";
  std::stringstream buffer;
  buffer << file.rdbuf();
  auto result = evaluate_suite(buffer.str(), name + ".test.did");
  ASSERT_TRUE(result.ok()) << name << ".test.did: " << result.error().message();
  for (const std::string& f : result->failures) ADD_FAILURE() << f;
  std::printf("[candid suite] %s.test.did: %d passed, %d failed, %d skipped\n", name.c_str(),
              result->counts.passed, result->counts.failed, result->counts.skipped);
}

// The runner itself must be able to fail: wrong assertions of every form are reported.
TEST(CandidSuite, RunnerReportsWrongAssertions) {
  const std::string suite = R"suite(
    type T = opt T;
    assert blob "DIDL\00\01\7d\01" == "(1)" : (nat) "right";
    assert blob "DIDL\00\01\7d\01" == "(2)" : (nat) "wrong value";
    assert blob "DIDL\00\01\7d\01" != "(1)" : (nat) "wrong inequality";
    assert blob "DIDL\00\01\7d\01" !: (nat) "wrong failure";
    assert blob "DIDL\00\01\7d" : (nat) "wrong success";
    assert blob "DIDL\00\00" == blob "DIDL\00\01\7f" : (T) "right: both null";
    assert "(opt 5)" == "(opt 6)" : (opt nat) "wrong text comparison";
  )suite";
  auto result = evaluate_suite(suite, "self-test");
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->counts.passed, 2);
  EXPECT_EQ(result->counts.failed, 5);
}

TEST(CandidSuite, Prim) { run_suite("prim"); }
TEST(CandidSuite, Construct) { run_suite("construct"); }
TEST(CandidSuite, Reference) { run_suite("reference"); }
TEST(CandidSuite, Subtypes) { run_suite("subtypes"); }
TEST(CandidSuite, Spacebomb) { run_suite("spacebomb"); }
TEST(CandidSuite, Overshoot) { run_suite("overshoot"); }

}  // namespace
}  // namespace chorus::candid
