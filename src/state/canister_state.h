// The replicated state of one canister: everything that every replica must agree on, and nothing
// derived (decoded modules, compiled code and live instances are caches of src/execution keyed by
// the module hash, rebuilt from the bytes here whenever needed).
//
// Field names follow the interface spec's abstract state (abstract-behavior.md, "Abstract
// state"): controllers, status, balance, certified data, call contexts, the global timer, logs.
// Every container is ordered (std::map / std::deque / std::vector), so iterating it is the same
// on every replica.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "crypto/sha2.h"
#include "encoding/principal.h"
#include "state/cycles.h"
#include "wasm/linear_memory.h"

namespace chorus::state {

using CanisterId = Principal;

// ic0.canister_status values.
enum class CanisterStatus : uint8_t { kRunning = 1, kStopping = 2, kStopped = 3 };

// log_visibility, snapshot_visibility, status_visibility.
struct Visibility {
  enum Kind : uint8_t { kControllers, kPublic, kAllowedViewers };
  Kind kind = kControllers;
  std::vector<Principal> viewers;  // kAllowedViewers
  friend bool operator==(const Visibility&, const Visibility&) = default;
};

// Defaults are the interface spec's (management-canister.md, canister_settings).
struct CanisterSettings {
  std::vector<Principal> controllers;
  uint64_t compute_allocation = 0;  // percent
  uint64_t memory_allocation = 0;   // bytes; 0 = best effort
  uint64_t freezing_threshold = 2'592'000;  // seconds (30 days)
  Cycles reserved_cycles_limit = Cycles(5'000'000'000'000);
  Cycles minimum_incoming_canister_call_cycles;
  Visibility log_visibility;
  uint64_t log_memory_limit = 4096;
  Visibility snapshot_visibility;
  Visibility status_visibility;
  uint64_t wasm_memory_limit = 0;  // bytes; 0 = no limit beyond the architecture's
  uint64_t wasm_memory_threshold = 0;
  std::vector<std::pair<std::string, std::string>> environment_variables;  // sorted by name
};

// Who made a call and where its response goes.
struct CallOrigin {
  enum Kind : uint8_t { kIngress, kCanister, kSystemTask };
  Kind kind = kIngress;
  Principal caller;        // the user, the calling canister, or aaaaa-aa for system tasks
  Bytes message_id;        // kIngress: the request id
  uint64_t callback_id = 0;  // kCanister: the callback on the caller's side
  uint64_t deadline = 0;     // kCanister: 0 for a guaranteed response, else the best-effort deadline
};

// One incoming call that the canister is processing (spec: call context).
struct CallContext {
  CallOrigin origin;
  std::string method;
  bool responded = false;
  bool deleted = false;            // the canister was uninstalled while the call was open
  Cycles available_cycles;         // attached to the call and not yet accepted
  uint64_t instructions_executed = 0;  // all executions in this context so far
};

// A function table index and its environment word, as call_new receives them.
struct WasmClosure {
  uint64_t func = 0;
  uint64_t env = 0;
};

// An outgoing call waiting for its response (spec: callback).
struct Callback {
  uint64_t call_context_id = 0;  // the context that made the call
  Principal respondent;
  Cycles cycles_sent;
  // Taken from the balance when the call was made, to pay for executing its response; what the
  // response execution does not use is refunded.
  Cycles prepayment;
  WasmClosure on_reply;
  WasmClosure on_reject;
  std::optional<WasmClosure> on_cleanup;
  uint64_t deadline = 0;  // 0: guaranteed response
};

// Messages between canisters, and from users.
struct Request {
  Principal sender;
  Principal receiver;
  std::string method;
  Bytes payload;
  Cycles cycles;
  uint64_t sender_callback = 0;
  uint64_t deadline = 0;
};

struct Response {
  Principal originator;  // the canister that made the call
  Principal respondent;
  uint64_t originator_callback = 0;
  Cycles refund;
  bool is_reply = false;
  Bytes reply;              // is_reply
  uint32_t reject_code = 0;  // !is_reply
  std::string reject_message;
  uint64_t deadline = 0;
};

struct Ingress {
  Principal source;
  Principal receiver;
  std::string method;
  Bytes payload;
  Bytes message_id;  // the request id: 32 bytes
  uint64_t expiry = 0;  // ns since the epoch
  // For management-canister ingress, the canister the request is about (effective canister id).
  std::optional<Principal> effective_canister_id;
};

using InputMessage = std::variant<Request, Response, Ingress>;

struct LogRecord {
  uint64_t idx = 0;
  uint64_t timestamp_nanos = 0;
  Bytes content;
};

// The canister's log: a bounded buffer of the newest records.
struct CanisterLog {
  std::deque<LogRecord> records;
  uint64_t next_idx = 0;
  uint64_t bytes = 0;  // sum of the records' content sizes
};

// canister_info's change records (ic.did `change`).
struct ChangeRecord {
  enum Kind : uint8_t { kCreation, kCodeUninstall, kCodeDeployment, kControllersChange, kLoadSnapshot };
  Kind kind = kCreation;
  uint64_t timestamp_nanos = 0;
  uint64_t canister_version = 0;
  bool origin_is_user = true;
  Principal origin;  // user_id or canister_id
  std::optional<uint64_t> origin_canister_version;
  std::vector<Principal> controllers;    // kCreation, kControllersChange
  uint8_t mode = 0;                      // kCodeDeployment: 0 install, 1 reinstall, 2 upgrade
  Sha256Digest module_hash{};            // kCodeDeployment
  Bytes snapshot_id;                     // kLoadSnapshot
  uint64_t snapshot_taken_at = 0;        // kLoadSnapshot
  uint64_t snapshot_canister_version = 0;  // kLoadSnapshot
};

// The installed code and the memories it runs on.
struct ExecutionState {
  std::shared_ptr<const Bytes> wasm_binary;  // the decompressed module, shared by all its installs
  Sha256Digest module_hash{};                // SHA-256 of the module as it was installed
  Sha256Digest binary_hash{};                // SHA-256 of |wasm_binary| (differs when gzipped)
  wasm::Snapshot wasm_memory;
  wasm::Snapshot stable_memory;  // in 64 KiB pages, like Wasm memory
  // Every global of the module in index order, two words each: the value (a v128's bytes 0-7)
  // and a v128's bytes 8-15 (0 for other types).
  std::vector<uint64_t> globals;
};

// A canister snapshot (take_canister_snapshot): the code, memories and a few settings.
struct CanisterSnapshot {
  Bytes id;
  uint64_t taken_at_timestamp = 0;
  uint64_t canister_version = 0;
  ExecutionState execution;
  Bytes certified_data;
  uint64_t global_timer = 0;
  std::map<Bytes, std::shared_ptr<const Bytes>> chunk_store;
  uint64_t total_size = 0;
};

// A stop_canister call waiting for the canister to stop.
struct StopRequest {
  CallOrigin origin;  // answered with an empty reply once the canister is stopped
};

struct CanisterState {
  CanisterId id;
  CanisterSettings settings;
  CanisterStatus status = CanisterStatus::kRunning;
  Cycles balance;
  Cycles reserved_balance;
  uint64_t version = 0;
  Bytes certified_data;
  uint64_t global_timer = 0;  // ns; 0 = inactive
  std::optional<ExecutionState> execution;  // empty canister when absent

  std::map<uint64_t, CallContext> call_contexts;
  uint64_t next_call_context_id = 1;
  std::map<uint64_t, Callback> callbacks;
  uint64_t next_callback_id = 1;
  std::deque<InputMessage> input_queue;
  std::vector<StopRequest> stop_requests;

  CanisterLog log;
  std::deque<ChangeRecord> history;  // the newest kMaxHistory records
  uint64_t total_num_changes = 0;
  std::map<Bytes, std::shared_ptr<const Bytes>> chunk_store;  // SHA-256 → chunk
  std::vector<CanisterSnapshot> snapshots;
  uint64_t next_snapshot_index = 0;

  // When storage was last charged (ns).
  uint64_t storage_charged_until = 0;
  // Cycles this canister paid for execution, messages and storage, for canister_metrics.
  Cycles consumed_cycles;

  bool has_code() const { return execution.has_value(); }
  bool is_controller(const Principal& p) const;
  // Open call contexts that still need a response.
  size_t open_call_contexts() const;
};

}  // namespace chorus::state
