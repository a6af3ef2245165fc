#include "execution/execution_environment.h"

#include <algorithm>

#include "execution/round.h"

namespace chorus::execution {

using state::CallContext;
using state::CallOrigin;
using state::CanisterState;
using state::CanisterStatus;
using state::IngressStatus;

namespace {

std::string error_from(const Principal& id, const std::string& what) {
  return "Error from Canister " + id.to_text() + ": " + what;
}

CallResult not_found(const Principal& id) {
  return CallResult::reject(RejectCode::kDestinationInvalid, "IC0301",
                            "Canister " + id.to_text() + " not found");
}

// Why |c| cannot take a message at all (no module, not running), or nullopt if it can.
std::optional<CallResult> cannot_run(const CanisterState& c) {
  if (!c.has_code()) {
    return CallResult::reject(
        RejectCode::kCanisterError, "IC0537",
        error_from(c.id, "Attempted to execute a message, but the canister contains no Wasm module."));
  }
  if (c.status != CanisterStatus::kRunning) {
    bool stopped = c.status == CanisterStatus::kStopped;
    return CallResult::reject(RejectCode::kCanisterError, stopped ? "IC0508" : "IC0509",
                              "Canister " + c.id.to_text() + " is " + (stopped ? "stopped" : "stopping"));
  }
  return std::nullopt;
}

}  // namespace

CallOrigin origin_of(const state::Request& r) {
  CallOrigin o;
  o.kind = CallOrigin::kCanister;
  o.caller = r.sender;
  o.callback_id = r.sender_callback;
  o.deadline = r.deadline;
  return o;
}

ExecutionEnvironment::ExecutionEnvironment(ExecutionConfig config)
    : config_(std::move(config)), hypervisor_(std::make_unique<Hypervisor>(config_.hypervisor)) {}

ExecutionEnvironment::~ExecutionEnvironment() = default;

state::ReplicatedState ExecutionEnvironment::initial_state() const {
  state::ReplicatedState st;
  st.metadata.subnet_id = config_.subnet_id;
  return st;
}

// ---------------------------------------------------------------------------------------------
// Accounting helpers

uint64_t canister_memory_usage(const CanisterState& c) {
  uint64_t bytes = 0;
  if (c.execution) {
    bytes += c.execution->wasm_memory.size_pages() * wasm::kWasmPageSize;
    bytes += c.execution->stable_memory.size_pages() * wasm::kWasmPageSize;
    bytes += c.execution->wasm_binary->size();
    bytes += c.execution->globals.size() * 8;
  }
  for (const auto& [h, chunk] : c.chunk_store) bytes += chunk->size();
  for (const auto& s : c.snapshots) bytes += s.total_size;
  return std::max(bytes, c.settings.memory_allocation);
}

Cycles ExecutionEnvironment::Round::freezing_limit(const CanisterState& c) const {
  Cycles limit = cfg.cycles.freezing_limit(memory_usage(c), c.settings.compute_allocation,
                                           c.settings.freezing_threshold);
  return limit - c.reserved_balance;
}

void ExecutionEnvironment::Round::charge_consumed(CanisterState& c, Cycles amount) {
  c.balance -= amount;
  c.consumed_cycles += amount;
  st.metadata.consumed_cycles += amount;
}

void ExecutionEnvironment::Round::log(CanisterState& c, Bytes content) {
  state::CanisterLog& l = c.log;
  const uint64_t limit = std::min<uint64_t>(cfg.max_log_bytes, c.settings.log_memory_limit);
  if (content.size() > limit) content.resize(limit);
  l.bytes += content.size();
  l.records.push_back(state::LogRecord{l.next_idx++, time, std::move(content)});
  while (l.bytes > limit && !l.records.empty()) {
    l.bytes -= l.records.front().content.size();
    l.records.pop_front();
  }
}

// ---------------------------------------------------------------------------------------------
// Responses and statuses

void ExecutionEnvironment::Round::set_status(const Bytes& id, IngressStatus::Kind kind,
                                             const Principal& receiver, const Principal& user,
                                             const CallResult* result) {
  IngressStatus s;
  s.kind = kind;
  s.receiver = receiver;
  s.user = user;
  s.time_nanos = time;
  if (result != nullptr) {
    if (result->replied) {
      s.reply = result->reply;
    } else {
      s.reject_code = static_cast<uint32_t>(result->code);
      s.reject_message = result->message;
      s.error_code = result->error_code;
    }
  }
  st.ingress_history[id] = std::move(s);
  summary.ingress_changed.push_back(id);
  if (kind == IngressStatus::kReplied || kind == IngressStatus::kRejected) {
    summary.completed.push_back(id);
    st.ingress_history_by_time.emplace_back(time, id);
  }
}

void ExecutionEnvironment::Round::respond(const CallOrigin& origin, const Principal& respondent,
                                          CallResult result, Cycles refund) {
  switch (origin.kind) {
    case CallOrigin::kIngress: {
      // Ingress carries no cycles, so there is nothing to refund.
      auto it = st.ingress_history.find(origin.message_id);
      Principal user = it != st.ingress_history.end() ? it->second.user : origin.caller;
      set_status(origin.message_id, result.replied ? IngressStatus::kReplied : IngressStatus::kRejected,
                 respondent, user, &result);
      return;
    }
    case CallOrigin::kCanister: {
      CanisterState* caller = st.canister(origin.caller);
      if (caller == nullptr) {
        st.metadata.consumed_cycles += refund;  // the caller is gone: its refund with it
        return;
      }
      state::Response r;
      r.originator = origin.caller;
      r.respondent = respondent;
      r.originator_callback = origin.callback_id;
      r.refund = refund;
      r.is_reply = result.replied;
      r.reply = std::move(result.reply);
      r.reject_code = static_cast<uint32_t>(result.code);
      r.reject_message = std::move(result.message);
      r.deadline = origin.deadline;
      caller->input_queue.push_back(std::move(r));
      return;
    }
    case CallOrigin::kSystemTask:
      st.metadata.consumed_cycles += refund;
      return;
  }
}

void ExecutionEnvironment::Round::route_request(CanisterState& sender, state::Request req) {
  if (req.receiver == Principal::management_canister()) {
    st.subnet_queue.push_back(std::move(req));
    return;
  }
  CanisterState* callee = st.canister(req.receiver);
  if (callee == nullptr) {
    // No such canister here (and no other subnet to route to): the caller gets a reject with
    // every cycle back.
    state::Response r;
    r.originator = sender.id;
    r.respondent = req.receiver;
    r.originator_callback = req.sender_callback;
    r.refund = req.cycles;
    r.reject_code = static_cast<uint32_t>(RejectCode::kDestinationInvalid);
    r.reject_message = "Canister " + req.receiver.to_text() + " not found";
    r.deadline = req.deadline;
    sender.input_queue.push_back(std::move(r));
    return;
  }
  callee->input_queue.push_back(std::move(req));
}

// ---------------------------------------------------------------------------------------------
// Ingress induction

void ExecutionEnvironment::Round::induct(const state::Ingress& in) {
  if (in.expiry < time) return;  // expired before it could be inducted: never processed
  if (st.ingress_history.count(in.message_id)) return;  // a duplicate
  auto reject = [&](CallResult r) {
    set_status(in.message_id, IngressStatus::kRejected, in.receiver, in.source, &r);
  };
  if (in.receiver == Principal::management_canister()) {
    set_status(in.message_id, IngressStatus::kReceived, in.receiver, in.source, nullptr);
    st.subnet_queue.push_back(in);
    return;
  }
  CanisterState* c = st.canister(in.receiver);
  if (c == nullptr) return reject(not_found(in.receiver));
  if (auto r = cannot_run(*c)) return reject(std::move(*r));
  Cycles fee = cfg.cycles.ingress_induction_cost(in.method.size() + in.payload.size());
  if (c->balance < fee + freezing_limit(*c)) {
    return reject(CallResult::reject(
        RejectCode::kSysTransient, "IC0207",
        "Canister " + c->id.to_text() + " is out of cycles: please top up the canister with at least " +
            ((fee + freezing_limit(*c)) - c->balance).to_string() + " additional cycles"));
  }
  charge_consumed(*c, fee);
  set_status(in.message_id, IngressStatus::kReceived, in.receiver, in.source, nullptr);
  c->input_queue.push_back(in);
}

// ---------------------------------------------------------------------------------------------
// Execution of messages

SystemApiInput ExecutionEnvironment::Round::api_input(const CanisterState& c, ApiType type) const {
  SystemApiInput in;
  in.type = type;
  in.canister_id = c.id;
  in.subnet_id = st.metadata.subnet_id;
  in.balance = c.balance;
  in.freezing_limit = freezing_limit(c);
  in.status = c.status;
  in.canister_version = c.version;
  in.time_nanos = time;
  in.controllers = c.settings.controllers;
  in.root_key = cfg.root_key;
  in.max_stable_memory_pages = cfg.hypervisor.max_stable_pages;
  in.wasm_memory_limit = c.settings.wasm_memory_limit;
  in.global_timer = c.global_timer;
  in.environment_variables = c.settings.environment_variables;
  in.fees.call_fee = cfg.cycles.xnet_call_fee;
  in.fees.call_byte_fee = cfg.cycles.xnet_byte_transmission_fee;
  in.fees.response_prepayment = cfg.cycles.max_cycles_per_response();
  in.fees.create_canister_fee = cfg.cycles.canister_creation_fee;
  return in;
}

CallResult ExecutionEnvironment::Round::failure_result(const CanisterState& c,
                                                       const ExecutionOutcome& o,
                                                       uint64_t limit) const {
  const std::string& msg = o.status.error().message();
  switch (o.failure) {
    case FailureKind::kCalledTrap:
      return CallResult::reject(RejectCode::kCanisterError, "IC0503",
                                error_from(c.id, "Canister called `ic0.trap` with message: '" + msg + "'"));
    case FailureKind::kContractViolation:
      return CallResult::reject(RejectCode::kCanisterError, "IC0504",
                                error_from(c.id, "Canister violated contract: " + msg));
    case FailureKind::kInstructionLimit:
      return CallResult::reject(RejectCode::kCanisterError, "IC0522",
                                error_from(c.id, "Canister exceeded the limit of " + std::to_string(limit) +
                                                     " instructions for single message execution."));
    case FailureKind::kOutOfMemory:
      return CallResult::reject(RejectCode::kCanisterError, "IC0539",
                                error_from(c.id, "Canister exceeded its memory limit: " + msg));
    case FailureKind::kTrapped:
      break;
  }
  return CallResult::reject(RejectCode::kCanisterError, "IC0502",
                            error_from(c.id, "Canister trapped: " + msg));
}

void ExecutionEnvironment::Round::maybe_close_context(CanisterState& c, uint64_t ctx_id) {
  auto it = c.call_contexts.find(ctx_id);
  if (it == c.call_contexts.end()) return;
  for (const auto& [id, cb] : c.callbacks) {
    if (cb.call_context_id == ctx_id) return;  // a response can still come
  }
  CallContext& ctx = it->second;
  if (!ctx.responded && !ctx.deleted && ctx.origin.kind != CallOrigin::kSystemTask) {
    respond(ctx.origin, c.id,
            CallResult::reject(RejectCode::kCanisterError, "IC0506",
                               error_from(c.id, "Canister did not reply to the call")),
            ctx.available_cycles);
    ctx.available_cycles = Cycles();
  }
  // Cycles left in a context nobody will answer return to the canister.
  c.balance += ctx.available_cycles;
  c.call_contexts.erase(it);
}

void ExecutionEnvironment::Round::apply_output(CanisterState& c, uint64_t ctx_id,
                                               SystemApiOutput& out, bool persist) {
  CallContext& ctx = c.call_contexts.at(ctx_id);
  ctx.available_cycles -= out.cycles_accepted;
  c.balance += out.cycles_accepted;
  c.balance += out.cycles_minted;
  st.metadata.minted_cycles += out.cycles_minted;
  charge_consumed(c, out.cycles_burned);
  for (Bytes& line : out.debug_prints) log(c, std::move(line));
  if (persist) {
    if (out.certified_data) c.certified_data = std::move(*out.certified_data);
    if (out.global_timer) c.global_timer = *out.global_timer;
    for (OutgoingCall& call : out.calls) {
      Cycles fee = cfg.cycles.xnet_call_cost(call.method.size() + call.payload.size());
      Cycles prepayment = cfg.cycles.max_cycles_per_response();
      charge_consumed(c, fee);
      c.balance -= call.cycles;
      c.balance -= prepayment;
      state::Callback cb;
      cb.call_context_id = ctx_id;
      cb.respondent = call.callee;
      cb.cycles_sent = call.cycles;
      cb.prepayment = prepayment;
      cb.on_reply = call.on_reply;
      cb.on_reject = call.on_reject;
      cb.on_cleanup = call.on_cleanup;
      if (call.timeout_seconds) cb.deadline = time + uint64_t{*call.timeout_seconds} * 1'000'000'000;
      uint64_t cb_id = c.next_callback_id++;
      c.callbacks.emplace(cb_id, cb);
      state::Request req;
      req.sender = c.id;
      req.receiver = call.callee;
      req.method = std::move(call.method);
      req.payload = std::move(call.payload);
      req.cycles = call.cycles;
      req.sender_callback = cb_id;
      req.deadline = cb.deadline;
      route_request(c, std::move(req));
    }
    ++c.version;
  }
  if (out.reply || out.reject) {
    CallResult r = out.reply ? CallResult::ok(std::move(*out.reply))
                             : CallResult::reject(RejectCode::kCanisterReject, "IC0406",
                                                  std::move(*out.reject));
    respond(ctx.origin, c.id, std::move(r), ctx.available_cycles);
    ctx.available_cycles = Cycles();
    ctx.responded = true;
  }
  maybe_close_context(c, ctx_id);
}

void ExecutionEnvironment::Round::execute_call(CanisterState& c, const CallOrigin& origin,
                                               const std::string& method, const Bytes& arg,
                                               Cycles cycles) {
  auto fail = [&](CallResult r) { respond(origin, c.id, std::move(r), cycles); };
  if (auto r = cannot_run(c)) return fail(std::move(*r));
  auto module = hv.module_of(*c.execution);
  if (!module.ok()) {
    return fail(CallResult::reject(RejectCode::kCanisterError, "IC0505",
                                   error_from(c.id, "cannot load the module: " + module.error().message())));
  }
  ApiType type;
  std::string export_name;
  if ((*module)->update_methods.count(method)) {
    type = ApiType::kUpdate;
    export_name = "canister_update " + method;
  } else if ((*module)->query_methods.count(method)) {
    type = ApiType::kReplicatedQuery;
    export_name = "canister_query " + method;
  } else if ((*module)->composite_query_methods.count(method)) {
    return fail(CallResult::reject(
        RejectCode::kCanisterError, "IC0536",
        error_from(c.id, "Composite query method '" + method + "' cannot be called in replicated mode.")));
  } else {
    return fail(CallResult::reject(RejectCode::kCanisterError, "IC0536",
                                   error_from(c.id, "Canister has no update method '" + method + "'.")));
  }
  if (origin.kind == CallOrigin::kCanister && cycles < c.settings.minimum_incoming_canister_call_cycles) {
    return fail(CallResult::reject(
        RejectCode::kCanisterError, "IC0504",
        error_from(c.id, "the call carries fewer cycles than the canister's minimum_incoming_canister_call_cycles")));
  }
  const uint64_t limit = cfg.max_instructions_per_update;
  const Cycles prepay = cfg.cycles.execution_cost(limit);
  if (c.balance < prepay + freezing_limit(c)) {
    return fail(CallResult::reject(
        RejectCode::kSysTransient, "IC0207",
        "Canister " + c.id.to_text() + " is out of cycles: please top up the canister with at least " +
            ((prepay + freezing_limit(c)) - c.balance).to_string() + " additional cycles"));
  }
  c.balance -= prepay;

  uint64_t ctx_id = c.next_call_context_id++;
  CallContext ctx;
  ctx.origin = origin;
  ctx.method = method;
  ctx.available_cycles = cycles;
  c.call_contexts.emplace(ctx_id, ctx);

  SystemApiInput in = api_input(c, type);
  in.caller = origin.caller;
  in.arg = arg;
  in.cycles_available = cycles;
  in.deadline = origin.deadline;
  SystemApi api(std::move(in), nullptr);
  // The hypervisor supplies the stable memory; the API reads it through the live instance.
  ExecutionOutcome o = hv.execute(c.id, *c.execution, FuncRef{export_name, std::nullopt}, api, limit,
                                  type == ApiType::kUpdate);
  summary.instructions_executed += o.instructions;
  ++summary.messages_executed;
  Cycles used = cfg.cycles.execution_cost(o.instructions);
  c.balance += prepay;
  charge_consumed(c, std::min(used, prepay));
  c.call_contexts.at(ctx_id).instructions_executed += o.instructions;
  if (!o.status.ok()) {
    CallResult r = failure_result(c, o, limit);
    log(c, to_bytes("[TRAP]: " + o.status.error().message()));
    CallContext& x = c.call_contexts.at(ctx_id);
    respond(x.origin, c.id, std::move(r), x.available_cycles);
    x.available_cycles = Cycles();
    x.responded = true;
    maybe_close_context(c, ctx_id);
    return;
  }
  apply_output(c, ctx_id, api.output(), type == ApiType::kUpdate);
}

void ExecutionEnvironment::Round::execute_response(CanisterState& c, const state::Response& r) {
  auto cb_it = c.callbacks.find(r.originator_callback);
  if (cb_it == c.callbacks.end()) {
    // A late response to a best-effort call that already timed out: only its cycles matter,
    // and a timed-out call refunds nothing.
    st.metadata.consumed_cycles += r.refund;
    return;
  }
  state::Callback cb = cb_it->second;
  c.callbacks.erase(cb_it);
  c.balance += r.refund;
  auto ctx_it = c.call_contexts.find(cb.call_context_id);
  if (ctx_it == c.call_contexts.end() || ctx_it->second.deleted || !c.has_code()) {
    c.balance += cb.prepayment;
    maybe_close_context(c, cb.call_context_id);
    return;
  }
  ApiType type = r.is_reply ? ApiType::kReplyCallback : ApiType::kRejectCallback;
  SystemApiInput in = api_input(c, type);
  in.balance = c.balance;
  in.caller = ctx_it->second.origin.caller;
  in.arg = r.is_reply ? r.reply : Bytes();
  in.reject_code = r.is_reply ? 0 : r.reject_code;
  in.reject_message = r.is_reply ? std::string() : r.reject_message;
  in.cycles_available = ctx_it->second.available_cycles;
  in.cycles_refunded = r.refund;
  in.deadline = cb.deadline;
  in.call_context_instructions = ctx_it->second.instructions_executed;
  SystemApi api(in, nullptr);
  const uint64_t limit = cfg.max_instructions_per_update;
  FuncRef f{"", r.is_reply ? cb.on_reply : cb.on_reject};
  ExecutionOutcome o = hv.execute(c.id, *c.execution, f, api, limit, true);
  summary.instructions_executed += o.instructions;
  ++summary.messages_executed;
  // The response's execution is paid from the prepayment; what it does not use comes back.
  auto pay = [&](uint64_t instructions) {
    Cycles used = cfg.cycles.execution_cost(instructions);
    Cycles from_prepayment = std::min(used, cb.prepayment);
    cb.prepayment -= from_prepayment;
    st.metadata.consumed_cycles += from_prepayment;
    c.consumed_cycles += from_prepayment;
    charge_consumed(c, std::min(used - from_prepayment, c.balance));
  };
  pay(o.instructions);
  c.call_contexts.at(cb.call_context_id).instructions_executed += o.instructions;
  if (o.status.ok()) {
    c.balance += cb.prepayment;
    apply_output(c, cb.call_context_id, api.output(), true);
    return;
  }
  log(c, to_bytes("[TRAP]: " + o.status.error().message()));
  CallResult failure = failure_result(c, o, limit);
  if (cb.on_cleanup) {
    SystemApiInput cin = api_input(c, ApiType::kCleanup);
    cin.caller = in.caller;
    cin.reject_code = in.reject_code;
    SystemApi capi(cin, nullptr);
    ExecutionOutcome co = hv.execute(c.id, *c.execution, FuncRef{"", *cb.on_cleanup}, capi, limit, true);
    summary.instructions_executed += co.instructions;
    pay(co.instructions);
    if (co.status.ok()) {
      SystemApiOutput& out = capi.output();
      for (Bytes& line : out.debug_prints) log(c, std::move(line));
      charge_consumed(c, out.cycles_burned);
      if (out.global_timer) c.global_timer = *out.global_timer;
      ++c.version;
    } else {
      log(c, to_bytes("[TRAP]: " + co.status.error().message()));
    }
  }
  c.balance += cb.prepayment;
  CallContext& ctx = c.call_contexts.at(cb.call_context_id);
  if (!ctx.responded && ctx.origin.kind != CallOrigin::kSystemTask) {
    bool others = false;
    for (const auto& [id, other] : c.callbacks) others |= other.call_context_id == cb.call_context_id;
    if (!others) {
      respond(ctx.origin, c.id, std::move(failure), ctx.available_cycles);
      ctx.available_cycles = Cycles();
      ctx.responded = true;
    }
  }
  maybe_close_context(c, cb.call_context_id);
}

void ExecutionEnvironment::Round::execute_system_task(CanisterState& c, const std::string& export_name) {
  const uint64_t limit = cfg.max_instructions_per_update;
  const Cycles prepay = cfg.cycles.execution_cost(limit);
  if (c.balance < prepay + freezing_limit(c)) return;  // frozen canisters run no tasks
  c.balance -= prepay;
  uint64_t ctx_id = c.next_call_context_id++;
  CallContext ctx;
  ctx.origin.kind = CallOrigin::kSystemTask;
  ctx.origin.caller = Principal::management_canister();
  ctx.method = export_name;
  ctx.responded = true;  // nobody waits for an answer
  c.call_contexts.emplace(ctx_id, ctx);
  SystemApiInput in = api_input(c, ApiType::kSystemTask);
  in.balance = c.balance;
  in.caller = Principal::management_canister();
  SystemApi api(std::move(in), nullptr);
  ExecutionOutcome o = hv.execute(c.id, *c.execution, FuncRef{export_name, std::nullopt}, api, limit, true);
  summary.instructions_executed += o.instructions;
  ++summary.messages_executed;
  c.balance += prepay;
  charge_consumed(c, std::min(cfg.cycles.execution_cost(o.instructions), prepay));
  if (!o.status.ok()) {
    log(c, to_bytes("[TRAP]: " + o.status.error().message()));
    maybe_close_context(c, ctx_id);
    return;
  }
  apply_output(c, ctx_id, api.output(), true);
}

bool ExecutionEnvironment::Round::execute_next(CanisterState& c) {
  if (c.input_queue.empty()) return false;
  state::InputMessage m = std::move(c.input_queue.front());
  c.input_queue.pop_front();
  if (auto* req = std::get_if<state::Request>(&m)) {
    execute_call(c, origin_of(*req), req->method, req->payload, req->cycles);
  } else if (auto* resp = std::get_if<state::Response>(&m)) {
    execute_response(c, *resp);
  } else {
    auto& in = std::get<state::Ingress>(m);
    CallOrigin o;
    o.kind = CallOrigin::kIngress;
    o.caller = in.source;
    o.message_id = in.message_id;
    set_status(in.message_id, IngressStatus::kProcessing, in.receiver, in.source, nullptr);
    execute_call(c, o, in.method, in.payload, Cycles());
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The round's other duties

void ExecutionEnvironment::Round::run_system_tasks() {
  std::vector<Principal> ids;
  for (const auto& [id, c] : st.canisters) ids.push_back(id);
  for (const Principal& id : ids) {
    CanisterState* c = st.canister(id);
    if (c == nullptr || !c->has_code() || c->status != CanisterStatus::kRunning) continue;
    auto module = hv.module_of(*c->execution);
    if (!module.ok()) continue;
    if ((*module)->has_heartbeat) execute_system_task(*c, "canister_heartbeat");
    if ((*module)->has_global_timer && c->global_timer != 0 && time >= c->global_timer) {
      c->global_timer = 0;  // the timer fires once; the canister may set it again
      execute_system_task(*c, "canister_global_timer");
    }
  }
}

void ExecutionEnvironment::Round::finish_stopping() {
  for (auto& [id, c] : st.canisters) {
    if (c.status != CanisterStatus::kStopping || !c.call_contexts.empty()) continue;
    c.status = CanisterStatus::kStopped;
    ++c.version;
    std::vector<state::StopRequest> waiting = std::move(c.stop_requests);
    c.stop_requests.clear();
    for (const auto& w : waiting) {
      respond(w.origin, Principal::management_canister(), CallResult::ok(to_bytes("DIDL\x00\x00")), Cycles());
    }
  }
}

void ExecutionEnvironment::Round::expire_callbacks() {
  for (auto& [id, c] : st.canisters) {
    for (const auto& [cb_id, cb] : c.callbacks) {
      if (cb.deadline == 0 || cb.deadline > time) continue;
      bool queued = false;
      for (const auto& m : c.input_queue) {
        if (const auto* r = std::get_if<state::Response>(&m)) queued |= r->originator_callback == cb_id;
      }
      if (queued) continue;
      state::Response r;
      r.originator = c.id;
      r.respondent = cb.respondent;
      r.originator_callback = cb_id;
      r.reject_code = static_cast<uint32_t>(RejectCode::kSysUnknown);
      r.reject_message = "the call's deadline expired before a response arrived";
      r.deadline = cb.deadline;
      c.input_queue.push_back(std::move(r));
    }
  }
}

void ExecutionEnvironment::Round::prune_ingress_history() {
  // Replied and rejected statuses become done after the retention time, and done ones go after
  // another; the time-ordered queue names them, so this costs what it prunes.
  auto& queue = st.ingress_history_by_time;
  while (!queue.empty() && queue.front().first + cfg.ingress_history_retention_nanos < time) {
    auto [at, id] = std::move(queue.front());
    queue.pop_front();
    auto it = st.ingress_history.find(id);
    if (it == st.ingress_history.end() || it->second.time_nanos != at) continue;
    IngressStatus& s = it->second;
    if (s.kind == IngressStatus::kReplied || s.kind == IngressStatus::kRejected) {
      s.kind = IngressStatus::kDone;
      s.reply.clear();
      s.reject_message.clear();
      s.time_nanos = time;
      queue.emplace_back(time, id);
      summary.ingress_changed.push_back(std::move(id));
    } else if (s.kind == IngressStatus::kDone) {
      st.ingress_history.erase(it);
      summary.ingress_changed.push_back(std::move(id));
    }
  }
}

void ExecutionEnvironment::Round::charge_storage() {
  for (auto& [id, c] : st.canisters) {
    if (c.storage_charged_until == 0 || c.storage_charged_until >= time) {
      c.storage_charged_until = std::max(c.storage_charged_until, time);
      continue;
    }
    Cycles cost = cfg.cycles.storage_cost(memory_usage(c), c.settings.compute_allocation,
                                          time - c.storage_charged_until);
    c.storage_charged_until = time;
    charge_consumed(c, std::min(cost, c.balance));
  }
}

RoundSummary ExecutionEnvironment::execute_round(state::ReplicatedState& st, const Batch& batch) {
  uint64_t time = std::max(batch.time_nanos, st.metadata.time_nanos + 1);
  st.metadata.batch_number = batch.batch_number;
  st.metadata.time_nanos = time;
  st.metadata.randomness = batch.randomness;
  st.metadata.raw_rand_counter = 0;
  Round round(*this, st, time);
  for (const auto& in : batch.ingress) round.induct(in);
  round.charge_storage();
  round.expire_callbacks();
  round.run_system_tasks();

  // Round-robin over canisters with work, one message each per pass, starting at a canister that
  // moves with the batch number so that no canister always goes first.
  bool progress = true;
  while (progress && round.summary.instructions_executed < config_.max_instructions_per_round) {
    progress = false;
    while (!st.subnet_queue.empty()) {
      state::InputMessage m = std::move(st.subnet_queue.front());
      st.subnet_queue.pop_front();
      round.execute_management(m);
      progress = true;
    }
    std::vector<Principal> ids;
    for (const auto& [id, c] : st.canisters) {
      if (!c.input_queue.empty()) ids.push_back(id);
    }
    if (!ids.empty()) std::rotate(ids.begin(), ids.begin() + batch.batch_number % ids.size(), ids.end());
    for (const Principal& id : ids) {
      if (round.summary.instructions_executed >= config_.max_instructions_per_round) break;
      CanisterState* c = st.canister(id);
      if (c != nullptr && round.execute_next(*c)) progress = true;
    }
  }
  round.finish_stopping();
  round.prune_ingress_history();
  return std::move(round.summary);
}

// ---------------------------------------------------------------------------------------------
// Queries

namespace {

// The IC's bound on nested calls in a composite query (MAX_CALL_DEPTH_COMPOSITE_QUERY).
constexpr int kMaxCompositeQueryDepth = 6;

QueryResponse to_query_response(CallResult r, uint64_t instructions) {
  QueryResponse q;
  q.replied = r.replied;
  q.reply = std::move(r.reply);
  q.reject_code = r.code;
  q.reject_message = std::move(r.message);
  q.error_code = std::move(r.error_code);
  q.instructions = instructions;
  return q;
}

}  // namespace

// Runs a query call of a (composite) query: against a copy of the callee's state, so nothing
// persists past the outermost query.
struct QueryRunner {
  ExecutionEnvironment::Round& round;  // only its helpers are used: nothing is written to state
  const state::ReplicatedState& st;
  uint64_t budget;  // instructions left for the whole query
  uint64_t used = 0;

  CallResult call(const Principal& sender, const Principal& receiver, const std::string& method,
                  const Bytes& arg, const std::optional<Bytes>& certificate, int depth) {
    if (receiver == Principal::management_canister()) {
      return management_query(st, round.cfg.cycles, sender, method, arg);
    }
    const CanisterState* c = st.canister(receiver);
    if (c == nullptr) return not_found(receiver);
    if (auto r = cannot_run(*c)) return std::move(*r);
    auto module = round.hv.module_of(*c->execution);
    if (!module.ok()) {
      return CallResult::reject(RejectCode::kCanisterError, "IC0505", module.error().message());
    }
    const bool composite = (*module)->composite_query_methods.count(method) > 0;
    if (!composite && !(*module)->query_methods.count(method)) {
      return CallResult::reject(RejectCode::kCanisterError, "IC0536",
                                error_from(c->id, "Canister has no query method '" + method + "'."));
    }
    if (composite && depth > 0 && depth >= kMaxCompositeQueryDepth) {
      return CallResult::reject(RejectCode::kCanisterError, "IC0504",
                                error_from(c->id, "composite query calls nest deeper than " +
                                                      std::to_string(kMaxCompositeQueryDepth)));
    }
    state::ExecutionState exec = *c->execution;  // shares pages: a copy costs nothing
    SystemApiInput in = round.api_input(*c, composite ? ApiType::kCompositeQuery : ApiType::kNonReplicatedQuery);
    in.caller = sender;
    in.arg = arg;
    if (depth == 0) in.data_certificate = certificate;
    SystemApi api(in, nullptr);
    const std::string entry = (composite ? "canister_composite_query " : "canister_query ") + method;
    ExecutionOutcome o = round.hv.execute(c->id, exec, FuncRef{entry, std::nullopt}, api,
                                          budget - std::min(used, budget), composite);
    used += o.instructions;
    if (!o.status.ok()) return round.failure_result(*c, o, budget);
    SystemApiOutput out = std::move(api.output());
    std::deque<OutgoingCall> pending(out.calls.begin(), out.calls.end());
    while (!out.reply && !out.reject && !pending.empty()) {
      OutgoingCall next = std::move(pending.front());
      pending.pop_front();
      CallResult r = call(c->id, next.callee, next.method, next.payload, std::nullopt, depth + 1);
      SystemApiInput cin = round.api_input(*c, r.replied ? ApiType::kCompositeReplyCallback
                                                         : ApiType::kCompositeRejectCallback);
      cin.caller = sender;
      cin.arg = r.replied ? r.reply : Bytes();
      cin.reject_code = r.replied ? 0 : static_cast<uint32_t>(r.code);
      cin.reject_message = r.replied ? std::string() : r.message;
      SystemApi capi(cin, nullptr);
      ExecutionOutcome co = round.hv.execute(c->id, exec, FuncRef{"", r.replied ? next.on_reply : next.on_reject},
                                             capi, budget - std::min(used, budget), true);
      used += co.instructions;
      if (!co.status.ok()) return round.failure_result(*c, co, budget);
      SystemApiOutput& cout = capi.output();
      for (auto& more : cout.calls) pending.push_back(std::move(more));
      if (cout.reply) out.reply = std::move(cout.reply);
      if (cout.reject) out.reject = std::move(cout.reject);
    }
    if (out.reply) return CallResult::ok(std::move(*out.reply));
    if (out.reject) return CallResult::reject(RejectCode::kCanisterReject, "IC0406", std::move(*out.reject));
    return CallResult::reject(RejectCode::kCanisterError, "IC0506",
                              error_from(c->id, "Canister did not reply to the call"));
  }
};

QueryResponse ExecutionEnvironment::execute_query(const state::ReplicatedState& st, const Query& q) {
  // A Round over a state nobody writes: the query path reads through the same helpers.
  state::ReplicatedState& unused = const_cast<state::ReplicatedState&>(st);
  Round round(*this, unused, st.metadata.time_nanos);
  QueryRunner runner{round, st, config_.max_instructions_per_query};
  CallResult r = runner.call(q.sender, q.receiver, q.method, q.arg, q.data_certificate, 0);
  return to_query_response(std::move(r), runner.used);
}

Status ExecutionEnvironment::inspect_message(const state::ReplicatedState& st, const state::Ingress& in) {
  if (in.receiver == Principal::management_canister()) return ok_status();
  const CanisterState* c = st.canister(in.receiver);
  if (c == nullptr) return Error("Canister " + in.receiver.to_text() + " not found");
  if (!c->has_code()) return Error("Canister " + c->id.to_text() + " has no Wasm module");
  if (c->status != CanisterStatus::kRunning) return Error("Canister " + c->id.to_text() + " is not running");
  auto module = hypervisor_->module_of(*c->execution);
  if (!module.ok()) return module.error();
  if (!(*module)->update_methods.count(in.method) && !(*module)->query_methods.count(in.method)) {
    return Error("Canister " + c->id.to_text() + " has no update method '" + in.method + "'");
  }
  if (!(*module)->has_inspect_message) return ok_status();
  state::ReplicatedState& unused = const_cast<state::ReplicatedState&>(st);
  Round round(*this, unused, st.metadata.time_nanos);
  state::ExecutionState exec = *c->execution;
  SystemApiInput api_in = round.api_input(*c, ApiType::kInspectMessage);
  api_in.caller = in.source;
  api_in.arg = in.payload;
  api_in.method_name = in.method;
  SystemApi api(api_in, nullptr);
  ExecutionOutcome o = hypervisor_->execute(c->id, exec, FuncRef{"canister_inspect_message", std::nullopt}, api,
                                            config_.max_instructions_per_inspect, false);
  if (!o.status.ok()) {
    return Error(round.failure_result(*c, o, config_.max_instructions_per_inspect).message);
  }
  if (!api.output().message_accepted) {
    return Error("Canister " + c->id.to_text() + " rejected the message in canister_inspect_message");
  }
  return ok_status();
}

}  // namespace chorus::execution
