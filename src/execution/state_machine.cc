#include "execution/state_machine.h"

#include "base/hex.h"
#include "encoding/candid_struct.h"
#include "execution/management_records.h"

namespace chorus::execution {

std::string CallOutcome::describe() const {
  if (replied) return "reply " + to_hex(reply);
  return "reject " + std::to_string(reject_code) + " " + error_code + ": " + reject_message;
}

ExecutionConfig StateMachine::default_config() {
  ExecutionConfig c;
  // A subnet id is a self-authenticating principal of the subnet's key; a fixed test key here.
  c.subnet_id = Principal::self_authenticating(as_bytes("chorus state machine subnet"));
  return c;
}

StateMachine::StateMachine(ExecutionConfig config, uint64_t start_time_nanos)
    : env_(std::move(config)), state_(env_.initial_state()), time_(start_time_nanos) {}

Bytes StateMachine::submit_ingress(const Principal& sender, const Principal& receiver,
                                   const std::string& method, Bytes arg) {
  // Ids depend only on the state's height, the position in the next batch and the content, so
  // two machines in the same state give the same call the same id.
  Sha256 h;
  uint8_t n[16];
  const uint64_t height = state_.metadata.batch_number, index = pending_.size();
  for (int i = 0; i < 8; ++i) {
    n[i] = static_cast<uint8_t>(height >> (8 * i));
    n[8 + i] = static_cast<uint8_t>(index >> (8 * i));
  }
  h.update(ByteView(n, 16)).update(sender.bytes()).update(receiver.bytes()).update(as_bytes(method)).update(arg);
  Sha256Digest id = h.finish();
  state::Ingress in;
  in.source = sender;
  in.receiver = receiver;
  in.method = method;
  in.payload = std::move(arg);
  in.message_id.assign(id.begin(), id.end());
  in.expiry = time_ + 5ull * 60 * 1'000'000'000;
  pending_.push_back(std::move(in));
  return Bytes(id.begin(), id.end());
}

RoundSummary StateMachine::tick() {
  time_ += 1'000'000;
  Batch b;
  b.batch_number = state_.metadata.batch_number + 1;
  b.time_nanos = time_;
  Sha256Digest r = sha256(as_bytes("randomness " + std::to_string(b.batch_number)));
  b.randomness.assign(r.begin(), r.end());
  b.ingress = std::move(pending_);
  pending_.clear();
  RoundSummary s = env_.execute_round(state_, b);
  time_ = state_.metadata.time_nanos;
  if (checkpoints_) {
    auto written = checkpoints_->commit(state_.metadata.batch_number, state_);
    // A failed checkpoint loses nothing of the state in memory; the next one tries again.
    last_checkpoint_ = written.ok() ? *written : std::nullopt;
  }
  return s;
}

Status StateMachine::use_checkpoints(std::string root, uint64_t interval) {
  state::StateManagerOptions options;
  options.checkpoint_interval = interval;
  CHORUS_ASSIGN_OR_RETURN(state::StateManager manager, state::StateManager::open(std::move(root), options));
  CHORUS_ASSIGN_OR_RETURN(std::optional<state::RestoredState> restored, manager.restore());
  if (restored) {
    state_ = std::move(restored->state);
    time_ = state_.metadata.time_nanos;
    pending_.clear();
  }
  checkpoints_.emplace(std::move(manager));
  return ok_status();
}

std::optional<state::IngressStatus> StateMachine::ingress_status(const Bytes& id) const {
  auto it = state_.ingress_history.find(id);
  if (it == state_.ingress_history.end()) return std::nullopt;
  return it->second;
}

namespace {
CallOutcome outcome_of(const state::IngressStatus& s) {
  CallOutcome o;
  o.replied = s.kind == state::IngressStatus::kReplied;
  o.reply = s.reply;
  o.reject_code = s.reject_code;
  o.reject_message = s.reject_message;
  o.error_code = s.error_code;
  return o;
}
}  // namespace

CallOutcome StateMachine::execute_ingress(const Principal& sender, const Principal& receiver,
                                          const std::string& method, Bytes arg, int max_rounds) {
  Bytes id = submit_ingress(sender, receiver, method, std::move(arg));
  for (int i = 0; i < max_rounds; ++i) {
    tick();
    auto s = ingress_status(id);
    if (s && (s->kind == state::IngressStatus::kReplied || s->kind == state::IngressStatus::kRejected)) {
      return outcome_of(*s);
    }
  }
  CallOutcome o;
  o.reject_code = 2;
  o.error_code = "IC0202";
  auto s = ingress_status(id);
  o.reject_message = s ? "the call did not complete within " + std::to_string(max_rounds) + " rounds"
                       : "the message was not inducted (expired or a duplicate)";
  return o;
}

CallOutcome StateMachine::query(const Principal& sender, const Principal& receiver,
                                const std::string& method, Bytes arg) {
  Query q{sender, receiver, method, std::move(arg), std::nullopt};
  QueryResponse r = env_.execute_query(state_, q);
  CallOutcome o;
  o.replied = r.replied;
  o.reply = std::move(r.reply);
  o.reject_code = static_cast<uint32_t>(r.reject_code);
  o.reject_message = std::move(r.reject_message);
  o.error_code = std::move(r.error_code);
  return o;
}

Result<Principal> StateMachine::create_canister(Cycles cycles, const Principal& sender,
                                                std::optional<Principal> specified_id) {
  CHORUS_ASSIGN_OR_RETURN(Bytes arg, candid::encode_arg(ProvisionalCreate{cycles.to_bigint(), specified_id}));
  CallOutcome o = execute_ingress(sender, Principal::management_canister(),
                                  "provisional_create_canister_with_cycles", std::move(arg));
  if (!o.replied) return Error("create_canister: " + o.describe());
  CHORUS_ASSIGN_OR_RETURN(CanisterIdRecord r, candid::decode_arg<CanisterIdRecord>(o.reply));
  return r.canister_id;
}

Result<Bytes> StateMachine::install_code_arg(const Principal& canister, ByteView wasm, const Bytes& arg,
                                            const std::string& mode, bool keep_wasm_memory) {
  using candid::Value;
  Value options = Value::none();
  if (keep_wasm_memory) {
    candid::RecordBuilder ob;
    ob.add_value("skip_pre_upgrade", Value::none());
    ob.add_value("wasm_memory_persistence", Value::some(Value::variant(candid::field_hash("keep"), Value::null())));
    options = Value::some(std::move(ob).build());
  }
  Value mode_value = mode == "upgrade" ? Value::variant(candid::field_hash("upgrade"), options)
                                       : Value::variant(candid::field_hash(mode), Value::null());
  candid::RecordBuilder b;
  b.add_value("mode", mode_value)
      .add("canister_id", canister)
      .add("wasm_module", Bytes(wasm.begin(), wasm.end()))
      .add("arg", arg);
  CHORUS_ASSIGN_OR_RETURN(
      candid::ArgTypes t,
      candid::parse_arg_types("(record { mode : variant { install; reinstall; upgrade : opt record { "
                              "skip_pre_upgrade : opt bool; wasm_memory_persistence : opt variant { keep; "
                              "replace } } }; canister_id : principal; wasm_module : blob; arg : blob })"));
  std::vector<Value> values;
  values.push_back(std::move(b).build());
  return candid::encode(t.table, t.types, values);
}

Status StateMachine::install_code(const Principal& canister, ByteView wasm, Bytes arg,
                                  const Principal& sender, const std::string& mode,
                                  bool keep_wasm_memory) {
  CHORUS_ASSIGN_OR_RETURN(Bytes encoded, install_code_arg(canister, wasm, arg, mode, keep_wasm_memory));
  CallOutcome o = execute_ingress(sender, Principal::management_canister(), "install_code", std::move(encoded));
  if (!o.replied) return Error("install_code: " + o.describe());
  return ok_status();
}

}  // namespace chorus::execution
