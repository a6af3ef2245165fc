#include "cli/project.h"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace chorus::cli {

namespace fs = std::filesystem;

std::string_view canister_type_name(CanisterType type) {
  switch (type) {
    case CanisterType::kMotoko: return "motoko";
    case CanisterType::kCpp: return "cpp";
    case CanisterType::kWasm: return "wasm";
  }
  return "?";
}

const CanisterSpec* Project::find(std::string_view name) const {
  for (const auto& c : canisters) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

namespace {

std::string at(const std::string& source, const toml::source_region& where) {
  return source + ":" + std::to_string(where.begin.line) + ": ";
}

Result<std::string> get_string(const toml::node& n, const std::string& where, const char* key) {
  auto v = n.value<std::string>();
  if (!v) return Error(where + key + " must be a string");
  return *v;
}

Result<std::vector<std::string>> get_strings(const toml::node& n, const std::string& where,
                                             const char* key) {
  const toml::array* a = n.as_array();
  if (a == nullptr) return Error(where + key + " must be an array of strings");
  std::vector<std::string> out;
  for (const toml::node& e : *a) {
    auto v = e.value<std::string>();
    if (!v) return Error(where + key + " must be an array of strings");
    out.push_back(*v);
  }
  return out;
}

// Names become folder and file names and command-line words: keep them plain.
bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

Result<CanisterSpec> parse_canister(const std::string& name, const toml::table& t,
                                    const std::string& source, const toml::source_region& region) {
  const std::string here = at(source, region) + "canisters." + name + ": ";
  static const std::map<std::string, std::set<std::string>> kKeys = {
      {"motoko", {"type", "main", "init_arg"}},
      {"cpp", {"type", "sources", "did", "flags", "init_arg"}},
      {"wasm", {"type", "wasm", "did", "init_arg"}},
  };
  CanisterSpec spec;
  spec.name = name;
  const toml::node* type_node = t.get("type");
  if (type_node == nullptr) return Error(here + "type is missing (motoko, cpp or wasm)");
  CHORUS_ASSIGN_OR_RETURN(std::string type, get_string(*type_node, here, "type"));
  if (type == "motoko") {
    spec.type = CanisterType::kMotoko;
  } else if (type == "cpp") {
    spec.type = CanisterType::kCpp;
  } else if (type == "wasm") {
    spec.type = CanisterType::kWasm;
  } else {
    return Error(at(source, type_node->source()) + "canisters." + name + ".type: '" + type +
                 "' is not one of motoko, cpp, wasm");
  }
  const auto& allowed = kKeys.at(type);
  for (auto&& [key, node] : t) {
    std::string k(key.str());
    const std::string where = at(source, node.source()) + "canisters." + name + ".";
    if (!allowed.count(k)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return Error(at(source, key.source()) + "unknown key '" + k + "' in [canisters." + name +
                   "] (a " + type + " canister has: " + list + ")");
    }
    if (k == "main") {
      CHORUS_ASSIGN_OR_RETURN(spec.main, get_string(node, where, "main"));
    } else if (k == "sources") {
      CHORUS_ASSIGN_OR_RETURN(spec.sources, get_strings(node, where, "sources"));
    } else if (k == "flags") {
      CHORUS_ASSIGN_OR_RETURN(spec.flags, get_strings(node, where, "flags"));
    } else if (k == "did") {
      CHORUS_ASSIGN_OR_RETURN(spec.did, get_string(node, where, "did"));
    } else if (k == "wasm") {
      CHORUS_ASSIGN_OR_RETURN(spec.wasm, get_string(node, where, "wasm"));
    } else if (k == "init_arg") {
      CHORUS_ASSIGN_OR_RETURN(spec.init_arg, get_string(node, where, "init_arg"));
    }
  }
  switch (spec.type) {
    case CanisterType::kMotoko:
      if (spec.main.empty()) return Error(here + "main is missing (the actor's .mo file)");
      break;
    case CanisterType::kCpp:
      if (spec.sources.empty()) return Error(here + "sources is missing (the .cc files)");
      if (spec.did.empty()) return Error(here + "did is missing (the Candid interface file)");
      break;
    case CanisterType::kWasm:
      if (spec.wasm.empty()) return Error(here + "wasm is missing (a .wasm or .wasm.gz file)");
      break;
  }
  return spec;
}

}  // namespace

Result<Project> parse_project(std::string_view toml_text, const std::string& source_name,
                              const fs::path& root) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return Error(at(source_name, e.source()) + std::string(e.description()));
  }
  Project project;
  project.root = root;
  for (auto&& [key, node] : doc) {
    if (key.str() != "canisters") {
      return Error(at(source_name, key.source()) + "unknown key '" + std::string(key.str()) +
                   "' (chorus.toml has [canisters.NAME] tables)");
    }
    const toml::table* canisters = node.as_table();
    if (canisters == nullptr) {
      return Error(at(source_name, node.source()) + "canisters must be a table of [canisters.NAME]");
    }
    for (auto&& [name, def] : *canisters) {
      std::string n(name.str());
      if (!valid_name(n)) {
        return Error(at(source_name, name.source()) + "canister name '" + n +
                     "': use letters, digits, '_' and '-' (at most 64)");
      }
      const toml::table* t = def.as_table();
      if (t == nullptr) {
        return Error(at(source_name, def.source()) + "canisters." + n + " must be a table");
      }
      CHORUS_ASSIGN_OR_RETURN(CanisterSpec spec, parse_canister(n, *t, source_name, name.source()));
      project.canisters.push_back(std::move(spec));
    }
  }
  if (project.canisters.empty()) {
    return Error(source_name + ": no canisters (add a [canisters.NAME] table)");
  }
  return project;
}

Result<Project> load_project(const fs::path& root) {
  fs::path file = root / "chorus.toml";
  CHORUS_ASSIGN_OR_RETURN(std::string text, read_text_file(file));
  return parse_project(text, file.string(), root);
}

std::optional<fs::path> find_project_root(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return std::nullopt;
  while (true) {
    if (fs::is_regular_file(dir / "chorus.toml", ec)) return dir;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

Result<CanisterIds> CanisterIds::load(const fs::path& file) {
  CanisterIds ids;
  ids.file_ = file;
  std::error_code ec;
  if (!fs::exists(file, ec)) return ids;
  CHORUS_ASSIGN_OR_RETURN(std::string text, read_text_file(file));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string bad = file.string() + ": expected {\"NETWORK\": {\"NAME\": \"principal\"}}";
  if (!j.is_object()) return Error(bad + " (delete the file to start afresh)");
  for (auto& [network, names] : j.items()) {
    if (!names.is_object()) return Error(bad);
    for (auto& [name, id] : names.items()) {
      if (!id.is_string()) return Error(bad);
      auto p = Principal::from_text(id.get<std::string>());
      if (!p) return Error(file.string() + ": " + network + "." + name + ": " + p.error().message());
      ids.ids_[network][name] = id.get<std::string>();
    }
  }
  return ids;
}

std::optional<Principal> CanisterIds::get(const std::string& network, const std::string& name) const {
  auto n = ids_.find(network);
  if (n == ids_.end()) return std::nullopt;
  auto c = n->second.find(name);
  if (c == n->second.end()) return std::nullopt;
  auto p = Principal::from_text(c->second);
  if (!p) return std::nullopt;
  return *p;
}

void CanisterIds::set(const std::string& network, const std::string& name, const Principal& id) {
  ids_[network][name] = id.to_text();
}

void CanisterIds::clear(const std::string& network) { ids_.erase(network); }

Status CanisterIds::save() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [network, names] : ids_) {
    j[network] = nlohmann::json::object();
    for (const auto& [name, id] : names) j[network][name] = id;
  }
  return write_text_file(file_, j.dump(2) + "\n");
}

Result<std::string> read_text_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error("cannot read " + file.string() + ": " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Status write_text_file(const fs::path& file, std::string_view text) {
  std::error_code ec;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  if (ec) return Error("cannot create " + file.parent_path().string() + ": " + ec.message());
  fs::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) return Error("cannot write " + tmp.string());
  }
  fs::rename(tmp, file, ec);
  if (ec) return Error("cannot rename " + tmp.string() + ": " + ec.message());
  return ok_status();
}

}  // namespace chorus::cli
