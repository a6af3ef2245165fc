// Internal to src/execution: one round's work on the state, shared by execution_environment.cc
// (messages, callbacks, system tasks, scheduling) and management_canister.cc (aaaaa-aa).
#pragma once

#include <optional>
#include <string>

#include "execution/execution_environment.h"

namespace chorus::execution {

// The outcome of a call: a reply, or a reject with its code, message and IC error code.
struct CallResult {
  bool replied = false;
  Bytes reply;
  RejectCode code = RejectCode::kCanisterError;
  std::string message;
  std::string error_code;

  static CallResult ok(Bytes b) {
    CallResult r;
    r.replied = true;
    r.reply = std::move(b);
    return r;
  }
  static CallResult reject(RejectCode c, std::string error_code, std::string message) {
    CallResult r;
    r.code = c;
    r.error_code = std::move(error_code);
    r.message = std::move(message);
    return r;
  }
};

// A call to the management canister, from a user (ingress) or a canister.
struct ManagementCall {
  state::CallOrigin origin;
  Principal caller;
  std::string method;
  Bytes arg;
  Cycles cycles;  // attached (canister callers only)
  std::optional<uint64_t> caller_version;  // the calling canister's version
};

// The call context origin of a request from a canister: its response goes to |r|'s callback.
state::CallOrigin origin_of(const state::Request& r);

// The memory a canister is charged for: memories, module, chunks, snapshots, or its allocation.
uint64_t canister_memory_usage(const state::CanisterState& c);

struct ExecutionEnvironment::Round {
  Round(ExecutionEnvironment& env, state::ReplicatedState& state, uint64_t time_nanos)
      : cfg(env.config_), hv(*env.hypervisor_), st(state), time(time_nanos) {}

  const ExecutionConfig& cfg;
  Hypervisor& hv;
  state::ReplicatedState& st;
  uint64_t time;
  RoundSummary summary;

  // --- execution_environment.cc ---
  void induct(const state::Ingress& ingress);
  void run_system_tasks();
  bool execute_next(state::CanisterState& c);  // one input message; false if none
  void execute_call(state::CanisterState& c, const state::CallOrigin& origin,
                    const std::string& method, const Bytes& arg, Cycles cycles);
  void execute_response(state::CanisterState& c, const state::Response& r);
  void execute_system_task(state::CanisterState& c, const std::string& export_name);
  void finish_stopping();
  void expire_callbacks();
  void prune_ingress_history();
  void charge_storage();

  void respond(const state::CallOrigin& origin, const Principal& respondent, CallResult result,
               Cycles refund);
  void set_status(const Bytes& id, state::IngressStatus::Kind kind, const Principal& receiver,
                  const Principal& user, const CallResult* result);
  void route_request(state::CanisterState& sender, state::Request req);
  SystemApiInput api_input(const state::CanisterState& c, ApiType type) const;
  Cycles freezing_limit(const state::CanisterState& c) const;
  uint64_t memory_usage(const state::CanisterState& c) const { return canister_memory_usage(c); }
  void log(state::CanisterState& c, Bytes content);
  // Applies a successful execution's effects in call context |ctx_id|.
  void apply_output(state::CanisterState& c, uint64_t ctx_id, SystemApiOutput& out, bool persist);
  // Closes |ctx_id| if it is answered and no callback refers to it; answers "did not reply" if
  // it is not answered and nothing can answer it any more.
  void maybe_close_context(state::CanisterState& c, uint64_t ctx_id);
  CallResult failure_result(const state::CanisterState& c, const ExecutionOutcome& o,
                            uint64_t limit) const;

  // --- management_canister.cc ---
  void execute_management(const state::InputMessage& m);
  // Returns nullopt when the answer comes later (stop_canister).
  std::optional<CallResult> management(ManagementCall& call, Cycles& accepted);
  void charge_consumed(state::CanisterState& c, Cycles amount);
};

// The management canister's methods that also run as queries (canister_status,
// fetch_canister_logs), against a state they do not change.
CallResult management_query(const state::ReplicatedState& st, const CyclesConfig& cycles,
                            const Principal& caller, const std::string& method, const Bytes& arg);

}  // namespace chorus::execution
