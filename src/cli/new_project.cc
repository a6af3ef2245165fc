#include "cli/new_project.h"

#include <system_error>

namespace chorus::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMotokoToml = R"T(# The canisters of this project: `chorus deploy` builds, creates and installs them.
[canisters.backend]
type = "motoko"
main = "src/backend/main.mo"
)T";

constexpr const char* kMotokoMain = R"T(// The backend: a greeting and a counter. The actor is `persistent`, so its variables keep
// their values across upgrades (enhanced orthogonal persistence).
import Nat "mo:core/Nat";

persistent actor {
  var greeting : Text = "Hello";
  var count : Nat = 0;

  public query func greet(name : Text) : async Text {
    greeting # ", " # name # "!"
  };

  public func inc() : async Nat {
    count += 1;
    count
  };

  public query func get() : async Nat { count };

  public query func describe() : async Text { "count = " # Nat.toText(count) };
};
)T";

constexpr const char* kCppToml = R"T(# The canisters of this project: `chorus deploy` builds, creates and installs them.
[canisters.backend]
type = "cpp"
sources = ["src/backend/main.cc"]
did = "src/backend/backend.did"
init_arg = "(opt \"Hello\")"
)T";

constexpr const char* kCppMain = R"T(// The backend: a greeting and a counter, written with the Chorus C++ canister kit (cdk).
// Static variables live in Wasm memory, which an upgrade replaces: pre_upgrade saves them to
// stable memory and post_upgrade reads them back.
#include <chorus/cdk.h>

#include <optional>
#include <string>

static uint64_t count;
static std::string greeting = "Hello";

std::string greet(std::string name) { return greeting + ", " + name + "!"; }
CHORUS_QUERY(greet)

uint64_t inc() { return ++count; }
CHORUS_UPDATE(inc)

uint64_t get() { return count; }
CHORUS_QUERY(get)

void init(std::optional<std::string> word) {
  if (word) greeting = *word;
}
CHORUS_INIT(init)

struct State {
  uint64_t count = 0;
  std::string greeting;
};
CHORUS_CANDID_RECORD(State, count, greeting)

void pre_upgrade() { ic::stable_save(State{count, greeting}); }
CHORUS_PRE_UPGRADE(pre_upgrade)

// The installation argument of an upgrade may change the greeting; without one it stays.
void post_upgrade(std::optional<std::string> word) {
  auto [state] = ic::stable_restore<State>();
  count = state.count;
  greeting = word ? *word : state.greeting;
}
CHORUS_POST_UPGRADE(post_upgrade)
)T";

constexpr const char* kCppDid = R"T(service : (opt text) -> {
  greet : (text) -> (text) query;
  inc : () -> (nat64);
  get : () -> (nat64) query;
}
)T";

constexpr const char* kGitignore = ".chorus/\n";

std::string readme(const std::string& name, CanisterType type) {
  const bool cpp = type == CanisterType::kCpp;
  std::string source = cpp ? "src/backend/main.cc" : "src/backend/main.mo";
  return "# " + name + "\n\n" +
         "A Chorus project with one canister, `backend` (" + (cpp ? "C++, with the cdk" : "Motoko") +
         "): `greet` answers a greeting, `inc` counts, `get` reads the count.\n\n"
         "```sh\n"
         "chorus start --background          # a local network, state in .chorus/network\n"
         "chorus deploy                      # build, create, install (or upgrade)\n"
         "chorus canister call backend greet '(\"world\")'\n"
         "chorus canister call backend inc\n"
         "chorus canister call backend get\n"
         "chorus stop\n"
         "```\n\n"
         "Change " + source + " and run `chorus deploy` again: the canister is upgraded and the\n"
         "count stays" + (cpp ? " (pre_upgrade/post_upgrade carry it through stable memory)."
                              : " (the actor is `persistent`).") + "\n\n"
         "`chorus.toml` lists the canisters; `.chorus/` holds what the CLI keeps (builds, canister\n"
         "ids, the local network's state) and is not meant for version control.\n";
}

}  // namespace

Result<fs::path> new_project(const fs::path& dir, const std::string& name, CanisterType type) {
  if (name.empty() || name.size() > 64 || name.front() == '-' || name.front() == '.') {
    return Error("project name '" + name + "': use letters, digits, '_' and '-'");
  }
  for (char ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-') {
      return Error("project name '" + name + "': use letters, digits, '_' and '-'");
    }
  }
  if (type == CanisterType::kWasm) return Error("chorus new makes motoko or cpp projects");
  fs::path root = dir / name;
  std::error_code ec;
  if (fs::exists(root, ec)) {
    return Error(root.string() + " exists already; choose another name or remove it");
  }
  const bool cpp = type == CanisterType::kCpp;
  std::vector<std::pair<std::string, std::string>> files = {
      {"chorus.toml", cpp ? kCppToml : kMotokoToml},
      {"README.md", readme(name, type)},
      {".gitignore", kGitignore},
  };
  if (cpp) {
    files.emplace_back("src/backend/main.cc", kCppMain);
    files.emplace_back("src/backend/backend.did", kCppDid);
  } else {
    files.emplace_back("src/backend/main.mo", kMotokoMain);
  }
  for (const auto& [path, text] : files) {
    auto st = write_text_file(root / path, text);
    if (!st) {
      fs::remove_all(root, ec);
      return st.error();
    }
  }
  return root;
}

}  // namespace chorus::cli
