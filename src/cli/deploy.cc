#include "cli/deploy.h"

#include <system_error>

#include "base/hex.h"
#include "crypto/sha2.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"

namespace chorus::cli {

namespace fs = std::filesystem;

namespace {

bool read_leb(ByteView b, size_t& pos, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64 && pos < b.size(); shift += 7) {
    uint8_t byte = b[pos++];
    out |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

Result<Bytes> read_binary(const fs::path& file) {
  CHORUS_ASSIGN_OR_RETURN(std::string s, read_text_file(file));
  return Bytes(s.begin(), s.end());
}

}  // namespace

bool has_enhanced_persistence(ByteView wasm) {
  static constexpr uint8_t kMagic[] = {0x00, 0x61, 0x73, 0x6d};
  if (wasm.size() < 8 || !std::equal(kMagic, kMagic + 4, wasm.begin())) return false;
  size_t pos = 8;
  while (pos < wasm.size()) {
    uint8_t id = wasm[pos++];
    uint64_t size = 0;
    if (!read_leb(wasm, pos, size) || size > wasm.size() - pos) return false;
    const size_t end = pos + size;
    if (id == 0) {
      size_t p = pos;
      uint64_t len = 0;
      if (read_leb(wasm, p, len) && len <= end - p) {
        std::string_view name(reinterpret_cast<const char*>(wasm.data() + p), len);
        if (name == "icp:private enhanced-orthogonal-persistence" ||
            name == "icp:public enhanced-orthogonal-persistence") {
          return true;
        }
      }
    }
    pos = end;
  }
  return false;
}

Result<Bytes> encode_init_arg(const std::optional<std::string>& text, const std::string& did_text) {
  if (!text) return candid::encode(candid::TypeTable{}, {}, {});
  if (did_text.empty()) {
    return Error("an installation argument needs the canister's Candid interface to type it: "
                 "add did = \"FILE.did\" to its table in chorus.toml");
  }
  CHORUS_ASSIGN_OR_RETURN(candid::ServiceInterface service, candid::parse_did(did_text));
  auto values = candid::parse_args_at(*text, service.table(), service.init_args());
  if (!values) {
    return Error("the installation argument " + *text + " does not fit the interface's " +
                 "init arguments: " + values.error().message());
  }
  return candid::encode(service.table(), service.init_args(), *values);
}

Result<std::vector<DeployedCanister>> deploy(const Project& project, Agent& agent, CanisterIds& ids,
                                             const Toolchain& tools, const DeployOptions& options,
                                             std::FILE* out) {
  std::vector<const CanisterSpec*> todo;
  if (options.canister) {
    const CanisterSpec* c = project.find(*options.canister);
    if (c == nullptr) {
      std::string names;
      for (const auto& s : project.canisters) names += (names.empty() ? "" : ", ") + s.name;
      return Error("chorus.toml has no canister '" + *options.canister + "' (it has: " + names + ")");
    }
    todo.push_back(c);
  } else {
    for (const auto& c : project.canisters) todo.push_back(&c);
  }
  std::vector<DeployedCanister> done;
  for (const CanisterSpec* c : todo) {
    auto in = [&](const Error& e) { return e.with_context("deploying " + c->name); };
    std::fprintf(out, "building %s (%s)\n", c->name.c_str(), std::string(canister_type_name(c->type)).c_str());
    std::fflush(out);
    auto built = build_canister(project, *c, tools);
    if (!built) return in(built.error());
    auto wasm = read_binary(built->wasm);
    if (!wasm) return in(wasm.error());
    std::string did_text;
    if (built->did) {
      auto d = read_text_file(*built->did);
      if (!d) return in(d.error());
      did_text = *d;
    }
    auto arg = encode_init_arg(options.argument ? options.argument : c->init_arg, did_text);
    if (!arg) return in(arg.error());

    std::optional<Principal> id = ids.get(options.network_key, c->name);
    std::optional<Bytes> installed_hash;
    if (id) {
      auto status = agent.canister_status(*id);
      if (!status) {
        return in(Error("canister " + id->to_text() + " recorded in .chorus/canister_ids.json is not "
                        "usable on " + agent.options().url + ": " + status.error().message() +
                        " (if the network's state was wiped, `chorus start --clean` forgets the "
                        "recorded ids; or remove its entry from the file)"));
      }
      installed_hash = status->module_hash;
    } else {
      std::fprintf(out, "creating %s\n", c->name.c_str());
      auto created = agent.create_canister();
      if (!created) return in(created.error());
      id = *created;
      ids.set(options.network_key, c->name, *id);
      auto saved = ids.save();
      if (!saved) return in(saved.error());
    }

    DeployedCanister d{c->name, *id, ""};
    InstallOptions install;
    if (!installed_hash) {
      install.mode = InstallMode::kInstall;
      d.action = "installed";
    } else if (options.reinstall) {
      install.mode = InstallMode::kReinstall;
      d.action = "reinstalled";
    } else {
      auto digest = sha256(*wasm);
      if (Bytes(digest.begin(), digest.end()) == *installed_hash) {
        d.action = "unchanged";
      } else {
        install.mode = InstallMode::kUpgrade;
        // Motoko's enhanced orthogonal persistence keeps its heap in the Wasm memory.
        install.keep_wasm_memory = has_enhanced_persistence(*wasm);
        d.action = "upgraded";
      }
    }
    if (d.action != "unchanged") {
      std::fprintf(out, "installing %s (%zu bytes, %s)\n", c->name.c_str(), wasm->size(),
                   d.action == "installed" ? "install" : d.action == "upgraded" ? "upgrade" : "reinstall");
      std::fflush(out);
      auto st = agent.install_code(*id, *wasm, *arg, install);
      if (!st) return in(st.error());
    }
    done.push_back(std::move(d));
  }
  return done;
}

}  // namespace chorus::cli
