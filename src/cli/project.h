// A chorus project: the canisters listed in chorus.toml, and what the CLI records about them in
// the project's .chorus folder (canister ids per network).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "encoding/principal.h"

namespace chorus::cli {

enum class CanisterType { kMotoko, kCpp, kWasm };

std::string_view canister_type_name(CanisterType type);

// One [canisters.NAME] table. Paths are as written, relative to the project root.
struct CanisterSpec {
  std::string name;
  CanisterType type = CanisterType::kMotoko;
  std::string main;                  // motoko: the actor's file
  std::vector<std::string> sources;  // cpp: the translation units
  std::vector<std::string> flags;    // cpp: extra compiler flags (optional)
  std::string did;                   // cpp: required; wasm: optional
  std::string wasm;                  // wasm: a .wasm or .wasm.gz file
  std::optional<std::string> init_arg;  // Candid text given at installation
};

struct Project {
  std::filesystem::path root;           // the folder holding chorus.toml
  std::vector<CanisterSpec> canisters;  // in the order of their names

  std::filesystem::path chorus_dir() const { return root / ".chorus"; }
  std::filesystem::path build_dir(const std::string& canister) const {
    return chorus_dir() / "build" / canister;
  }
  // The canister called name, or nullptr.
  const CanisterSpec* find(std::string_view name) const;
};

// Parses the text of a chorus.toml. Unknown keys, missing required keys and values of the wrong
// type are refused with "source_name:line: ..." so that the user can find them.
Result<Project> parse_project(std::string_view toml_text, const std::string& source_name,
                              const std::filesystem::path& root);

// Reads root/chorus.toml.
Result<Project> load_project(const std::filesystem::path& root);

// The nearest folder at or above start that holds a chorus.toml, or nullopt outside a project.
std::optional<std::filesystem::path> find_project_root(const std::filesystem::path& start);

// .chorus/canister_ids.json: {"NETWORK": {"NAME": "principal text"}}. Networks are "local" for
// the project's own network, otherwise the URL the canisters were created on.
class CanisterIds {
 public:
  // A missing file is an empty record; a malformed one is an error.
  static Result<CanisterIds> load(const std::filesystem::path& file);

  std::optional<Principal> get(const std::string& network, const std::string& name) const;
  void set(const std::string& network, const std::string& name, const Principal& id);
  // Forgets every canister of network (the network's state was wiped).
  void clear(const std::string& network);
  // Writes the file (through a temporary file and a rename).
  Status save() const;

  const std::map<std::string, std::map<std::string, std::string>>& all() const { return ids_; }

 private:
  std::filesystem::path file_;
  std::map<std::string, std::map<std::string, std::string>> ids_;
};

// Reads a whole file; the error names the file.
Result<std::string> read_text_file(const std::filesystem::path& file);
// Writes a whole file through a temporary file and a rename, creating parent folders.
Status write_text_file(const std::filesystem::path& file, std::string_view text);

}  // namespace chorus::cli
