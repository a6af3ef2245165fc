// The management canister aaaaa-aa (management-canister.md; the Candid interface of ic.did).
// Each method decodes its argument at the ic.did type (extra fields are skipped, missing opt
// fields read as null, per Candid subtyping), checks who may call it, and answers with a reply
// at the ic.did result type or a reject that says what to do.
#include <algorithm>

#include "encoding/candid_struct.h"
#include "execution/round.h"

namespace chorus::execution {

using candid::RecordBuilder;
using candid::RecordReader;
using candid::Value;
using state::CallOrigin;
using state::CanisterState;
using state::CanisterStatus;

namespace {

// A record builder for chained construction of reply values.
struct Rec {
  RecordBuilder b;
  template <typename T>
  Rec& add(std::string_view name, const T& v) {
    b.add(name, v);
    return *this;
  }
  Rec& add_value(std::string_view name, Value v) {
    b.add_value(name, std::move(v));
    return *this;
  }
  Value build() { return std::move(b).build(); }
};

#define CHORUS_SETTINGS_TYPE                                                                     \
  "record { controllers : opt vec principal; compute_allocation : opt nat; memory_allocation : " \
  "opt nat; freezing_threshold : opt nat; reserved_cycles_limit : opt nat; "                    \
  "minimum_incoming_canister_call_cycles : opt nat; log_visibility : opt variant { "            \
  "controllers; public; allowed_viewers : vec principal }; log_memory_limit : opt nat; "        \
  "snapshot_visibility : opt variant { controllers; public; allowed_viewers : vec principal }; " \
  "status_visibility : opt variant { controllers; public; allowed_viewers : vec principal }; "  \
  "wasm_memory_limit : opt nat; wasm_memory_threshold : opt nat; environment_variables : opt "  \
  "vec record { name : text; value : text } }"

#define CHORUS_INSTALL_MODE_TYPE                                                                \
  "variant { install; reinstall; upgrade : opt record { skip_pre_upgrade : opt bool; "         \
  "wasm_memory_persistence : opt variant { keep; replace } } }"

#define CHORUS_VISIBILITY_TYPE "variant { controllers; public; allowed_viewers : vec principal }"

#define CHORUS_DEFINITE_SETTINGS_TYPE                                                            \
  "record { controllers : vec principal; compute_allocation : nat; memory_allocation : nat; "   \
  "freezing_threshold : nat; reserved_cycles_limit : nat; "                                     \
  "minimum_incoming_canister_call_cycles : nat; log_visibility : " CHORUS_VISIBILITY_TYPE "; "  \
  "log_memory_limit : nat; snapshot_visibility : " CHORUS_VISIBILITY_TYPE "; status_visibility : " \
  CHORUS_VISIBILITY_TYPE "; wasm_memory_limit : nat; wasm_memory_threshold : nat; "              \
  "environment_variables : vec record { name : text; value : text } }"

Result<Value> decode_value(ByteView arg, const candid::ArgTypes& types) {
  auto values = candid::decode(arg, types);
  if (!values.ok()) return Error("failed to decode the argument: " + values.error().message());
  if (values->empty()) return Error("failed to decode the argument: no value");
  return std::move((*values)[0]);
}

// One parsed type per distinct type text (a tag type per text keeps the parse to once).
template <const char* kText>
struct TypeOf {
  static constexpr const char* kCandidType = kText;
};

template <const char* kText>
const candid::ArgTypes& type_of() {
  return candid::candid_type_of<TypeOf<kText>>();
}

template <const char* kText>
Result<Value> decode_as(ByteView arg) {
  return decode_value(arg, type_of<kText>());
}

template <const char* kText>
Result<Bytes> encode_as(Value v) {
  const candid::ArgTypes& t = type_of<kText>();
  std::vector<Value> values;
  values.push_back(std::move(v));
  return candid::encode(t.table, t.types, values);
}

Bytes empty_reply() { return to_bytes(std::string_view("DIDL\x00\x00", 6)); }

const Value* field(const Value& record, std::string_view name) {
  return record.is(candid::ValueKind::kRecord) ? record.field(candid::field_hash(name)) : nullptr;
}
// An opt field: null when absent or none.
const Value* opt_field(const Value& record, std::string_view name) {
  const Value* f = field(record, name);
  if (f == nullptr || !f->is(candid::ValueKind::kOpt) || !f->has_value()) return nullptr;
  return &f->opt_value();
}
bool variant_is(const Value& v, std::string_view name) {
  return v.is(candid::ValueKind::kVariant) && !v.fields().empty() &&
         v.fields()[0].id == candid::field_hash(name);
}
const Value& variant_payload(const Value& v) { return v.fields()[0].value; }

Result<Principal> principal_field(const Value& record, std::string_view name) {
  const Value* f = field(record, name);
  if (f == nullptr || !f->is(candid::ValueKind::kPrincipal)) {
    return Error("field '" + std::string(name) + "' is missing or not a principal");
  }
  return f->principal_value();
}
std::optional<uint64_t> nat64_of(const Value& v) {
  if (v.is(candid::ValueKind::kNat)) return v.big_value().to_u64();
  if (v.is(candid::ValueKind::kNat64)) return v.nat_value();
  return std::nullopt;
}

Value nat(uint64_t v) { return Value::nat(BigInt::from_u64(v)); }
Value nat(Cycles c) { return Value::nat(c.to_bigint()); }

Value visibility_value(const state::Visibility& v) {
  switch (v.kind) {
    case state::Visibility::kControllers: return Value::variant(candid::field_hash("controllers"), Value::null());
    case state::Visibility::kPublic: return Value::variant(candid::field_hash("public"), Value::null());
    case state::Visibility::kAllowedViewers: {
      std::vector<Value> ps;
      for (const auto& p : v.viewers) ps.push_back(Value::principal(p));
      return Value::variant(candid::field_hash("allowed_viewers"), Value::vec(std::move(ps)));
    }
  }
  return Value::null();
}

Result<state::Visibility> read_visibility(const Value& v) {
  state::Visibility out;
  if (variant_is(v, "controllers")) {
    out.kind = state::Visibility::kControllers;
  } else if (variant_is(v, "public")) {
    out.kind = state::Visibility::kPublic;
  } else if (variant_is(v, "allowed_viewers")) {
    out.kind = state::Visibility::kAllowedViewers;
    for (const Value& p : variant_payload(v).items()) out.viewers.push_back(p.principal_value());
    if (out.viewers.size() > 10) return Error("at most 10 allowed viewers");
  } else {
    return Error("unknown visibility");
  }
  return out;
}

CallResult reject(std::string error_code, std::string message,
                  RejectCode code = RejectCode::kCanisterError) {
  return CallResult::reject(code, std::move(error_code), std::move(message));
}

CallResult bad_arg(const std::string& method, const Error& e) {
  return reject("IC0503", "Error from Canister aaaaa-aa: Canister called `ic0.trap` with message: '" +
                              method + ": " + e.message() + "'");
}

std::string controllers_text(const CanisterState& c) {
  std::string s;
  for (const auto& p : c.settings.controllers) s += (s.empty() ? "" : " ") + p.to_text();
  return s;
}

CallResult not_controller(const CanisterState& c, const Principal& caller) {
  return reject("IC0512", "Only the controllers of the canister " + c.id.to_text() +
                              " can control it.\nCanister's controllers: " + controllers_text(c) +
                              "\nSender's ID: " + caller.to_text());
}

CallResult canister_not_found(const Principal& id) {
  return reject("IC0301", "Canister " + id.to_text() + " not found", RejectCode::kDestinationInvalid);
}

Bytes snapshot_id(const Principal& canister, uint64_t index) {
  Bytes id(canister.bytes().begin(), canister.bytes().end());
  for (int i = 7; i >= 0; --i) id.push_back(static_cast<uint8_t>(index >> (8 * i)));
  return id;
}

constexpr char kCanisterIdArg[] = "record { canister_id : principal }";
constexpr char kCanisterIdResult[] = "record { canister_id : principal }";
constexpr char kCreateArg[] = "record { settings : opt " CHORUS_SETTINGS_TYPE "; sender_canister_version : opt nat64 }";
constexpr char kProvisionalCreateArg[] =
    "record { amount : opt nat; settings : opt " CHORUS_SETTINGS_TYPE
    "; specified_id : opt principal; sender_canister_version : opt nat64 }";
constexpr char kTopUpArg[] = "record { canister_id : principal; amount : nat }";
constexpr char kInstallArg[] = "record { mode : " CHORUS_INSTALL_MODE_TYPE
                               "; canister_id : principal; wasm_module : blob; arg : blob; "
                               "sender_canister_version : opt nat64 }";
constexpr char kInstallChunkedArg[] =
    "record { mode : " CHORUS_INSTALL_MODE_TYPE
    "; target_canister : principal; store_canister : opt principal; chunk_hashes_list : vec "
    "record { hash : blob }; wasm_module_hash : blob; arg : blob; sender_canister_version : opt "
    "nat64 }";
constexpr char kUpdateSettingsArg[] = "record { canister_id : principal; settings : " CHORUS_SETTINGS_TYPE
                                      "; sender_canister_version : opt nat64 }";
constexpr char kUploadChunkArg[] = "record { canister_id : principal; chunk : blob }";
constexpr char kChunkHash[] = "record { hash : blob }";
constexpr char kChunkHashes[] = "vec record { hash : blob }";
constexpr char kStatusResult[] =
    "record { status : variant { running; stopping; stopped }; ready_for_migration : bool; "
    "version : nat64; settings : " CHORUS_DEFINITE_SETTINGS_TYPE
    "; module_hash : opt blob; memory_size : nat; memory_metrics : record { wasm_memory_size : "
    "nat; stable_memory_size : nat; global_memory_size : nat; wasm_binary_size : nat; "
    "custom_sections_size : nat; canister_history_size : nat; wasm_chunk_store_size : nat; "
    "snapshots_size : nat; log_memory_store_size : nat }; cycles : nat; reserved_cycles : nat; "
    "idle_cycles_burned_per_day : nat; query_stats : record { num_calls_total : nat; "
    "num_instructions_total : nat; request_payload_bytes_total : nat; "
    "response_payload_bytes_total : nat } }";
constexpr char kInfoArg[] = "record { canister_id : principal; num_requested_changes : opt nat64 }";
constexpr char kInfoResult[] =
    "record { total_num_changes : nat64; recent_changes : vec record { timestamp_nanos : nat64; "
    "canister_version : nat64; origin : variant { from_user : record { user_id : principal }; "
    "from_canister : record { canister_id : principal; canister_version : opt nat64 } }; details "
    ": variant { creation : record { controllers : vec principal; environment_variables_hash : "
    "opt blob }; code_uninstall; code_deployment : record { mode : variant { install; reinstall; "
    "upgrade }; module_hash : blob }; load_snapshot : record { from_canister_id : opt principal; "
    "snapshot_id : blob; canister_version : nat64; taken_at_timestamp : nat64; source : variant { "
    "taken_from_canister : reserved; metadata_upload : reserved } }; controllers_change : record { "
    "controllers : vec principal } } }; module_hash : opt blob; controllers : vec principal }";
constexpr char kMetadataArg[] = "record { canister_id : principal; name : text }";
constexpr char kMetadataResult[] = "record { value : blob }";
constexpr char kBlob[] = "blob";
constexpr char kSnapshot[] = "record { id : blob; taken_at_timestamp : nat64; total_size : nat64 }";
constexpr char kSnapshots[] = "vec record { id : blob; taken_at_timestamp : nat64; total_size : nat64 }";
constexpr char kTakeSnapshotArg[] =
    "record { canister_id : principal; replace_snapshot : opt blob; uninstall_code : opt bool; "
    "sender_canister_version : opt nat64 }";
constexpr char kSnapshotArg[] = "record { canister_id : principal; snapshot_id : blob; sender_canister_version : opt nat64 }";
constexpr char kLogsArg[] =
    "record { canister_id : principal; filter : opt variant { by_idx : record { start : nat64; "
    "end : nat64 }; by_timestamp_nanos : record { start : nat64; end : nat64 } } }";
constexpr char kLogsResult[] =
    "record { canister_log_records : vec record { idx : nat64; timestamp_nanos : nat64; content "
    ": blob } }";
constexpr char kEmptyArgs[] = "record {}";

}  // namespace

// Settings from a canister_settings record; fields that are null stay as they are.
static Result<state::CanisterSettings> apply_settings(const Value& v, state::CanisterSettings s) {
  if (const Value* f = opt_field(v, "controllers")) {
    std::vector<Principal> ctl;
    for (const Value& p : f->items()) ctl.push_back(p.principal_value());
    if (ctl.size() > 10) return Error("a canister can have at most 10 controllers");
    std::sort(ctl.begin(), ctl.end());
    ctl.erase(std::unique(ctl.begin(), ctl.end()), ctl.end());
    s.controllers = std::move(ctl);
  }
  auto nat_setting = [&](std::string_view name, uint64_t max, uint64_t& out) -> Status {
    if (const Value* f = opt_field(v, name)) {
      auto n = nat64_of(*f);
      if (!n || *n > max) {
        return Error(std::string(name) + " must be at most " + std::to_string(max));
      }
      out = *n;
    }
    return ok_status();
  };
  CHORUS_RETURN_IF_ERROR(nat_setting("compute_allocation", 100, s.compute_allocation));
  CHORUS_RETURN_IF_ERROR(nat_setting("memory_allocation", uint64_t{1} << 48, s.memory_allocation));
  CHORUS_RETURN_IF_ERROR(nat_setting("freezing_threshold", ~uint64_t{0}, s.freezing_threshold));
  CHORUS_RETURN_IF_ERROR(nat_setting("wasm_memory_limit", uint64_t{1} << 48, s.wasm_memory_limit));
  CHORUS_RETURN_IF_ERROR(nat_setting("wasm_memory_threshold", uint64_t{1} << 48, s.wasm_memory_threshold));
  CHORUS_RETURN_IF_ERROR(nat_setting("log_memory_limit", 4096, s.log_memory_limit));
  if (const Value* f = opt_field(v, "reserved_cycles_limit")) {
    s.reserved_cycles_limit = Cycles::from_bigint(f->big_value());
  }
  if (const Value* f = opt_field(v, "minimum_incoming_canister_call_cycles")) {
    s.minimum_incoming_canister_call_cycles = Cycles::from_bigint(f->big_value());
  }
  if (const Value* f = opt_field(v, "log_visibility")) {
    CHORUS_ASSIGN_OR_RETURN(s.log_visibility, read_visibility(*f));
  }
  if (const Value* f = opt_field(v, "snapshot_visibility")) {
    CHORUS_ASSIGN_OR_RETURN(s.snapshot_visibility, read_visibility(*f));
  }
  if (const Value* f = opt_field(v, "status_visibility")) {
    CHORUS_ASSIGN_OR_RETURN(s.status_visibility, read_visibility(*f));
  }
  if (const Value* f = opt_field(v, "environment_variables")) {
    std::vector<std::pair<std::string, std::string>> vars;
    for (const Value& e : f->items()) {
      const Value* n = field(e, "name");
      const Value* val = field(e, "value");
      if (n == nullptr || val == nullptr) return Error("environment variable without name or value");
      if (n->text_value().size() > 128 || val->text_value().size() > 128) {
        return Error("environment variable names and values are at most 128 bytes");
      }
      vars.emplace_back(n->text_value(), val->text_value());
    }
    if (vars.size() > 20) return Error("at most 20 environment variables");
    std::sort(vars.begin(), vars.end());
    for (size_t i = 1; i < vars.size(); ++i) {
      if (vars[i].first == vars[i - 1].first) return Error("environment variable '" + vars[i].first + "' is given twice");
    }
    s.environment_variables = std::move(vars);
  }
  return s;
}

static Value definite_settings(const state::CanisterSettings& s) {
  std::vector<Value> ctl;
  for (const auto& p : s.controllers) ctl.push_back(Value::principal(p));
  std::vector<Value> env;
  for (const auto& [k, v] : s.environment_variables) {
    env.push_back(Rec().add("name", k).add("value", v).build());
  }
  return Rec()
      .add_value("controllers", Value::vec(std::move(ctl)))
      .add_value("compute_allocation", nat(s.compute_allocation))
      .add_value("memory_allocation", nat(s.memory_allocation))
      .add_value("freezing_threshold", nat(s.freezing_threshold))
      .add_value("reserved_cycles_limit", nat(s.reserved_cycles_limit))
      .add_value("minimum_incoming_canister_call_cycles", nat(s.minimum_incoming_canister_call_cycles))
      .add_value("log_visibility", visibility_value(s.log_visibility))
      .add_value("log_memory_limit", nat(s.log_memory_limit))
      .add_value("snapshot_visibility", visibility_value(s.snapshot_visibility))
      .add_value("status_visibility", visibility_value(s.status_visibility))
      .add_value("wasm_memory_limit", nat(s.wasm_memory_limit))
      .add_value("wasm_memory_threshold", nat(s.wasm_memory_threshold))
      .add_value("environment_variables", Value::vec(std::move(env)))
      .build();
}

namespace {

bool visible(const state::Visibility& v, const CanisterState& c, const Principal& caller) {
  if (c.is_controller(caller) || caller == c.id) return true;
  if (v.kind == state::Visibility::kPublic) return true;
  return v.kind == state::Visibility::kAllowedViewers &&
         std::find(v.viewers.begin(), v.viewers.end(), caller) != v.viewers.end();
}

}  // namespace

// The record canister_status answers with; shared with the query path.
Result<Bytes> canister_status_reply(const CanisterState& c, const CyclesConfig& cycles,
                                    uint64_t memory_usage) {
  uint32_t status = candid::field_hash(c.status == CanisterStatus::kRunning    ? "running"
                                       : c.status == CanisterStatus::kStopping ? "stopping"
                                                                               : "stopped");
  Value module_hash = Value::none();
  uint64_t wasm = 0, stable = 0, binary = 0, globals = 0, chunks = 0, snaps = 0;
  if (c.execution) {
    module_hash = Value::some(Value::blob(Bytes(c.execution->module_hash.begin(), c.execution->module_hash.end())));
    wasm = c.execution->wasm_memory.size_pages() * wasm::kWasmPageSize;
    stable = c.execution->stable_memory.size_pages() * wasm::kWasmPageSize;
    binary = c.execution->wasm_binary->size();
    globals = c.execution->globals.size() * 8;
  }
  for (const auto& [h, chunk] : c.chunk_store) chunks += chunk->size();
  for (const auto& s : c.snapshots) snaps += s.total_size;
  Value metrics = Rec()
                      .add_value("wasm_memory_size", nat(wasm))
                      .add_value("stable_memory_size", nat(stable))
                      .add_value("global_memory_size", nat(globals))
                      .add_value("wasm_binary_size", nat(binary))
                      .add_value("custom_sections_size", nat(uint64_t{0}))
                      .add_value("canister_history_size", nat(c.history.size() * 64))
                      .add_value("wasm_chunk_store_size", nat(chunks))
                      .add_value("snapshots_size", nat(snaps))
                      .add_value("log_memory_store_size", nat(c.log.bytes))
                      .build();
  Value stats = Rec()
                    .add_value("num_calls_total", nat(uint64_t{0}))
                    .add_value("num_instructions_total", nat(uint64_t{0}))
                    .add_value("request_payload_bytes_total", nat(uint64_t{0}))
                    .add_value("response_payload_bytes_total", nat(uint64_t{0}))
                    .build();
  Value v = Rec()
                .add_value("status", Value::variant(status, Value::null()))
                .add_value("ready_for_migration", Value::boolean(false))
                .add_value("version", Value::nat64(c.version))
                .add_value("settings", definite_settings(c.settings))
                .add_value("module_hash", module_hash)
                .add_value("memory_size", nat(memory_usage))
                .add_value("memory_metrics", metrics)
                .add_value("cycles", nat(c.balance))
                .add_value("reserved_cycles", nat(c.reserved_balance))
                .add_value("idle_cycles_burned_per_day",
                           nat(cycles.idle_cycles_burned_per_day(memory_usage, c.settings.compute_allocation)))
                .add_value("query_stats", stats)
                .build();
  return encode_as<kStatusResult>(std::move(v));
}

Result<Bytes> canister_logs_reply(const CanisterState& c, const Value& arg) {
  std::vector<Value> records;
  const Value* filter = opt_field(arg, "filter");
  for (const auto& r : c.log.records) {
    if (filter != nullptr) {
      const Value& range = variant_payload(*filter);
      uint64_t start = field(range, "start")->nat_value(), end = field(range, "end")->nat_value();
      uint64_t key = variant_is(*filter, "by_idx") ? r.idx : r.timestamp_nanos;
      if (key < start || key >= end) continue;
    }
    records.push_back(Rec()
                          .add_value("idx", Value::nat64(r.idx))
                          .add_value("timestamp_nanos", Value::nat64(r.timestamp_nanos))
                          .add_value("content", Value::blob(r.content))
                          .build());
  }
  return encode_as<kLogsResult>(
      Rec().add_value("canister_log_records", Value::vec(std::move(records))).build());
}

CallResult management_query(const state::ReplicatedState& st, const CyclesConfig& cycles,
                            const Principal& caller, const std::string& method, const Bytes& arg) {
  if (method == "canister_status" || method == "fetch_canister_logs") {
    auto v = method == "canister_status" ? decode_as<kCanisterIdArg>(arg) : decode_as<kLogsArg>(arg);
    if (!v.ok()) return bad_arg(method, v.error());
    auto id = principal_field(*v, "canister_id");
    if (!id.ok()) return bad_arg(method, id.error());
    const CanisterState* c = st.canister(*id);
    if (c == nullptr) return canister_not_found(*id);
    if (method == "canister_status") {
      if (!visible(c->settings.status_visibility, *c, caller)) return not_controller(*c, caller);
      auto r = canister_status_reply(*c, cycles, canister_memory_usage(*c));
      if (!r.ok()) return reject("IC0503", r.error().message());
      return CallResult::ok(std::move(r).value());
    }
    if (!visible(c->settings.log_visibility, *c, caller)) {
      return reject("IC0512", "Caller " + caller.to_text() + " is not allowed to query the logs of canister " +
                                  c->id.to_text());
    }
    auto r = canister_logs_reply(*c, *v);
    if (!r.ok()) return reject("IC0503", r.error().message());
    return CallResult::ok(std::move(r).value());
  }
  return reject("IC0536", "Management canister has no query method '" + method + "'");
}

// ---------------------------------------------------------------------------------------------

void ExecutionEnvironment::Round::execute_management(const state::InputMessage& m) {
  ManagementCall call;
  if (const auto* req = std::get_if<state::Request>(&m)) {
    call.origin = origin_of(*req);
    call.caller = req->sender;
    call.method = req->method;
    call.arg = req->payload;
    call.cycles = req->cycles;
    if (const CanisterState* c = st.canister(req->sender)) call.caller_version = c->version;
  } else if (const auto* in = std::get_if<state::Ingress>(&m)) {
    call.origin.kind = CallOrigin::kIngress;
    call.origin.caller = in->source;
    call.origin.message_id = in->message_id;
    call.caller = in->source;
    call.method = in->method;
    call.arg = in->payload;
    set_status(in->message_id, state::IngressStatus::kProcessing, in->receiver, in->source, nullptr);
  } else {
    return;  // the management canister makes no calls, so it gets no responses
  }
  Cycles accepted;
  std::optional<CallResult> r = management(call, accepted);
  if (r) {
    respond(call.origin, Principal::management_canister(), std::move(*r), call.cycles - accepted);
  } else if (CanisterState* caller = st.canister(call.caller); caller && !call.cycles.is_zero()) {
    // A deferred answer (stop_canister) gives its cycles back now: the later reply carries none.
    caller->balance += call.cycles;
  } else {
    st.metadata.consumed_cycles += call.cycles;
  }
}

std::optional<CallResult> ExecutionEnvironment::Round::management(ManagementCall& call, Cycles& accepted) {
  const std::string& method = call.method;
  const bool from_canister = call.origin.kind == CallOrigin::kCanister;
  ++summary.messages_executed;

  auto check_sender_version = [&](const Value& v) -> std::optional<CallResult> {
    if (const Value* f = opt_field(v, "sender_canister_version")) {
      if (!from_canister || !call.caller_version || f->nat_value() != *call.caller_version) {
        return reject("IC0504", "sender_canister_version does not match the caller's canister version");
      }
    }
    return std::nullopt;
  };
  // The canister named by |field_name|, if the caller controls it (or is it, when |self_ok|).
  auto controlled = [&](const Value& v, std::string_view field_name, bool self_ok,
                        CanisterState*& out) -> std::optional<CallResult> {
    auto id = principal_field(v, field_name);
    if (!id.ok()) return bad_arg(method, id.error());
    out = st.canister(*id);
    if (out == nullptr) return canister_not_found(*id);
    if (!out->is_controller(call.caller) && !(self_ok && call.caller == out->id)) {
      return not_controller(*out, call.caller);
    }
    return std::nullopt;
  };
  auto history = [&](CanisterState& c, state::ChangeRecord rec) {
    rec.timestamp_nanos = time;
    rec.canister_version = c.version;
    rec.origin_is_user = !from_canister;
    rec.origin = call.caller;
    if (from_canister) rec.origin_canister_version = call.caller_version;
    c.history.push_back(std::move(rec));
    ++c.total_num_changes;
    while (c.history.size() > cfg.max_history_records) c.history.pop_front();
  };
  auto create = [&](const Value* settings, std::optional<Principal> specified, Cycles balance)
      -> CallResult {
    if (st.canisters.size() >= cfg.max_canisters) {
      return reject("IC0101", "the subnet has reached its limit of " + std::to_string(cfg.max_canisters) + " canisters",
                    RejectCode::kSysTransient);
    }
    state::CanisterSettings s;
    s.controllers = {call.caller};
    if (settings != nullptr) {
      auto applied = apply_settings(*settings, s);
      if (!applied.ok()) return reject("IC0504", "invalid settings: " + applied.error().message());
      s = std::move(applied).value();
    }
    Principal id;
    if (specified) {
      if (st.canister(*specified) != nullptr) {
        return reject("IC0504", "canister " + specified->to_text() + " already exists");
      }
      if (specified->kind() != Principal::Class::kOpaque) {
        return reject("IC0504", "specified_id " + specified->to_text() + " is not a canister id");
      }
      id = *specified;
    } else {
      do {
        id = Principal::from_canister_index(st.metadata.canister_range_start + st.metadata.next_canister_index++);
      } while (st.canister(id) != nullptr);
    }
    CanisterState c;
    c.id = id;
    c.settings = std::move(s);
    c.balance = balance;
    c.storage_charged_until = time;
    state::ChangeRecord rec;
    rec.kind = state::ChangeRecord::kCreation;
    rec.controllers = c.settings.controllers;
    history(c, rec);
    st.canisters.emplace(id, std::move(c));
    auto r = encode_as<kCanisterIdResult>(Rec().add("canister_id", id).build());
    return CallResult::ok(std::move(r).value());
  };

  if (method == "provisional_create_canister_with_cycles") {
    if (!cfg.provisional_api) return reject("IC0516", "provisional_create_canister_with_cycles is not available on this subnet");
    auto v = decode_as<kProvisionalCreateArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    if (auto e = check_sender_version(*v)) return e;
    Cycles amount = cfg.default_provisional_cycles;
    if (const Value* a = opt_field(*v, "amount")) amount = Cycles::from_bigint(a->big_value());
    std::optional<Principal> specified;
    if (const Value* s = opt_field(*v, "specified_id")) specified = s->principal_value();
    CallResult r = create(opt_field(*v, "settings"), specified, amount);
    if (r.replied) st.metadata.minted_cycles += amount;
    return r;
  }
  if (method == "create_canister") {
    if (!from_canister) {
      return reject("IC0516", "create_canister can only be called by other canisters; "
                              "users create canisters with provisional_create_canister_with_cycles");
    }
    auto v = decode_as<kCreateArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    if (auto e = check_sender_version(*v)) return e;
    if (call.cycles < cfg.cycles.canister_creation_fee) {
      return reject("IC0504", "create_canister needs at least " + cfg.cycles.canister_creation_fee.to_string() +
                                  " cycles for the creation fee, the call carries " + call.cycles.to_string());
    }
    CallResult r = create(opt_field(*v, "settings"), std::nullopt,
                          call.cycles - cfg.cycles.canister_creation_fee);
    if (r.replied) {
      accepted = call.cycles;
      st.metadata.consumed_cycles += cfg.cycles.canister_creation_fee;
    }
    return r;
  }
  if (method == "provisional_top_up_canister") {
    if (!cfg.provisional_api) return reject("IC0516", "provisional_top_up_canister is not available on this subnet");
    auto v = decode_as<kTopUpArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    auto id = principal_field(*v, "canister_id");
    if (!id.ok()) return bad_arg(method, id.error());
    CanisterState* c = st.canister(*id);
    if (c == nullptr) return canister_not_found(*id);
    Cycles amount = Cycles::from_bigint(field(*v, "amount")->big_value());
    c->balance += amount;
    st.metadata.minted_cycles += amount;
    return CallResult::ok(empty_reply());
  }
  if (method == "deposit_cycles") {
    auto v = decode_as<kCanisterIdArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    auto id = principal_field(*v, "canister_id");
    if (!id.ok()) return bad_arg(method, id.error());
    CanisterState* c = st.canister(*id);
    if (c == nullptr) return canister_not_found(*id);
    c->balance += call.cycles;
    accepted = call.cycles;
    return CallResult::ok(empty_reply());
  }
  if (method == "raw_rand") {
    if (!from_canister) return reject("IC0516", "raw_rand can only be called by canisters");
    // 32 bytes from the batch's randomness, different for each call in the batch.
    Sha256 h;
    h.update(as_bytes("chorus-raw-rand"));
    h.update(st.metadata.randomness);
    uint8_t counter[8];
    for (int i = 0; i < 8; ++i) counter[i] = static_cast<uint8_t>(st.metadata.raw_rand_counter >> (8 * i));
    ++st.metadata.raw_rand_counter;
    h.update(ByteView(counter, 8));
    Sha256Digest d = h.finish();
    auto r = encode_as<kBlob>(Value::blob(Bytes(d.begin(), d.end())));
    return CallResult::ok(std::move(r).value());
  }
  if (method == "install_code" || method == "install_chunked_code") {
    const bool chunked = method == "install_chunked_code";
    auto v = chunked ? decode_as<kInstallChunkedArg>(call.arg) : decode_as<kInstallArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    if (auto e = check_sender_version(*v)) return e;
    CanisterState* c = nullptr;
    if (auto e = controlled(*v, chunked ? "target_canister" : "canister_id", false, c)) return e;
    Bytes wasm;
    if (chunked) {
      CanisterState* store = c;
      if (const Value* s = opt_field(*v, "store_canister")) {
        store = st.canister(s->principal_value());
        if (store == nullptr) return canister_not_found(s->principal_value());
        if (!store->is_controller(call.caller) && call.caller != store->id) return not_controller(*store, call.caller);
      }
      for (const Value& h : field(*v, "chunk_hashes_list")->items()) {
        const Value* hash = field(h, "hash");
        auto it = hash ? store->chunk_store.find(hash->blob_value()) : store->chunk_store.end();
        if (it == store->chunk_store.end()) {
          return reject("IC0504", "install_chunked_code: a chunk hash is not in the chunk store of " + store->id.to_text());
        }
        append(wasm, *it->second);
      }
      Sha256Digest d = sha256(wasm);
      if (!bytes_equal(d, field(*v, "wasm_module_hash")->blob_value())) {
        return reject("IC0504", "install_chunked_code: the chunks' SHA-256 does not match wasm_module_hash");
      }
    } else {
      wasm = field(*v, "wasm_module")->blob_value();
    }
    const Bytes& arg = field(*v, "arg")->blob_value();
    const Value& mode = *field(*v, "mode");
    uint8_t mode_code = variant_is(mode, "install") ? 0 : variant_is(mode, "reinstall") ? 1 : 2;
    bool skip_pre_upgrade = false, keep_memory = false;
    if (mode_code == 2) {
      const Value& opts = variant_payload(mode);
      if (opts.is(candid::ValueKind::kOpt) && opts.has_value()) {
        if (const Value* s = opt_field(opts.opt_value(), "skip_pre_upgrade")) skip_pre_upgrade = s->bool_value();
        if (const Value* k = opt_field(opts.opt_value(), "wasm_memory_persistence")) keep_memory = variant_is(*k, "keep");
      }
    }
    if (mode_code == 0 && c->has_code()) {
      return reject("IC0538", "Canister " + c->id.to_text() +
                                  " cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.");
    }
    if (mode_code == 2 && !c->has_code()) {
      return reject("IC0537", "Canister " + c->id.to_text() + " has no Wasm module to upgrade; install one first.");
    }
    auto module = hv.load_module(wasm, cfg.module_limits);
    if (!module.ok()) {
      return reject("IC0505", "Error from Canister " + c->id.to_text() + ": " + module.error().message());
    }
    // Enhanced orthogonal persistence (Motoko's wasm64 heap) lives in the Wasm memory, so an
    // upgrade that would drop that memory is refused, as is keeping memory for a module that
    // does not declare it can take it.
    if (mode_code == 2) {
      constexpr char kEop[] = "enhanced-orthogonal-persistence";
      auto old_module = hv.module_of(*c->execution);
      const bool old_eop = old_module.ok() && ((*old_module)->private_metadata.count(kEop) ||
                                               (*old_module)->public_metadata.count(kEop));
      const bool new_eop = (*module)->private_metadata.count(kEop) || (*module)->public_metadata.count(kEop);
      if (old_eop && !keep_memory) {
        return reject("IC0504", "Error from Canister " + c->id.to_text() +
                                    ": Missing upgrade option: Enhanced orthogonal persistence requires the "
                                    "`wasm_memory_persistence` upgrade option.");
      }
      if (keep_memory && !new_eop) {
        return reject("IC0504", "Error from Canister " + c->id.to_text() +
                                    ": Invalid upgrade option: The `wasm_memory_persistence: opt keep` upgrade "
                                    "option requires that the new canister module supports enhanced orthogonal "
                                    "persistence.");
      }
    }
    const uint64_t limit = cfg.max_instructions_per_install;
    const Cycles prepay = cfg.cycles.execution_cost(limit);
    if (c->balance < prepay + freezing_limit(*c)) {
      return reject("IC0207", "Canister " + c->id.to_text() + " is out of cycles: installing code needs at least " +
                                  ((prepay + freezing_limit(*c)) - c->balance).to_string() + " more cycles",
                    RejectCode::kSysTransient);
    }
    uint64_t used = 0;
    std::vector<Bytes> prints;
    std::optional<Bytes> certified;
    std::optional<uint64_t> timer;
    Cycles burned;
    auto run_failed = [&](const ExecutionOutcome& o, const std::string& stage) {
      charge_consumed(*c, std::min(cfg.cycles.execution_cost(used), c->balance));
      log(*c, to_bytes("[TRAP]: " + o.status.error().message()));
      CallResult f = failure_result(*c, o, limit);
      f.message = f.message + " (in " + stage + ")";
      return f;
    };
    auto collect = [&](SystemApi& api) {
      auto& out = api.output();
      for (auto& p : out.debug_prints) prints.push_back(std::move(p));
      if (out.certified_data) certified = out.certified_data;
      if (out.global_timer) timer = out.global_timer;
      burned += out.cycles_burned;
    };
    wasm::Snapshot stable;
    std::optional<state::ExecutionState> old;
    if (mode_code == 2) {
      old = *c->execution;
      auto old_module = hv.module_of(*old);
      if (old_module.ok() && (*old_module)->has_pre_upgrade && !skip_pre_upgrade) {
        SystemApi api(api_input(*c, ApiType::kPreUpgrade), nullptr);
        ExecutionOutcome o = hv.execute(c->id, *old, FuncRef{"canister_pre_upgrade", std::nullopt}, api, limit, true);
        used += o.instructions;
        if (!o.status.ok()) return run_failed(o, "canister_pre_upgrade");
        collect(api);
      }
      stable = old->stable_memory;
    }
    SystemApiInput start_in = api_input(*c, ApiType::kStart);
    SystemApi start_api(start_in, nullptr);
    ExecutionOutcome so;
    auto fresh = hv.instantiate(c->id, *module, stable, keep_memory && old ? &old->wasm_memory : nullptr,
                                start_api, limit - std::min(used, limit), &so);
    used += so.instructions;
    if (!fresh.ok()) {
      if (!so.status.ok()) return run_failed(so, "the module's start function");
      return reject("IC0505", "Error from Canister " + c->id.to_text() + ": " + fresh.error().message());
    }
    collect(start_api);
    state::ExecutionState next = std::move(fresh).value();
    next.module_hash = sha256(wasm);
    const bool has_entry = mode_code == 2 ? (*module)->has_post_upgrade : (*module)->has_init;
    if (has_entry) {
      SystemApiInput in = api_input(*c, ApiType::kInit);
      in.caller = call.caller;
      in.arg = arg;
      in.global_timer = 0;
      SystemApi api(in, nullptr);
      const char* entry = mode_code == 2 ? "canister_post_upgrade" : "canister_init";
      ExecutionOutcome o = hv.execute(c->id, next, FuncRef{entry, std::nullopt}, api, limit - std::min(used, limit), true);
      used += o.instructions;
      if (!o.status.ok()) {
        hv.evict(c->id);  // the live instance holds the failed install, not the canister
        return run_failed(o, entry);
      }
      collect(api);
    }
    charge_consumed(*c, std::min(cfg.cycles.execution_cost(used), c->balance));
    charge_consumed(*c, burned);
    for (auto& p : prints) log(*c, std::move(p));
    c->execution = std::move(next);
    c->global_timer = timer.value_or(0);
    if (mode_code != 2) c->certified_data.clear();
    if (certified) c->certified_data = *certified;
    ++c->version;
    state::ChangeRecord rec;
    rec.kind = state::ChangeRecord::kCodeDeployment;
    rec.mode = mode_code;
    rec.module_hash = c->execution->module_hash;
    history(*c, rec);
    return CallResult::ok(empty_reply());
  }
  if (method == "uninstall_code") {
    auto v = decode_as<kCanisterIdArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    CanisterState* c = nullptr;
    if (auto e = controlled(*v, "canister_id", false, c)) return e;
    c->execution.reset();
    c->certified_data.clear();
    c->global_timer = 0;
    hv.evict(c->id);
    for (auto& [id, ctx] : c->call_contexts) {
      if (!ctx.responded && !ctx.deleted) {
        respond(ctx.origin, c->id,
                reject("IC0537", "Canister " + c->id.to_text() + " has been uninstalled."), ctx.available_cycles);
        ctx.available_cycles = Cycles();
        ctx.responded = true;
      }
      ctx.deleted = true;
    }
    ++c->version;
    state::ChangeRecord rec;
    rec.kind = state::ChangeRecord::kCodeUninstall;
    history(*c, rec);
    return CallResult::ok(empty_reply());
  }
  if (method == "start_canister") {
    auto v = decode_as<kCanisterIdArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    CanisterState* c = nullptr;
    if (auto e = controlled(*v, "canister_id", false, c)) return e;
    if (c->status != CanisterStatus::kRunning) {
      for (const auto& w : c->stop_requests) {
        respond(w.origin, Principal::management_canister(),
                reject("IC0509", "Canister " + c->id.to_text() + " was started again before it stopped"), Cycles());
      }
      c->stop_requests.clear();
      c->status = CanisterStatus::kRunning;
      ++c->version;
    }
    return CallResult::ok(empty_reply());
  }
  if (method == "stop_canister") {
    auto v = decode_as<kCanisterIdArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    CanisterState* c = nullptr;
    if (auto e = controlled(*v, "canister_id", false, c)) return e;
    if (c->status == CanisterStatus::kStopped) return CallResult::ok(empty_reply());
    if (c->status == CanisterStatus::kRunning) {
      c->status = CanisterStatus::kStopping;
      ++c->version;
    }
    c->stop_requests.push_back(state::StopRequest{call.origin});
    return std::nullopt;
  }
  if (method == "delete_canister") {
    auto v = decode_as<kCanisterIdArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    CanisterState* c = nullptr;
    if (auto e = controlled(*v, "canister_id", false, c)) return e;
    if (c->id == call.caller) return reject("IC0504", "a canister cannot delete itself");
    if (c->status != CanisterStatus::kStopped) {
      return reject("IC0510", "Canister " + c->id.to_text() + " must be stopped before it is deleted.");
    }
    // What is still queued for it is answered now, so that no caller waits forever and no
    // cycle in flight vanishes: requests are rejected with their cycles, responses' refunds and
    // the callbacks' prepayments are gone with the canister.
    for (state::InputMessage& m : c->input_queue) {
      if (auto* r = std::get_if<state::Request>(&m)) {
        respond(origin_of(*r), c->id, reject("IC0301", "Canister " + c->id.to_text() + " was deleted", RejectCode::kDestinationInvalid),
                r->cycles);
      } else if (auto* resp = std::get_if<state::Response>(&m)) {
        st.metadata.consumed_cycles += resp->refund;
      } else if (auto* in = std::get_if<state::Ingress>(&m)) {
        CallResult gone = reject("IC0301", "Canister " + c->id.to_text() + " was deleted", RejectCode::kDestinationInvalid);
        set_status(in->message_id, state::IngressStatus::kRejected, in->receiver, in->source, &gone);
      }
    }
    for (const auto& [cb_id, cb] : c->callbacks) st.metadata.consumed_cycles += cb.prepayment;
    for (const auto& [ctx_id, ctx] : c->call_contexts) st.metadata.consumed_cycles += ctx.available_cycles;
    st.metadata.consumed_cycles += c->balance + c->reserved_balance;
    hv.evict(c->id);
    st.canisters.erase(c->id);
    return CallResult::ok(empty_reply());
  }
  if (method == "update_settings") {
    auto v = decode_as<kUpdateSettingsArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    if (auto e = check_sender_version(*v)) return e;
    CanisterState* c = nullptr;
    if (auto e = controlled(*v, "canister_id", false, c)) return e;
    auto s = apply_settings(*field(*v, "settings"), c->settings);
    if (!s.ok()) return reject("IC0504", "invalid settings: " + s.error().message());
    bool controllers_changed = s->controllers != c->settings.controllers;
    c->settings = std::move(s).value();
    ++c->version;
    if (controllers_changed) {
      state::ChangeRecord rec;
      rec.kind = state::ChangeRecord::kControllersChange;
      rec.controllers = c->settings.controllers;
      history(*c, rec);
    }
    return CallResult::ok(empty_reply());
  }
  if (method == "canister_status" || method == "fetch_canister_logs") {
    if (method == "fetch_canister_logs") {
      return reject("IC0504", "fetch_canister_logs is only accessible as a query (non-replicated)");
    }
    return management_query(st, cfg.cycles, call.caller, method, call.arg);
  }
  if (method == "canister_info") {
    auto v = decode_as<kInfoArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    auto id = principal_field(*v, "canister_id");
    if (!id.ok()) return bad_arg(method, id.error());
    const CanisterState* c = st.canister(*id);
    if (c == nullptr) return canister_not_found(*id);
    uint64_t n = 0;
    if (const Value* f = opt_field(*v, "num_requested_changes")) n = f->nat_value();
    std::vector<Value> changes;
    size_t first = c->history.size() > n ? c->history.size() - n : 0;
    for (size_t i = first; i < c->history.size(); ++i) {
      const state::ChangeRecord& h = c->history[i];
      Value origin = h.origin_is_user
                         ? Value::variant(candid::field_hash("from_user"), Rec().add("user_id", h.origin).build())
                         : Value::variant(candid::field_hash("from_canister"),
                                          Rec()
                                              .add("canister_id", h.origin)
                                              .add("canister_version", h.origin_canister_version)
                                              .build());
      std::vector<Value> ctl;
      for (const auto& p : h.controllers) ctl.push_back(Value::principal(p));
      Value details;
      switch (h.kind) {
        case state::ChangeRecord::kCreation:
          details = Value::variant(candid::field_hash("creation"),
                                   Rec()
                                       .add_value("controllers", Value::vec(std::move(ctl)))
                                       .add_value("environment_variables_hash", Value::none())
                                       .build());
          break;
        case state::ChangeRecord::kCodeUninstall:
          details = Value::variant(candid::field_hash("code_uninstall"), Value::null());
          break;
        case state::ChangeRecord::kCodeDeployment: {
          const char* m = h.mode == 0 ? "install" : h.mode == 1 ? "reinstall" : "upgrade";
          details = Value::variant(
              candid::field_hash("code_deployment"),
              Rec()
                  .add_value("mode", Value::variant(candid::field_hash(m), Value::null()))
                  .add_value("module_hash", Value::blob(Bytes(h.module_hash.begin(), h.module_hash.end())))
                  .build());
          break;
        }
        case state::ChangeRecord::kControllersChange:
          details = Value::variant(candid::field_hash("controllers_change"),
                                   Rec().add_value("controllers", Value::vec(std::move(ctl))).build());
          break;
        case state::ChangeRecord::kLoadSnapshot:
          details = Value::variant(
              candid::field_hash("load_snapshot"),
              Rec()
                  .add_value("from_canister_id", Value::none())
                  .add_value("snapshot_id", Value::blob(h.snapshot_id))
                  .add_value("canister_version", Value::nat64(h.snapshot_canister_version))
                  .add_value("taken_at_timestamp", Value::nat64(h.snapshot_taken_at))
                  .add_value("source", Value::variant(candid::field_hash("taken_from_canister"), Value::reserved()))
                  .build());
          break;
      }
      changes.push_back(Rec()
                            .add_value("timestamp_nanos", Value::nat64(h.timestamp_nanos))
                            .add_value("canister_version", Value::nat64(h.canister_version))
                            .add_value("origin", origin)
                            .add_value("details", details)
                            .build());
    }
    std::vector<Value> ctl;
    for (const auto& p : c->settings.controllers) ctl.push_back(Value::principal(p));
    Value mh = c->execution ? Value::some(Value::blob(Bytes(c->execution->module_hash.begin(), c->execution->module_hash.end())))
                            : Value::none();
    auto r = encode_as<kInfoResult>(Rec()
                                        .add_value("total_num_changes", Value::nat64(c->total_num_changes))
                                        .add_value("recent_changes", Value::vec(std::move(changes)))
                                        .add_value("module_hash", mh)
                                        .add_value("controllers", Value::vec(std::move(ctl)))
                                        .build());
    if (!r.ok()) return reject("IC0503", r.error().message());
    return CallResult::ok(std::move(r).value());
  }
  if (method == "canister_metadata") {
    auto v = decode_as<kMetadataArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    auto id = principal_field(*v, "canister_id");
    if (!id.ok()) return bad_arg(method, id.error());
    const CanisterState* c = st.canister(*id);
    if (c == nullptr) return canister_not_found(*id);
    if (!c->execution) return reject("IC0537", "Canister " + c->id.to_text() + " has no Wasm module");
    auto module = hv.module_of(*c->execution);
    if (!module.ok()) return reject("IC0505", module.error().message());
    const std::string& name = field(*v, "name")->text_value();
    const Bytes* value = nullptr;
    if (auto it = (*module)->public_metadata.find(name); it != (*module)->public_metadata.end()) value = &it->second;
    if (auto it = (*module)->private_metadata.find(name); it != (*module)->private_metadata.end()) {
      if (!c->is_controller(call.caller)) {
        return reject("IC0512", "metadata section '" + name + "' of canister " + c->id.to_text() + " is private to its controllers");
      }
      value = &it->second;
    }
    if (value == nullptr) return reject("IC0504", "canister " + c->id.to_text() + " has no metadata section '" + name + "'");
    auto r = encode_as<kMetadataResult>(Rec().add("value", *value).build());
    return CallResult::ok(std::move(r).value());
  }
  if (method == "upload_chunk" || method == "stored_chunks" || method == "clear_chunk_store") {
    const bool upload = method == "upload_chunk";
    auto v = upload ? decode_as<kUploadChunkArg>(call.arg) : decode_as<kCanisterIdArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    CanisterState* c = nullptr;
    if (auto e = controlled(*v, "canister_id", true, c)) return e;
    if (method == "clear_chunk_store") {
      c->chunk_store.clear();
      return CallResult::ok(empty_reply());
    }
    if (upload) {
      const Bytes& chunk = field(*v, "chunk")->blob_value();
      if (chunk.size() > cfg.max_chunk_bytes) {
        return reject("IC0504", "a chunk is at most " + std::to_string(cfg.max_chunk_bytes) + " bytes");
      }
      Sha256Digest d = sha256(chunk);
      Bytes hash(d.begin(), d.end());
      if (!c->chunk_store.count(hash) && c->chunk_store.size() >= cfg.max_chunks) {
        return reject("IC0504", "the chunk store of " + c->id.to_text() + " is full");
      }
      c->chunk_store[hash] = std::make_shared<const Bytes>(chunk);
      auto r = encode_as<kChunkHash>(Rec().add("hash", hash).build());
      return CallResult::ok(std::move(r).value());
    }
    std::vector<Value> hashes;
    for (const auto& [h, chunk] : c->chunk_store) hashes.push_back(Rec().add("hash", h).build());
    auto r = encode_as<kChunkHashes>(Value::vec(std::move(hashes)));
    return CallResult::ok(std::move(r).value());
  }
  if (method == "take_canister_snapshot") {
    auto v = decode_as<kTakeSnapshotArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    if (auto e = check_sender_version(*v)) return e;
    CanisterState* c = nullptr;
    if (auto e = controlled(*v, "canister_id", false, c)) return e;
    if (!c->execution) return reject("IC0537", "Canister " + c->id.to_text() + " has no Wasm module to snapshot");
    const Value* replace = opt_field(*v, "replace_snapshot");
    auto replaced = c->snapshots.end();
    if (replace != nullptr) {
      replaced = std::find_if(c->snapshots.begin(), c->snapshots.end(),
                              [&](const auto& s) { return s.id == replace->blob_value(); });
      if (replaced == c->snapshots.end()) return reject("IC0504", "replace_snapshot names no snapshot of this canister");
    } else if (c->snapshots.size() >= cfg.max_snapshots_per_canister) {
      return reject("IC0504", "canister " + c->id.to_text() + " already has " +
                                  std::to_string(cfg.max_snapshots_per_canister) + " snapshots; replace or delete one");
    }
    state::CanisterSnapshot s;
    s.id = snapshot_id(c->id, c->next_snapshot_index++);
    s.taken_at_timestamp = time;
    s.canister_version = c->version;
    s.execution = *c->execution;
    s.certified_data = c->certified_data;
    s.global_timer = c->global_timer;
    s.chunk_store = c->chunk_store;
    s.total_size = (s.execution.wasm_memory.size_pages() + s.execution.stable_memory.size_pages()) * wasm::kWasmPageSize +
                   s.execution.wasm_binary->size();
    if (replaced != c->snapshots.end()) c->snapshots.erase(replaced);
    if (const Value* u = opt_field(*v, "uninstall_code"); u != nullptr && u->bool_value()) {
      c->execution.reset();
      hv.evict(c->id);
    }
    auto r = encode_as<kSnapshot>(Rec()
                                      .add("id", s.id)
                                      .add("taken_at_timestamp", s.taken_at_timestamp)
                                      .add("total_size", s.total_size)
                                      .build());
    c->snapshots.push_back(std::move(s));
    return CallResult::ok(std::move(r).value());
  }
  if (method == "load_canister_snapshot" || method == "delete_canister_snapshot") {
    auto v = decode_as<kSnapshotArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    if (auto e = check_sender_version(*v)) return e;
    CanisterState* c = nullptr;
    if (auto e = controlled(*v, "canister_id", false, c)) return e;
    const Bytes& sid = field(*v, "snapshot_id")->blob_value();
    auto it = std::find_if(c->snapshots.begin(), c->snapshots.end(), [&](const auto& s) { return s.id == sid; });
    if (it == c->snapshots.end()) return reject("IC0504", "canister " + c->id.to_text() + " has no snapshot with that id");
    if (method == "delete_canister_snapshot") {
      c->snapshots.erase(it);
      return CallResult::ok(empty_reply());
    }
    c->execution = it->execution;
    c->certified_data = it->certified_data;
    c->global_timer = it->global_timer;
    c->chunk_store = it->chunk_store;
    ++c->version;
    state::ChangeRecord rec;
    rec.kind = state::ChangeRecord::kLoadSnapshot;
    rec.snapshot_id = it->id;
    rec.snapshot_taken_at = it->taken_at_timestamp;
    rec.snapshot_canister_version = it->canister_version;
    history(*c, rec);
    return CallResult::ok(empty_reply());
  }
  if (method == "list_canister_snapshots") {
    auto v = decode_as<kCanisterIdArg>(call.arg);
    if (!v.ok()) return bad_arg(method, v.error());
    CanisterState* c = nullptr;
    auto id = principal_field(*v, "canister_id");
    if (!id.ok()) return bad_arg(method, id.error());
    c = st.canister(*id);
    if (c == nullptr) return canister_not_found(*id);
    if (!visible(c->settings.snapshot_visibility, *c, call.caller)) return not_controller(*c, call.caller);
    std::vector<Value> list;
    for (const auto& s : c->snapshots) {
      list.push_back(Rec()
                         .add("id", s.id)
                         .add("taken_at_timestamp", s.taken_at_timestamp)
                         .add("total_size", s.total_size)
                         .build());
    }
    auto r = encode_as<kSnapshots>(Value::vec(std::move(list)));
    return CallResult::ok(std::move(r).value());
  }
  return reject("IC0536", "Management canister has no method '" + method + "'", RejectCode::kDestinationInvalid);
}

}  // namespace chorus::execution
