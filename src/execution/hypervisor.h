// Runs canister code: keeps a bounded set of live Wasm instances (one per canister that ran
// recently), loads a canister's memories and globals into its instance before each execution,
// and hands back the new memories and globals after it. Like the IC's Hypervisor and its
// embedder, it knows the Wasm engine and the System API, and nothing of messages, queues or
// cycles: those are the execution environment's.
//
// What an execution changes lives in the instance until it ends; a trap rolls the instance back
// (InstanceTransaction) and the state is not touched. Live instances are a cache: evicting one
// changes nothing but the cost of the next execution, since the state's Snapshots are the truth.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "base/result.h"
#include "execution/canister_module.h"
#include "execution/system_api.h"
#include "state/canister_state.h"
#include "wasm/executor.h"
#include "wasm/runtime.h"

namespace chorus::execution {

struct HypervisorConfig {
  size_t max_live_instances = 256;
  // Wasm memory limits: 4 GiB for wasm32 (the architecture's), 6 GiB for wasm64 (the IC's).
  uint64_t max_wasm32_pages = 65536;
  uint64_t max_wasm64_pages = 98304;
  // Stable memory: 64 GiB. The IC allows 500 GiB; each live instance reserves address space for
  // the maximum, so the default keeps 256 instances well inside 47 bits.
  uint64_t max_stable_pages = 64 * 16384;
  uint32_t max_call_depth = 10'000;
};

// What to run: an exported function by name, or a callback from the canister's function table.
struct FuncRef {
  std::string export_name;           // when not a closure
  std::optional<state::WasmClosure> closure;
};

struct ExecutionOutcome {
  Status status;  // an error: the trap, with |failure| saying of which kind
  FailureKind failure = FailureKind::kTrapped;
  uint64_t instructions = 0;
};

class Hypervisor {
 public:
  explicit Hypervisor(HypervisorConfig config = {});
  ~Hypervisor();

  const HypervisorConfig& config() const { return config_; }

  // A module by its bytes (raw or gzip), from the cache when an identical module was loaded.
  Result<std::shared_ptr<const CanisterModule>> load_module(ByteView wasm, const ModuleLimits& limits);
  // The module of an installed canister (its bytes are in the state; loaded when not cached).
  Result<std::shared_ptr<const CanisterModule>> module_of(const state::ExecutionState& exec);

  // Runs |func| of |canister| on |exec| with |api|. If |persist| and the run succeeds, the new
  // memories and globals are written into |exec|; otherwise |exec| is unchanged.
  ExecutionOutcome execute(const state::CanisterId& canister, state::ExecutionState& exec,
                           const FuncRef& func, SystemApi& api, uint64_t instruction_limit,
                           bool persist);

  // A fresh instance of |module| for install, reinstall and upgrade: memory from the module's
  // data segments, globals from their initialisers, the (start) function run with |start_api|.
  // With |keep_memory|, that Wasm memory replaces the fresh one before (start) runs (an upgrade
  // with wasm_memory_persistence = keep, as the IC does it). |stable| becomes the stable memory. The result is an
  // ExecutionState to run canister_init / canister_post_upgrade on with execute().
  Result<state::ExecutionState> instantiate(const state::CanisterId& canister,
                                            std::shared_ptr<const CanisterModule> module,
                                            const wasm::Snapshot& stable,
                                            const wasm::Snapshot* keep_memory,
                                            SystemApi& start_api, uint64_t instruction_limit,
                                            ExecutionOutcome* outcome);

  // Drops |canister|'s live instance (after uninstall or delete).
  void evict(const state::CanisterId& canister);
  size_t live_instances() const { return live_.size(); }

 private:
  struct Live;
  Result<std::unique_ptr<Live>> make_live(std::shared_ptr<const CanisterModule> module,
                                          SystemApi* start_api, uint64_t instruction_limit,
                                          ExecutionOutcome* outcome,
                                          const wasm::Snapshot* keep_memory = nullptr);
  Result<Live*> live_for(const state::CanisterId& canister, const state::ExecutionState& exec);
  void make_room();
  wasm::Executor& executor(wasm::ExecutorKind kind);

  HypervisorConfig config_;
  ModuleCache modules_;
  std::map<wasm::ExecutorKind, std::unique_ptr<wasm::Executor>> executors_;
  std::map<state::CanisterId, std::unique_ptr<Live>> live_;
  uint64_t clock_ = 0;  // for least-recently-used eviction; never replicated
};

}  // namespace chorus::execution
