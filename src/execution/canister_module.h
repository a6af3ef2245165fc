// A canister module as execution needs it: decompressed, decoded, validated against the Wasm
// feature set and the IC's own rules (canister-interface.md, "Canister module format"), and
// compiled once. Modules are shared by hash: ten thousand canisters running the same Wasm hold
// one CanisterModule (ModuleCache).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/sha2.h"
#include "wasm/executor.h"
#include "wasm/executors.h"
#include "wasm/module.h"
#include "wasm/translate.h"

namespace chorus::execution {

// Limits on what a module may declare (resource-limits.md; the IC's own validation).
struct ModuleLimits {
  size_t max_module_bytes = 100 * 1024 * 1024;    // decompressed
  size_t max_code_section_bytes = 12 * 1024 * 1024;
  size_t max_functions = 50'000;
  size_t max_globals = 1'000;
  size_t max_exported_methods = 1'000;
  size_t max_exported_name_bytes = 20'000;
  size_t max_custom_sections_bytes = 2 * 1024 * 1024;
  size_t max_icp_sections = 16;
};

struct CanisterModule {
  std::shared_ptr<const wasm::Module> module;
  std::shared_ptr<const wasm::CompiledModule> code;
  wasm::ExecutorKind executor = wasm::ExecutorKind::kRegister;
  std::shared_ptr<const Bytes> binary;  // the decompressed module
  Sha256Digest binary_hash{};           // of |binary|
  bool wasm64 = false;
  // For each imported function, in import order, its index in the ic0 table (system_api.h).
  std::vector<size_t> ic0_imports;
  std::set<std::string> update_methods;
  std::set<std::string> query_methods;
  std::set<std::string> composite_query_methods;
  bool has_init = false, has_pre_upgrade = false, has_post_upgrade = false;
  bool has_inspect_message = false, has_heartbeat = false, has_global_timer = false;
  bool has_on_low_wasm_memory = false;
  // `icp:public NAME` and `icp:private NAME` custom sections.
  std::map<std::string, Bytes> public_metadata;
  std::map<std::string, Bytes> private_metadata;
  size_t custom_sections_bytes = 0;
};

// The module's bytes as installed, decompressed if gzip; fails on bad gzip or a module past
// limits.max_module_bytes.
Result<Bytes> decompress_module(ByteView wasm, const ModuleLimits& limits);

// Decompresses (if gzip), decodes, validates and checks |wasm| against the IC's module rules,
// then compiles it with |executor| (of the kind executor_for picks). The error says what rule the
// module broke, e.g. "Wasm module has an invalid import: ic0.foo".
Result<std::shared_ptr<const CanisterModule>> load_canister_module(
    ByteView wasm, const ModuleLimits& limits,
    const std::function<wasm::Executor&(wasm::ExecutorKind)>& executor);

// CanisterModules by the hash of their decompressed bytes. Derived data, not replicated state:
// dropping the cache changes nothing but speed.
class ModuleCache {
 public:
  // The module of |binary_hash|, if loaded.
  std::shared_ptr<const CanisterModule> find(const Sha256Digest& binary_hash) const;
  void insert(std::shared_ptr<const CanisterModule> m);
  size_t size() const { return modules_.size(); }

 private:
  std::map<Sha256Digest, std::shared_ptr<const CanisterModule>> modules_;
};

}  // namespace chorus::execution
