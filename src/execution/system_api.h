// The System API: the `ic0` imports a canister calls, with the interface spec's rule of which
// function may be called in which context (canister-interface.md, "Overview of imports"). One
// SystemApi object serves one execution (one entry point or callback run); it reads what the
// execution may see (SystemApiInput) and records what it asks for (SystemApiOutput). Nothing here
// touches the replicated state: the caller applies the output after a successful execution and
// drops it after a trap, which is what makes a trap leave no trace.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "encoding/principal.h"
#include "state/canister_state.h"
#include "state/cycles.h"
#include "wasm/linear_memory.h"
#include "wasm/runtime.h"

namespace chorus::execution {

using state::Cycles;

// The contexts of the spec's import table.
enum class ApiType : uint8_t {
  kStart,                     // s: the module's (start) function
  kInit,                      // I: canister_init, canister_post_upgrade
  kPreUpgrade,                // G
  kUpdate,                    // U
  kReplicatedQuery,           // RQ: a query method called as an update
  kNonReplicatedQuery,        // NRQ
  kCompositeQuery,            // CQ
  kReplyCallback,             // Ry
  kRejectCallback,            // Rt
  kCompositeReplyCallback,    // CRy
  kCompositeRejectCallback,   // CRt
  kCleanup,                   // C
  kCompositeCleanup,          // CC
  kInspectMessage,            // F
  kSystemTask,                // T: heartbeat, global timer
};

// The spec's name for a context, for error messages ("update", "replicated query", ...).
std::string_view api_type_name(ApiType t);

// Why an execution failed, for reject and error codes.
enum class FailureKind : uint8_t {
  kTrapped,               // a Wasm trap: IC0502
  kCalledTrap,            // ic0.trap: IC0503
  kContractViolation,     // an import called where it is not allowed, bad arguments: IC0504
  kInstructionLimit,      // IC0522
  kOutOfMemory,           // memory limit: IC0539 (wasm_memory_limit) / IC0502
};

// An inter-canister call assembled with call_new ... call_perform.
struct OutgoingCall {
  Principal callee;
  std::string method;
  Bytes payload;
  Cycles cycles;
  state::WasmClosure on_reply;
  state::WasmClosure on_reject;
  std::optional<state::WasmClosure> on_cleanup;
  std::optional<uint32_t> timeout_seconds;  // call_with_best_effort_response
};

// Fees the System API needs for its cost_* functions and for charging calls. Derived by the
// execution environment from its cycles configuration (cycles_account.h).
struct ApiFees {
  Cycles call_fee;                 // per call (xnet_call_fee)
  Cycles call_byte_fee;            // per byte of method name and payload
  Cycles response_prepayment;      // reserved for executing the response (MAX_CYCLES_PER_RESPONSE)
  Cycles create_canister_fee;
};

struct SystemApiInput {
  ApiType type = ApiType::kUpdate;
  Principal canister_id;
  Principal subnet_id;
  Principal caller;
  Bytes arg;  // the argument; in a reply callback, the reply
  uint32_t reject_code = 0;  // reject callbacks
  std::string reject_message;
  std::string method_name;  // canister_inspect_message
  Cycles cycles_available;  // in the call context
  Cycles cycles_refunded;   // callbacks
  uint64_t deadline = 0;    // msg_deadline
  Cycles balance;
  Cycles freezing_limit;    // balance below it is frozen (not liquid)
  state::CanisterStatus status = state::CanisterStatus::kRunning;
  uint64_t canister_version = 0;
  uint64_t global_timer = 0;  // the timer as the execution starts (0: inactive)
  uint64_t time_nanos = 0;
  std::vector<Principal> controllers;
  std::optional<Bytes> data_certificate;  // non-replicated (composite) query methods
  Bytes root_key;  // DER
  bool wasm64 = false;
  uint64_t call_context_instructions = 0;  // performance_counter(1), before this execution
  uint64_t max_stable_memory_pages = 0;
  uint32_t subnet_node_count = 1;
  uint64_t wasm_memory_limit = 0;  // bytes; 0: none beyond the architecture's
  ApiFees fees;
  // Sorted by name.
  std::vector<std::pair<std::string, std::string>> environment_variables;
};

struct SystemApiOutput {
  std::optional<Bytes> reply;                  // msg_reply
  std::optional<std::string> reject;           // msg_reject
  Cycles cycles_accepted;
  Cycles cycles_burned;
  Cycles cycles_minted;  // mint_cycles128 (the cycles minting canister only)
  Cycles cycles_sent;  // attached to performed calls (removed from the balance)
  Cycles call_fees;    // transmission fees of performed calls
  Cycles call_prepayments;  // reserved for executing the calls' responses
  std::vector<OutgoingCall> calls;
  std::optional<Bytes> certified_data;
  std::optional<uint64_t> global_timer;
  std::vector<Bytes> debug_prints;
  bool message_accepted = false;  // accept_message in canister_inspect_message
  bool stable_memory_changed = false;
};

class SystemApi {
 public:
  // |stable_memory| is the canister's stable memory for this execution (grown and written in
  // place; the caller rolls it back after a trap).
  SystemApi(SystemApiInput input, wasm::LinearMemory* stable_memory);

  const SystemApiInput& input() const { return input_; }
  // The stable memory of the instance that runs this execution (the hypervisor attaches it).
  void attach_stable_memory(wasm::LinearMemory* stable) { stable_ = stable; }
  SystemApiOutput& output() { return output_; }
  // Set when a host function fails: what kind of failure its error was.
  std::optional<FailureKind> failure() const { return failure_; }
  // The balance as this execution has changed it so far.
  Cycles balance() const;

  // Dispatches the import |index| of kImports (system_api.cc) to its implementation.
  Status call(size_t index, wasm::Caller& caller, std::span<const uint64_t> args,
              std::span<uint64_t> results);

 private:
  friend struct Ic0Impl;
  Status violation(std::string message);
  Status check_context(size_t index);
  Cycles liquid_balance() const;

  SystemApiInput input_;
  SystemApiOutput output_;
  wasm::LinearMemory* stable_;
  std::optional<FailureKind> failure_;
  std::optional<OutgoingCall> pending_call_;
  bool pending_cleanup_set_ = false;
  bool pending_timeout_set_ = false;
  Bytes reply_buffer_;
  bool responded_ = false;
};

// The signature of an ic0 import: 'I' is i32 in wasm32 modules and i64 in wasm64 modules, 'i' is
// i32, 'l' is i64.
struct Ic0Import {
  std::string_view name;
  std::string_view params;
  std::string_view results;
};

// The index of ic0.|name| in the import table, or nullopt if the System API has no such function.
std::optional<size_t> find_ic0_import(std::string_view name);
const Ic0Import& ic0_import(size_t index);
// The deprecated 64-bit-cycles and 32-bit-stable functions exist only for wasm32 modules.
bool ic0_wasm32_only(size_t index);
// The Wasm type of import |index| in a wasm32 or wasm64 module.
wasm::FuncType ic0_type(size_t index, bool wasm64);

}  // namespace chorus::execution
