#include "execution/canister_module.h"

#include "base/gzip.h"
#include "execution/system_api.h"
#include "wasm/validator.h"

namespace chorus::execution {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

Status check_exports(const wasm::Module& m, const ModuleLimits& limits, CanisterModule& out) {
  size_t methods = 0, name_bytes = 0;
  std::set<std::string> seen;
  for (const wasm::Export& e : m.exports) {
    if (e.kind != wasm::ExternKind::kFunc || !starts_with(e.name, "canister_")) continue;
    // The function must have type () -> ().
    uint32_t func = e.index;
    const wasm::FuncType* type = nullptr;
    uint32_t imported = 0;
    for (const wasm::Import& imp : m.imports) {
      if (imp.kind != wasm::ExternKind::kFunc) continue;
      if (imported == func) type = &m.types[imp.func_type];
      ++imported;
    }
    if (type == nullptr) type = &m.types[m.functions[func - imported].type_index];
    if (!type->params.empty() || !type->results.empty()) {
      return Error("Wasm module has an invalid export: '" + e.name + "' must have type () -> ()");
    }
    auto method = [&](std::string_view prefix, std::set<std::string>& set) -> Result<bool> {
      if (!starts_with(e.name, prefix)) return false;
      std::string name = e.name.substr(prefix.size());
      if (!seen.insert(name).second) {
        return Error("Wasm module has an invalid export: method '" + name +
                     "' is exported more than once (as update, query or composite query)");
      }
      set.insert(name);
      ++methods;
      name_bytes += name.size();
      return true;
    };
    CHORUS_ASSIGN_OR_RETURN(bool u, method("canister_update ", out.update_methods));
    if (u) continue;
    CHORUS_ASSIGN_OR_RETURN(bool q, method("canister_query ", out.query_methods));
    if (q) continue;
    CHORUS_ASSIGN_OR_RETURN(bool c, method("canister_composite_query ", out.composite_query_methods));
    if (c) continue;
    if (e.name == "canister_init") {
      out.has_init = true;
    } else if (e.name == "canister_pre_upgrade") {
      out.has_pre_upgrade = true;
    } else if (e.name == "canister_post_upgrade") {
      out.has_post_upgrade = true;
    } else if (e.name == "canister_inspect_message") {
      out.has_inspect_message = true;
    } else if (e.name == "canister_heartbeat") {
      out.has_heartbeat = true;
    } else if (e.name == "canister_global_timer") {
      out.has_global_timer = true;
    } else if (e.name == "canister_on_low_wasm_memory") {
      out.has_on_low_wasm_memory = true;
    } else {
      return Error("Wasm module has an invalid export: '" + e.name +
                   "' (exports starting with canister_ are reserved for the System API)");
    }
  }
  if (methods > limits.max_exported_methods) {
    return Error("Wasm module exports " + std::to_string(methods) + " methods, more than " +
                 std::to_string(limits.max_exported_methods));
  }
  if (name_bytes > limits.max_exported_name_bytes) {
    return Error("Wasm module's exported method names take " + std::to_string(name_bytes) +
                 " bytes, more than " + std::to_string(limits.max_exported_name_bytes));
  }
  return ok_status();
}

Status check_imports(const wasm::Module& m, CanisterModule& out) {
  for (const wasm::Import& imp : m.imports) {
    if (imp.kind == wasm::ExternKind::kMemory || imp.kind == wasm::ExternKind::kTable ||
        imp.kind == wasm::ExternKind::kGlobal) {
      return Error("Wasm module has an invalid import: " + imp.module + "." + imp.name +
                   " (a canister may import only functions of ic0)");
    }
    if (imp.module != "ic0") {
      return Error("Wasm module has an invalid import: " + imp.module + "." + imp.name +
                   " (a canister may import only functions of ic0)");
    }
    auto index = find_ic0_import(imp.name);
    if (!index) {
      return Error("Wasm module has an invalid import: ic0." + imp.name +
                   " is not a System API function");
    }
    if (out.wasm64 && ic0_wasm32_only(*index)) {
      return Error("Wasm module has an invalid import: ic0." + imp.name +
                   " exists only for wasm32 modules");
    }
    wasm::FuncType expected = ic0_type(*index, out.wasm64);
    const wasm::FuncType& got = m.types[imp.func_type];
    if (got.params != expected.params || got.results != expected.results) {
      return Error("Wasm module has an invalid import: ic0." + imp.name +
                   " has the wrong type for a " + (out.wasm64 ? "wasm64" : "wasm32") + " module");
    }
    out.ic0_imports.push_back(*index);
  }
  return ok_status();
}

Status check_customs(const wasm::Module& m, const ModuleLimits& limits, CanisterModule& out) {
  size_t icp = 0;
  for (const wasm::CustomSection& c : m.customs) {
    out.custom_sections_bytes += c.content.size + c.name.size();
    if (!starts_with(c.name, "icp:")) continue;
    ++icp;
    ByteView content(m.bytes.data() + c.content.offset, c.content.size);
    std::string name;
    std::map<std::string, Bytes>* target = nullptr;
    if (starts_with(c.name, "icp:public ")) {
      name = c.name.substr(11);
      target = &out.public_metadata;
    } else if (starts_with(c.name, "icp:private ")) {
      name = c.name.substr(12);
      target = &out.private_metadata;
    } else {
      return Error("Wasm module has an invalid custom section '" + c.name +
                   "': icp: sections must be named 'icp:public NAME' or 'icp:private NAME'");
    }
    if (out.public_metadata.count(name) || out.private_metadata.count(name)) {
      return Error("Wasm module has two custom sections named '" + name + "'");
    }
    (*target)[name] = Bytes(content.begin(), content.end());
  }
  if (icp > limits.max_icp_sections) {
    return Error("Wasm module has " + std::to_string(icp) + " icp: custom sections, more than " +
                 std::to_string(limits.max_icp_sections));
  }
  if (out.custom_sections_bytes > limits.max_custom_sections_bytes) {
    return Error("Wasm module's custom sections take " + std::to_string(out.custom_sections_bytes) +
                 " bytes, more than " + std::to_string(limits.max_custom_sections_bytes));
  }
  return ok_status();
}

}  // namespace

Result<Bytes> decompress_module(ByteView wasm_bytes, const ModuleLimits& limits) {
  if (is_gzip(wasm_bytes)) {
    auto r = gunzip(wasm_bytes, limits.max_module_bytes);
    if (!r.ok()) return Error("Wasm module could not be decompressed: " + r.error().message());
    return r;
  }
  if (wasm_bytes.size() > limits.max_module_bytes) {
    return Error("Wasm module of " + std::to_string(wasm_bytes.size()) + " bytes exceeds " +
                 std::to_string(limits.max_module_bytes) + " bytes");
  }
  return Bytes(wasm_bytes.begin(), wasm_bytes.end());
}

Result<std::shared_ptr<const CanisterModule>> load_canister_module(
    ByteView wasm_bytes, const ModuleLimits& limits,
    const std::function<wasm::Executor&(wasm::ExecutorKind)>& executor) {
  CHORUS_ASSIGN_OR_RETURN(Bytes raw, decompress_module(wasm_bytes, limits));
  auto out = std::make_shared<CanisterModule>();
  out->binary_hash = sha256(raw);
  auto decoded = wasm::decode_and_validate(raw);
  if (!decoded.ok()) return Error("Wasm module is not valid: " + decoded.error().message());
  wasm::Module& m = *decoded;
  if (m.functions.size() > limits.max_functions) {
    return Error("Wasm module defines " + std::to_string(m.functions.size()) +
                 " functions, more than " + std::to_string(limits.max_functions));
  }
  if (m.globals.size() > limits.max_globals) {
    return Error("Wasm module defines " + std::to_string(m.globals.size()) +
                 " globals, more than " + std::to_string(limits.max_globals));
  }
  size_t code_bytes = 0;
  for (const auto& f : m.functions) code_bytes += f.body.size;
  if (code_bytes > limits.max_code_section_bytes) {
    return Error("Wasm module's code takes " + std::to_string(code_bytes) + " bytes, more than " +
                 std::to_string(limits.max_code_section_bytes));
  }
  if (m.memories.size() > 1) return Error("Wasm module declares more than one memory");
  out->wasm64 = !m.memories.empty() && m.memories[0].type.limits.is64;
  CHORUS_RETURN_IF_ERROR(check_imports(m, *out));
  CHORUS_RETURN_IF_ERROR(check_exports(m, limits, *out));
  CHORUS_RETURN_IF_ERROR(check_customs(m, limits, *out));
  out->executor = wasm::executor_for(m);
  auto module = std::make_shared<const wasm::Module>(std::move(m));
  auto code = wasm::compile(*module, executor(out->executor));
  if (!code.ok()) return Error("Wasm module could not be compiled: " + code.error().message());
  out->module = module;
  out->code = *code;
  out->binary = std::make_shared<const Bytes>(std::move(raw));
  return std::shared_ptr<const CanisterModule>(std::move(out));
}

std::shared_ptr<const CanisterModule> ModuleCache::find(const Sha256Digest& h) const {
  auto it = modules_.find(h);
  return it == modules_.end() ? nullptr : it->second;
}

void ModuleCache::insert(std::shared_ptr<const CanisterModule> m) {
  Sha256Digest h = m->binary_hash;
  modules_.emplace(h, std::move(m));
}

}  // namespace chorus::execution
