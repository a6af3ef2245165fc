#include "execution/system_api.h"

#include <algorithm>
#include <cstring>

#include "base/utf8.h"

namespace chorus::execution {

namespace {

// Context bits, one per ApiType.
constexpr uint32_t bit(ApiType t) { return uint32_t{1} << static_cast<uint32_t>(t); }
constexpr uint32_t kS = bit(ApiType::kStart), kI = bit(ApiType::kInit),
                   kG = bit(ApiType::kPreUpgrade), kU = bit(ApiType::kUpdate),
                   kRQ = bit(ApiType::kReplicatedQuery), kNRQ = bit(ApiType::kNonReplicatedQuery),
                   kCQ = bit(ApiType::kCompositeQuery), kRy = bit(ApiType::kReplyCallback),
                   kRt = bit(ApiType::kRejectCallback), kCRy = bit(ApiType::kCompositeReplyCallback),
                   kCRt = bit(ApiType::kCompositeRejectCallback), kC = bit(ApiType::kCleanup),
                   kCC = bit(ApiType::kCompositeCleanup), kF = bit(ApiType::kInspectMessage),
                   kT = bit(ApiType::kSystemTask);
constexpr uint32_t kAll = kI | kG | kU | kRQ | kNRQ | kCQ | kRy | kRt | kCRy | kCRt | kC | kCC |
                          kF | kT;  // the spec's "*": every context but (start)
constexpr uint32_t kAllS = kAll | kS;
constexpr uint32_t kArgs = kI | kU | kRQ | kNRQ | kCQ | kRy | kCRy | kF;
constexpr uint32_t kRespond = kU | kRQ | kNRQ | kCQ | kRy | kRt | kCRy | kCRt;
constexpr uint32_t kCycles = kU | kRQ | kRt | kRy;
constexpr uint32_t kCall = kU | kCQ | kRy | kRt | kCRy | kCRt | kT;
constexpr uint32_t kMutating = kI | kG | kU | kRy | kRt | kC | kT;
constexpr uint32_t kCallerInfo = kU | kRQ | kNRQ | kCQ | kRy | kRt | kCRy | kCRt | kC | kCC | kF;

// The import table of canister-interface.md ("Overview of imports"), in the spec's order.
#define CHORUS_IC0_IMPORTS(X)                                                        \
  X(msg_arg_data_size, "", "I", kArgs)                                               \
  X(msg_arg_data_copy, "III", "", kArgs)                                             \
  X(msg_caller_size, "", "I", kAll)                                                  \
  X(msg_caller_copy, "III", "", kAll)                                                \
  X(msg_caller_info_data_size, "", "I", kCallerInfo)                                 \
  X(msg_caller_info_data_copy, "III", "", kCallerInfo)                               \
  X(msg_caller_info_signer_size, "", "I", kCallerInfo)                               \
  X(msg_caller_info_signer_copy, "III", "", kCallerInfo)                             \
  X(msg_reject_code, "", "i", kRy | kRt | kCRy | kCRt | kC | kCC)                    \
  X(msg_reject_msg_size, "", "I", kRt | kCRt)                                        \
  X(msg_reject_msg_copy, "III", "", kRt | kCRt)                                      \
  X(msg_deadline, "", "l", kU | kRQ | kNRQ | kCQ | kRy | kRt | kCRy | kCRt)          \
  X(msg_reply_data_append, "II", "", kRespond)                                       \
  X(msg_reply, "", "", kRespond)                                                     \
  X(msg_reject, "II", "", kRespond)                                                  \
  X(msg_cycles_available128, "I", "", kCycles)                                       \
  X(msg_cycles_refunded128, "I", "", kRt | kRy)                                      \
  X(msg_cycles_accept128, "llI", "", kCycles)                                        \
  X(cycles_burn128, "llI", "", kI | kG | kU | kRQ | kRy | kRt | kC | kT)             \
  X(canister_self_size, "", "I", kAll)                                               \
  X(canister_self_copy, "III", "", kAll)                                             \
  X(canister_cycle_balance128, "I", "", kAll)                                        \
  X(canister_liquid_cycle_balance128, "I", "", kAll)                                 \
  X(canister_status, "", "i", kAll)                                                  \
  X(canister_version, "", "l", kAll)                                                 \
  X(subnet_self_size, "", "I", kAll)                                                 \
  X(subnet_self_copy, "III", "", kAll)                                               \
  X(subnet_self_node_count, "", "i", kAll)                                           \
  X(msg_method_name_size, "", "I", kF)                                               \
  X(msg_method_name_copy, "III", "", kF)                                             \
  X(accept_message, "", "", kF)                                                      \
  X(call_new, "IIIIIIII", "", kCall)                                                 \
  X(call_on_cleanup, "II", "", kCall)                                                \
  X(call_data_append, "II", "", kCall)                                               \
  X(call_with_best_effort_response, "i", "", kCall)                                  \
  X(call_cycles_add128, "ll", "", kU | kRy | kRt | kT)                               \
  X(call_perform, "", "i", kCall)                                                    \
  X(stable64_size, "", "l", kAllS)                                                   \
  X(stable64_grow, "l", "l", kAllS)                                                  \
  X(stable64_write, "lll", "", kAllS)                                                \
  X(stable64_read, "lll", "", kAllS)                                                 \
  X(root_key_size, "", "I", kI | kG | kU | kRQ | kRy | kRt | kC | kT)                \
  X(root_key_copy, "III", "", kI | kG | kU | kRQ | kRy | kRt | kC | kT)              \
  X(certified_data_set, "II", "", kI | kG | kU | kRy | kRt | kT)                     \
  X(data_certificate_present, "", "i", kAll)                                         \
  X(data_certificate_size, "", "I", kNRQ | kCQ)                                      \
  X(data_certificate_copy, "III", "", kNRQ | kCQ)                                    \
  X(time, "", "l", kAll)                                                             \
  X(global_timer_set, "l", "l", kMutating)                                           \
  X(performance_counter, "i", "l", kAllS)                                            \
  X(is_controller, "II", "i", kAllS)                                                 \
  X(in_replicated_execution, "", "i", kAllS)                                         \
  X(cost_call, "llI", "", kAllS)                                                     \
  X(cost_create_canister, "I", "", kAllS)                                            \
  X(cost_http_request, "llI", "", kAllS)                                             \
  X(cost_http_request_v2, "III", "", kAllS)                                          \
  X(cost_sign_with_ecdsa, "IIiI", "i", kAllS)                                        \
  X(cost_sign_with_schnorr, "IIiI", "i", kAllS)                                      \
  X(cost_vetkd_derive_key, "IIiI", "i", kAllS)                                       \
  X(env_var_count, "", "I", kAll)                                                    \
  X(env_var_name_size, "I", "I", kAll)                                               \
  X(env_var_name_copy, "IIII", "", kAll)                                             \
  X(env_var_name_exists, "II", "i", kAll)                                            \
  X(env_var_value_size, "II", "I", kAll)                                             \
  X(env_var_value_copy, "IIIII", "", kAll)                                           \
  X(debug_print, "II", "", kAllS)                                                    \
  X(trap, "II", "", kAllS)                                                           \
  /* Not in the spec: the IC lets the cycles minting canister mint. */               \
  X(mint_cycles128, "llI", "", kU | kRt | kRy)                                       \
  /* The 64-bit cycles and 32-bit stable memory functions, deprecated but still used. */ \
  X(msg_cycles_available, "", "l", kCycles)                                          \
  X(msg_cycles_refunded, "", "l", kRt | kRy)                                         \
  X(msg_cycles_accept, "l", "l", kCycles)                                            \
  X(canister_cycle_balance, "", "l", kAll)                                           \
  X(call_cycles_add, "l", "", kU | kRy | kRt | kT)                                   \
  X(stable_size, "", "i", kAllS)                                                     \
  X(stable_grow, "i", "i", kAllS)                                                    \
  X(stable_write, "iii", "", kAllS)                                                  \
  X(stable_read, "iii", "", kAllS)

enum Ic0Index : size_t {
#define X(name, params, results, mask) k_##name,
  CHORUS_IC0_IMPORTS(X)
#undef X
      kIc0Count
};

struct Ic0Entry {
  Ic0Import import;
  uint32_t mask;
};

constexpr Ic0Entry kImports[] = {
#define X(name, params, results, mask) {{#name, params, results}, mask},
    CHORUS_IC0_IMPORTS(X)
#undef X
};
static_assert(std::size(kImports) == kIc0Count);

// The 32-bit stable API refuses memories past 4 GiB (65536 pages).
constexpr uint64_t kMax32BitStablePages = 65536;
// A trap message or a reject message longer than this is cut (the IC also bounds them).
constexpr size_t kMaxMessageBytes = 16 * 1024;
// msg_reply_data_append and call_data_append: the IC's 2 MiB message limit (resource-limits.md).
constexpr size_t kMaxPayloadBytes = 2 * 1024 * 1024;
// The IC caps best-effort timeouts at 300 seconds (MAX_CALL_TIMEOUT).
constexpr uint32_t kMaxCallTimeoutSeconds = 300;

Cycles cycles_arg(uint64_t hi, uint64_t lo) { return Cycles::from_parts(hi, lo); }

}  // namespace

std::string_view api_type_name(ApiType t) {
  switch (t) {
    case ApiType::kStart: return "start";
    case ApiType::kInit: return "init";
    case ApiType::kPreUpgrade: return "pre_upgrade";
    case ApiType::kUpdate: return "update";
    case ApiType::kReplicatedQuery: return "replicated query";
    case ApiType::kNonReplicatedQuery: return "non-replicated query";
    case ApiType::kCompositeQuery: return "composite query";
    case ApiType::kReplyCallback: return "reply callback";
    case ApiType::kRejectCallback: return "reject callback";
    case ApiType::kCompositeReplyCallback: return "composite query reply callback";
    case ApiType::kCompositeRejectCallback: return "composite query reject callback";
    case ApiType::kCleanup: return "cleanup";
    case ApiType::kCompositeCleanup: return "composite query cleanup";
    case ApiType::kInspectMessage: return "inspect message";
    case ApiType::kSystemTask: return "system task";
  }
  return "unknown";
}

std::optional<size_t> find_ic0_import(std::string_view name) {
  for (size_t i = 0; i < kIc0Count; ++i) {
    if (kImports[i].import.name == name) return i;
  }
  return std::nullopt;
}

const Ic0Import& ic0_import(size_t index) { return kImports[index].import; }

bool ic0_wasm32_only(size_t index) { return index >= k_msg_cycles_available; }

wasm::FuncType ic0_type(size_t index, bool wasm64) {
  auto conv = [&](std::string_view s) {
    std::vector<wasm::ValType> out;
    for (char c : s) {
      if (c == 'i' || (c == 'I' && !wasm64)) {
        out.push_back(wasm::ValType::kI32);
      } else {
        out.push_back(wasm::ValType::kI64);
      }
    }
    return out;
  };
  return wasm::FuncType{conv(kImports[index].import.params), conv(kImports[index].import.results)};
}

SystemApi::SystemApi(SystemApiInput input, wasm::LinearMemory* stable_memory)
    : input_(std::move(input)), stable_(stable_memory) {}

Cycles SystemApi::balance() const {
  return input_.balance + output_.cycles_accepted + output_.cycles_minted - output_.cycles_burned - output_.cycles_sent -
         output_.call_fees - output_.call_prepayments -
         (pending_call_ ? pending_call_->cycles : Cycles());
}

Cycles SystemApi::liquid_balance() const { return balance() - input_.freezing_limit; }

Status SystemApi::violation(std::string message) {
  failure_ = FailureKind::kContractViolation;
  return Error(std::move(message));
}

Status SystemApi::check_context(size_t index) {
  if ((kImports[index].mask & bit(input_.type)) != 0) return ok_status();
  return violation("\"ic0." + std::string(kImports[index].import.name) + "\" cannot be executed in " +
                   std::string(api_type_name(input_.type)) + " mode");
}

// The implementations, with access to SystemApi's internals.
struct Ic0Impl {
  SystemApi& api;
  wasm::Caller& caller;

  const char* name_ = "";

  Status oob(const char* what) {
    return api.violation(std::string("ic0.") + name_ + ": " + what + " out of bounds");
  }
  // The blob idiom: copy |size| bytes of |src| from |offset| to memory at |dst|.
  Status copy_out(ByteView src, uint64_t dst, uint64_t offset, uint64_t size) {
    if (offset > src.size() || size > src.size() - offset) return oob("source range");
    uint8_t* out = caller.memory_span_for_write(dst, size);
    if (out == nullptr && size > 0) return oob("destination range");
    if (size > 0) std::memcpy(out, src.data() + offset, size);
    return ok_status();
  }
  Result<Bytes> read(uint64_t src, uint64_t size) {
    const uint8_t* p = caller.memory_span(src, size);
    if (p == nullptr && size > 0) return Error(oob("source range").error().message());
    return Bytes(p, p + size);
  }
  Status write_cycles(uint64_t dst, Cycles c) {
    uint8_t b[16];
    c.write_le(b);
    uint8_t* out = caller.memory_span_for_write(dst, 16);
    if (out == nullptr) return oob("destination range");
    std::memcpy(out, b, 16);
    return ok_status();
  }
  Status stable_check(uint64_t offset, uint64_t size) {
    const uint64_t bytes = api.stable_->size_bytes();
    if (offset > bytes || size > bytes - offset) {
      return api.violation("stable memory out of bounds");
    }
    return ok_status();
  }
  Status stable_write(uint64_t offset, uint64_t src, uint64_t size) {
    CHORUS_RETURN_IF_ERROR(stable_check(offset, size));
    const uint8_t* p = caller.memory_span(src, size);
    if (p == nullptr && size > 0) return oob("heap range");
    if (size == 0) return ok_status();
    api.output_.stable_memory_changed = true;
    return api.stable_->write(offset, ByteView(p, size));
  }
  Status stable_read(uint64_t dst, uint64_t offset, uint64_t size) {
    CHORUS_RETURN_IF_ERROR(stable_check(offset, size));
    uint8_t* out = caller.memory_span_for_write(dst, size);
    if (out == nullptr && size > 0) return oob("heap range");
    if (size == 0) return ok_status();
    return api.stable_->read(offset, std::span<uint8_t>(out, size));
  }
  int64_t stable_grow(uint64_t pages) {
    const uint64_t old = api.stable_->size_pages();
    if (pages > api.input_.max_stable_memory_pages ||
        old + pages > api.input_.max_stable_memory_pages) {
      return -1;
    }
    int64_t r = api.stable_->grow(pages);
    if (r >= 0 && pages > 0) api.output_.stable_memory_changed = true;
    return r;
  }
  Status respond_check() {
    if (api.responded_) return api.violation("ic0." + std::string(name_) + ": the call was already answered");
    return ok_status();
  }
  Status need_pending_call() {
    if (!api.pending_call_) {
      return api.violation("ic0." + std::string(name_) + " called without a call in progress (call_new)");
    }
    return ok_status();
  }
  const std::pair<std::string, std::string>* env_at(uint64_t index) {
    if (index >= api.input_.environment_variables.size()) return nullptr;
    return &api.input_.environment_variables[index];
  }
  const std::string* env_value(const std::string& name) {
    for (const auto& [k, v] : api.input_.environment_variables) {
      if (k == name) return &v;
    }
    return nullptr;
  }
  Result<std::string> read_text(uint64_t src, uint64_t size, size_t limit) {
    if (size > limit) return Error(api.violation("ic0." + std::string(name_) + ": text too long").error().message());
    CHORUS_ASSIGN_OR_RETURN(Bytes b, read(src, size));
    return std::string(b.begin(), b.end());
  }
};

Status SystemApi::call(size_t index, wasm::Caller& caller, std::span<const uint64_t> a,
                       std::span<uint64_t> r) {
  CHORUS_RETURN_IF_ERROR(check_context(index));
  Ic0Impl x{*this, caller};
  x.name_ = kImports[index].import.name.data();
  const SystemApiInput& in = input_;
  auto set = [&](uint64_t v) { r[0] = v; };
  switch (static_cast<Ic0Index>(index)) {
    case k_msg_arg_data_size: set(in.arg.size()); return ok_status();
    case k_msg_arg_data_copy: return x.copy_out(in.arg, a[0], a[1], a[2]);
    case k_msg_caller_size: set(in.caller.size()); return ok_status();
    case k_msg_caller_copy: return x.copy_out(in.caller.bytes(), a[0], a[1], a[2]);
    case k_msg_reject_code: set(in.reject_code); return ok_status();
    case k_msg_reject_msg_size: set(in.reject_message.size()); return ok_status();
    case k_msg_reject_msg_copy: return x.copy_out(as_bytes(in.reject_message), a[0], a[1], a[2]);
    case k_msg_deadline: set(in.deadline); return ok_status();
    case k_msg_reply_data_append: {
      CHORUS_RETURN_IF_ERROR(x.respond_check());
      if (a[1] > kMaxPayloadBytes || reply_buffer_.size() + a[1] > kMaxPayloadBytes) {
        return violation("ic0.msg_reply_data_append: the reply exceeds the 2 MiB limit");
      }
      CHORUS_ASSIGN_OR_RETURN(Bytes b, x.read(a[0], a[1]));
      append(reply_buffer_, b);
      return ok_status();
    }
    case k_msg_reply:
      CHORUS_RETURN_IF_ERROR(x.respond_check());
      responded_ = true;
      output_.reply = std::move(reply_buffer_);
      reply_buffer_.clear();
      return ok_status();
    case k_msg_reject: {
      CHORUS_RETURN_IF_ERROR(x.respond_check());
      CHORUS_ASSIGN_OR_RETURN(std::string msg, x.read_text(a[0], a[1], kMaxMessageBytes));
      if (!is_valid_utf8(msg)) return violation("ic0.msg_reject: the message is not UTF-8");
      responded_ = true;
      output_.reject = std::move(msg);
      return ok_status();
    }
    case k_msg_cycles_available128:
      return x.write_cycles(a[0], in.cycles_available - output_.cycles_accepted);
    case k_msg_cycles_refunded128: return x.write_cycles(a[0], in.cycles_refunded);
    case k_msg_cycles_accept128: {
      Cycles want = cycles_arg(a[0], a[1]);
      Cycles got = std::min(want, in.cycles_available - output_.cycles_accepted);
      output_.cycles_accepted += got;
      return x.write_cycles(a[2], got);
    }
    case k_cycles_burn128: {
      Cycles burn = std::min(cycles_arg(a[0], a[1]), liquid_balance());
      output_.cycles_burned += burn;
      return x.write_cycles(a[2], burn);
    }
    case k_canister_self_size: set(in.canister_id.size()); return ok_status();
    case k_canister_self_copy: return x.copy_out(in.canister_id.bytes(), a[0], a[1], a[2]);
    case k_canister_cycle_balance128: return x.write_cycles(a[0], balance());
    case k_canister_liquid_cycle_balance128: return x.write_cycles(a[0], liquid_balance());
    case k_canister_status: set(static_cast<uint32_t>(in.status)); return ok_status();
    case k_canister_version: set(in.canister_version); return ok_status();
    case k_msg_caller_info_data_size:
    case k_msg_caller_info_signer_size:
      // Caller info comes only with calls signed by a caller-info delegation, which this
      // replica does not issue: it is always empty.
      set(0);
      return ok_status();
    case k_msg_caller_info_data_copy:
    case k_msg_caller_info_signer_copy: return x.copy_out({}, a[0], a[1], a[2]);
    case k_subnet_self_node_count: set(in.subnet_node_count); return ok_status();
    case k_mint_cycles128: {
      static const Principal kCyclesMintingCanister = Principal::from_canister_index(4);
      if (in.canister_id != kCyclesMintingCanister) {
        return violation("ic0.mint_cycles128 may only be called by the cycles minting canister");
      }
      Cycles amount = cycles_arg(a[0], a[1]);
      output_.cycles_minted += amount;
      return x.write_cycles(a[2], amount);
    }
    case k_subnet_self_size: set(in.subnet_id.size()); return ok_status();
    case k_subnet_self_copy: return x.copy_out(in.subnet_id.bytes(), a[0], a[1], a[2]);
    case k_msg_method_name_size: set(in.method_name.size()); return ok_status();
    case k_msg_method_name_copy: return x.copy_out(as_bytes(in.method_name), a[0], a[1], a[2]);
    case k_accept_message:
      if (output_.message_accepted) return violation("ic0.accept_message called twice");
      output_.message_accepted = true;
      return ok_status();
    case k_call_new: {
      CHORUS_ASSIGN_OR_RETURN(Bytes callee, x.read(a[0], a[1]));
      if (callee.size() > Principal::kMaxLength) return violation("ic0.call_new: the callee id is too long");
      CHORUS_ASSIGN_OR_RETURN(std::string method, x.read_text(a[2], a[3], 20'000));
      CHORUS_ASSIGN_OR_RETURN(Principal p, Principal::from_bytes(callee));
      pending_call_ = OutgoingCall{p, std::move(method), {}, Cycles(), {a[4], a[5]}, {a[6], a[7]},
                                   std::nullopt, std::nullopt};
      pending_cleanup_set_ = false;
      pending_timeout_set_ = false;
      return ok_status();
    }
    case k_call_on_cleanup:
      CHORUS_RETURN_IF_ERROR(x.need_pending_call());
      if (pending_cleanup_set_) return violation("ic0.call_on_cleanup called twice for one call");
      pending_cleanup_set_ = true;
      pending_call_->on_cleanup = state::WasmClosure{a[0], a[1]};
      return ok_status();
    case k_call_data_append: {
      CHORUS_RETURN_IF_ERROR(x.need_pending_call());
      if (pending_call_->payload.size() + a[1] > kMaxPayloadBytes) {
        return violation("ic0.call_data_append: the payload exceeds the 2 MiB limit");
      }
      CHORUS_ASSIGN_OR_RETURN(Bytes b, x.read(a[0], a[1]));
      append(pending_call_->payload, b);
      return ok_status();
    }
    case k_call_with_best_effort_response:
      CHORUS_RETURN_IF_ERROR(x.need_pending_call());
      if (pending_timeout_set_) {
        return violation("ic0.call_with_best_effort_response called twice for one call");
      }
      pending_timeout_set_ = true;
      pending_call_->timeout_seconds =
          std::min(static_cast<uint32_t>(a[0]), kMaxCallTimeoutSeconds);
      return ok_status();
    case k_call_cycles_add128:
    case k_call_cycles_add: {
      CHORUS_RETURN_IF_ERROR(x.need_pending_call());
      Cycles amount = index == k_call_cycles_add ? Cycles(a[0]) : cycles_arg(a[0], a[1]);
      if (amount > liquid_balance()) {
        return violation("ic0.call_cycles_add: the canister cannot spend " + amount.to_string() +
                         " cycles (liquid balance " + liquid_balance().to_string() + ")");
      }
      pending_call_->cycles += amount;
      return ok_status();
    }
    case k_call_perform: {
      CHORUS_RETURN_IF_ERROR(x.need_pending_call());
      OutgoingCall call = std::move(*pending_call_);
      pending_call_.reset();
      Cycles fee = in.fees.call_fee +
                   in.fees.call_byte_fee.times(call.method.size() + call.payload.size());
      // Not enough for the fee and the response's prepayment: the call fails and its cycles go
      // back to the balance.
      if (fee + in.fees.response_prepayment > liquid_balance()) {
        set(2);
        return ok_status();
      }
      output_.call_fees += fee;
      output_.call_prepayments += in.fees.response_prepayment;
      output_.cycles_sent += call.cycles;
      output_.calls.push_back(std::move(call));
      set(0);
      return ok_status();
    }
    case k_stable64_size: set(stable_->size_pages()); return ok_status();
    case k_stable64_grow: set(static_cast<uint64_t>(x.stable_grow(a[0]))); return ok_status();
    case k_stable64_write: return x.stable_write(a[0], a[1], a[2]);
    case k_stable64_read: return x.stable_read(a[0], a[1], a[2]);
    case k_stable_size:
      if (stable_->size_pages() > kMax32BitStablePages) {
        return violation("ic0.stable_size: stable memory is larger than 4 GiB; use ic0.stable64_size");
      }
      set(static_cast<uint32_t>(stable_->size_pages()));
      return ok_status();
    case k_stable_grow: {
      if (stable_->size_pages() > kMax32BitStablePages) {
        return violation("ic0.stable_grow: stable memory is larger than 4 GiB; use ic0.stable64_grow");
      }
      uint64_t pages = static_cast<uint32_t>(a[0]);
      if (stable_->size_pages() + pages > kMax32BitStablePages) {
        set(static_cast<uint32_t>(-1));
        return ok_status();
      }
      set(static_cast<uint32_t>(x.stable_grow(pages)));
      return ok_status();
    }
    case k_stable_write:
      if (stable_->size_pages() > kMax32BitStablePages) {
        return violation("ic0.stable_write: stable memory is larger than 4 GiB; use ic0.stable64_write");
      }
      return x.stable_write(static_cast<uint32_t>(a[0]), static_cast<uint32_t>(a[1]),
                            static_cast<uint32_t>(a[2]));
    case k_stable_read:
      if (stable_->size_pages() > kMax32BitStablePages) {
        return violation("ic0.stable_read: stable memory is larger than 4 GiB; use ic0.stable64_read");
      }
      return x.stable_read(static_cast<uint32_t>(a[0]), static_cast<uint32_t>(a[1]),
                           static_cast<uint32_t>(a[2]));
    case k_root_key_size: set(in.root_key.size()); return ok_status();
    case k_root_key_copy: return x.copy_out(in.root_key, a[0], a[1], a[2]);
    case k_certified_data_set: {
      if (a[1] > 32) return violation("ic0.certified_data_set: more than 32 bytes");
      CHORUS_ASSIGN_OR_RETURN(Bytes b, x.read(a[0], a[1]));
      output_.certified_data = std::move(b);
      return ok_status();
    }
    case k_data_certificate_present: set(in.data_certificate.has_value() ? 1 : 0); return ok_status();
    case k_data_certificate_size:
      if (!in.data_certificate) return violation("ic0.data_certificate_size: no data certificate is present");
      set(in.data_certificate->size());
      return ok_status();
    case k_data_certificate_copy:
      if (!in.data_certificate) return violation("ic0.data_certificate_copy: no data certificate is present");
      return x.copy_out(*in.data_certificate, a[0], a[1], a[2]);
    case k_time: set(in.time_nanos); return ok_status();
    case k_global_timer_set: {
      uint64_t previous = output_.global_timer.value_or(in.global_timer);
      output_.global_timer = a[0];
      set(previous);
      return ok_status();
    }
    case k_performance_counter: {
      uint32_t type = static_cast<uint32_t>(a[0]);
      if (type == 0) {
        set(caller.instructions_used());
      } else if (type == 1) {
        set(in.call_context_instructions + caller.instructions_used());
      } else {
        return violation("ic0.performance_counter: unknown counter type " + std::to_string(type));
      }
      return ok_status();
    }
    case k_is_controller: {
      CHORUS_ASSIGN_OR_RETURN(Bytes b, x.read(a[0], a[1]));
      auto p = Principal::from_bytes(b);
      if (!p.ok()) return violation("ic0.is_controller: not a principal: " + p.error().message());
      bool yes = std::find(in.controllers.begin(), in.controllers.end(), *p) != in.controllers.end();
      set(yes ? 1 : 0);
      return ok_status();
    }
    case k_in_replicated_execution: {
      bool replicated = in.type != ApiType::kNonReplicatedQuery &&
                        in.type != ApiType::kCompositeQuery &&
                        in.type != ApiType::kCompositeReplyCallback &&
                        in.type != ApiType::kCompositeRejectCallback &&
                        in.type != ApiType::kCompositeCleanup &&
                        in.type != ApiType::kInspectMessage;
      set(replicated ? 1 : 0);
      return ok_status();
    }
    case k_cost_call: {
      Cycles fee = in.fees.call_fee + in.fees.call_byte_fee.times(a[0] + a[1]) +
                   in.fees.response_prepayment;
      return x.write_cycles(a[2], fee);
    }
    case k_cost_create_canister: return x.write_cycles(a[0], in.fees.create_canister_fee);
    case k_cost_http_request:
    case k_cost_http_request_v2:
    case k_cost_sign_with_ecdsa:
    case k_cost_sign_with_schnorr:
    case k_cost_vetkd_derive_key: {
      // HTTPS outcalls and threshold signatures are not offered by this subnet: the cost
      // functions answer "no such key" (2) rather than a price for a service that would fail.
      if (index == k_cost_http_request || index == k_cost_http_request_v2) {
        return violation("ic0.cost_http_request: HTTPS outcalls are not supported on this subnet");
      }
      set(2);
      return ok_status();
    }
    case k_env_var_count: set(in.environment_variables.size()); return ok_status();
    case k_env_var_name_size: {
      const auto* e = x.env_at(a[0]);
      if (e == nullptr) return violation("ic0.env_var_name_size: index out of range");
      set(e->first.size());
      return ok_status();
    }
    case k_env_var_name_copy: {
      const auto* e = x.env_at(a[0]);
      if (e == nullptr) return violation("ic0.env_var_name_copy: index out of range");
      return x.copy_out(as_bytes(e->first), a[1], a[2], a[3]);
    }
    case k_env_var_name_exists: {
      CHORUS_ASSIGN_OR_RETURN(std::string name, x.read_text(a[0], a[1], 1024));
      set(x.env_value(name) != nullptr ? 1 : 0);
      return ok_status();
    }
    case k_env_var_value_size: {
      CHORUS_ASSIGN_OR_RETURN(std::string name, x.read_text(a[0], a[1], 1024));
      const std::string* v = x.env_value(name);
      if (v == nullptr) return violation("ic0.env_var_value_size: no variable named '" + name + "'");
      set(v->size());
      return ok_status();
    }
    case k_env_var_value_copy: {
      CHORUS_ASSIGN_OR_RETURN(std::string name, x.read_text(a[0], a[1], 1024));
      const std::string* v = x.env_value(name);
      if (v == nullptr) return violation("ic0.env_var_value_copy: no variable named '" + name + "'");
      return x.copy_out(as_bytes(*v), a[2], a[3], a[4]);
    }
    case k_debug_print: {
      // Never traps: an out-of-bounds range prints what the spec allows, nothing.
      uint64_t size = std::min<uint64_t>(a[1], kMaxMessageBytes);
      const uint8_t* p = caller.memory_span(a[0], size);
      if (p != nullptr) output_.debug_prints.emplace_back(p, p + size);
      return ok_status();
    }
    case k_trap: {
      uint64_t size = std::min<uint64_t>(a[1], kMaxMessageBytes);
      const uint8_t* p = caller.memory_span(a[0], size);
      std::string msg = p ? std::string(reinterpret_cast<const char*>(p), size) : std::string();
      failure_ = FailureKind::kCalledTrap;
      return Error(std::move(msg));
    }
    case k_msg_cycles_available: {
      Cycles c = in.cycles_available - output_.cycles_accepted;
      set(c.high() != 0 ? ~uint64_t{0} : c.low());
      return ok_status();
    }
    case k_msg_cycles_refunded:
      set(in.cycles_refunded.high() != 0 ? ~uint64_t{0} : in.cycles_refunded.low());
      return ok_status();
    case k_msg_cycles_accept: {
      Cycles got = std::min(Cycles(a[0]), in.cycles_available - output_.cycles_accepted);
      output_.cycles_accepted += got;
      set(got.low());
      return ok_status();
    }
    case k_canister_cycle_balance: {
      Cycles b = balance();
      set(b.high() != 0 ? ~uint64_t{0} : b.low());
      return ok_status();
    }
    case kIc0Count: break;
  }
  return violation("unknown System API function");
}

}  // namespace chorus::execution
