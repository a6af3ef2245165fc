// Builds programs for the universal test canister (universal_canister.c; the byte format is in
// README.md beside this file). A Program is the bytes of the canister's argument:
//
//   Program().push_blob("hi").reply_blob()                        replies "hi"
//   Program().call(callee, "update", Program().msg_arg_data().reply_blob(),
//                  Program().msg_reject_msg().reject()).call_perform().drop()
//
// Ops without parameters take their operands from the canister's stack (the spec's parameter
// order: first parameter deepest); those with parameters push them first. The built modules are
// at kUniversalCanisterWasm32 and kUniversalCanisterWasm64 (paths in the build tree, from the
// CMake target chorus_universal_canister).
#pragma once

#include <cstdint>
#include <string_view>

#include "base/bytes.h"

namespace chorus::canisters {

#ifdef CHORUS_UNIVERSAL_CANISTER_WASM
inline constexpr char kUniversalCanisterWasm32[] = CHORUS_UNIVERSAL_CANISTER_WASM;
#endif
#ifdef CHORUS_UNIVERSAL_CANISTER_WASM64
inline constexpr char kUniversalCanisterWasm64[] = CHORUS_UNIVERSAL_CANISTER_WASM64;
#endif

// Op codes, one byte each. Must match universal_canister.c.
enum class UniversalOp : uint8_t {
  kPushBlob = 0x01,  // u32 length, bytes
  kPushI32 = 0x02,   // u32
  kPushI64 = 0x03,   // u64
  kDrop = 0x04,
  kDup = 0x05,
  kSwap = 0x06,
  kConcat = 0x07,
  kIntToBlob32 = 0x08,
  kIntToBlob64 = 0x09,
  kBlobToInt = 0x0A,
  kBlobSize = 0x0B,
  kIntAdd = 0x0C,
  kRepeat = 0x0D,
  kReplyBlob = 0x0E,
  kStoreBlob = 0x0F,
  kLoadBlob = 0x10,
  kCounterInc = 0x11,
  kCounterGet = 0x12,
  kMemoryGrow = 0x13,
  kMemorySize = 0x14,
  kStableStoreBlob = 0x15,
  kStableLoadBlob = 0x16,
  kSetHeartbeat = 0x17,
  kSetGlobalTimer = 0x18,
  kSetInspectMessage = 0x19,
  kSetPreUpgrade = 0x1A,
  kSetPostUpgrade = 0x1B,
  kCall = 0x1C,
  kCallCleanup = 0x1D,
  kBlobRepeat = 0x1E,
  kEq = 0x1F,
  kTrapIf = 0x20,

  kMsgArgDataSize = 0x40,
  kMsgArgDataCopy,
  kMsgCallerSize,
  kMsgCallerCopy,
  kMsgCallerInfoDataSize,
  kMsgCallerInfoDataCopy,
  kMsgCallerInfoSignerSize,
  kMsgCallerInfoSignerCopy,
  kMsgRejectCode,
  kMsgRejectMsgSize,
  kMsgRejectMsgCopy,
  kMsgDeadline,
  kMsgReplyDataAppend,
  kMsgReply,
  kMsgReject,
  kMsgCyclesAvailable128,
  kMsgCyclesRefunded128,  // 0x50
  kMsgCyclesAccept128,
  kCyclesBurn128,
  kCanisterSelfSize,
  kCanisterSelfCopy,
  kCanisterCycleBalance128,
  kCanisterLiquidCycleBalance128,
  kCanisterStatus,
  kCanisterVersion,
  kSubnetSelfSize,
  kSubnetSelfCopy,
  kSubnetSelfNodeCount,
  kMsgMethodNameSize,
  kMsgMethodNameCopy,
  kAcceptMessage,
  kCallNew,
  kCallOnCleanup,  // 0x60
  kCallDataAppend,
  kCallWithBestEffortResponse,
  kCallCyclesAdd128,
  kCallPerform,
  kStable64Size,
  kStable64Grow,
  kStable64Write,
  kStable64Read,
  kRootKeySize,
  kRootKeyCopy,
  kCertifiedDataSet,
  kDataCertificatePresent,
  kDataCertificateSize,
  kDataCertificateCopy,
  kTime,
  kGlobalTimerSet,  // 0x70
  kPerformanceCounter,
  kIsController,
  kInReplicatedExecution,
  kCostCall,
  kCostCreateCanister,
  kCostHttpRequest,
  kCostHttpRequestV2,
  kCostSignWithEcdsa,
  kCostSignWithSchnorr,
  kCostVetkdDeriveKey,
  kEnvVarCount,
  kEnvVarNameSize,
  kEnvVarNameCopy,
  kEnvVarNameExists,
  kEnvVarValueSize,
  kEnvVarValueCopy,  // 0x80
  kDebugPrint,
  kTrap,
  kMintCycles128,
  kMsgCyclesAvailable,
  kMsgCyclesRefunded,
  kMsgCyclesAccept,
  kCanisterCycleBalance,
  kCallCyclesAdd,
  kStableSize,
  kStableGrow,
  kStableWrite,
  kStableRead,  // 0x8C

  kMsgArgData = 0xA0,
  kMsgCaller,
  kMsgCallerInfoData,
  kMsgCallerInfoSigner,
  kMsgRejectMsg,
  kCanisterSelf,
  kSubnetSelf,
  kMsgMethodName,
  kRootKey,
  kDataCertificate,
  kEnvVarName,
  kEnvVarValue,  // 0xAB
};

class Program {
 public:
  Program() = default;

  const Bytes& bytes() const { return bytes_; }
  operator ByteView() const { return bytes_; }  // NOLINT: a program is its bytes

  // Appends any op byte, for tests of malformed programs.
  Program& op(UniversalOp o) {
    bytes_.push_back(static_cast<uint8_t>(o));
    return *this;
  }
  Program& raw(ByteView b) {
    append(bytes_, b);
    return *this;
  }

  // --- Constants and the stack ---------------------------------------------------------------
  Program& push_blob(ByteView b) {
    op(UniversalOp::kPushBlob);
    le(b.size(), 4);
    return raw(b);
  }
  Program& push_blob(std::string_view s) { return push_blob(as_bytes(s)); }
  Program& push_blob(const Program& p) { return push_blob(ByteView(p.bytes_)); }
  Program& push_i32(uint32_t v) { return op(UniversalOp::kPushI32).le(v, 4); }
  Program& push_i64(uint64_t v) { return op(UniversalOp::kPushI64).le(v, 8); }
  Program& drop() { return op(UniversalOp::kDrop); }
  Program& dup() { return op(UniversalOp::kDup); }
  Program& swap() { return op(UniversalOp::kSwap); }
  Program& concat() { return op(UniversalOp::kConcat); }          // a b -> a||b
  Program& int_to_blob32() { return op(UniversalOp::kIntToBlob32); }
  Program& int_to_blob64() { return op(UniversalOp::kIntToBlob64); }
  Program& blob_to_int() { return op(UniversalOp::kBlobToInt); }
  Program& blob_size() { return op(UniversalOp::kBlobSize); }
  Program& int_add() { return op(UniversalOp::kIntAdd); }
  Program& eq() { return op(UniversalOp::kEq); }                  // a b -> 1 if equal, else 0
  Program& trap_if() { return op(UniversalOp::kTrapIf); }         // cond msg ->
  Program& blob_repeat() { return op(UniversalOp::kBlobRepeat); } // n byte -> n copies of byte
  Program& blob_repeat(uint64_t n, uint8_t byte) { return push_i64(n).push_i32(byte).blob_repeat(); }

  // --- Control -----------------------------------------------------------------------------
  // Runs |body| |n| times on the same stack.
  Program& repeat(const Program& body, uint64_t n) {
    return push_blob(body).push_i64(n).op(UniversalOp::kRepeat);
  }
  // msg_reply_data_append of the top blob, then msg_reply.
  Program& reply_blob() { return op(UniversalOp::kReplyBlob); }
  Program& reply(ByteView b) { return push_blob(b).reply_blob(); }
  Program& reply(std::string_view s) { return push_blob(s).reply_blob(); }

  // --- Canister state ------------------------------------------------------------------------
  Program& store_blob() { return op(UniversalOp::kStoreBlob); }
  Program& load_blob() { return op(UniversalOp::kLoadBlob); }
  Program& counter_inc() { return op(UniversalOp::kCounterInc); }
  Program& counter_get() { return op(UniversalOp::kCounterGet); }
  Program& memory_grow() { return op(UniversalOp::kMemoryGrow); }  // pages -> old pages
  Program& memory_size() { return op(UniversalOp::kMemorySize); }
  Program& stable_store_blob() { return op(UniversalOp::kStableStoreBlob); }  // offset blob ->
  Program& stable_load_blob() { return op(UniversalOp::kStableLoadBlob); }    // offset -> blob
  Program& set_heartbeat(const Program& p) { return push_blob(p).op(UniversalOp::kSetHeartbeat); }
  Program& set_global_timer(const Program& p) {
    return push_blob(p).op(UniversalOp::kSetGlobalTimer);
  }
  Program& set_inspect_message(const Program& p) {
    return push_blob(p).op(UniversalOp::kSetInspectMessage);
  }
  Program& set_pre_upgrade(const Program& p) {
    return push_blob(p).op(UniversalOp::kSetPreUpgrade);
  }
  Program& set_post_upgrade(const Program& p) {
    return push_blob(p).op(UniversalOp::kSetPostUpgrade);
  }

  // --- Calls with program callbacks ----------------------------------------------------------
  // ic0.call_new to |callee|.|method| whose reply and reject callbacks run the given programs.
  Program& call(ByteView callee, std::string_view method, const Program& on_reply,
                const Program& on_reject) {
    return push_blob(callee).push_blob(method).push_blob(on_reply).push_blob(on_reject).op(
        UniversalOp::kCall);
  }
  // ic0.call_on_cleanup for the call made by call(), running |on_cleanup|.
  Program& call_cleanup(const Program& on_cleanup) {
    return push_blob(on_cleanup).op(UniversalOp::kCallCleanup);
  }

  // --- ic0, one op per function (the operands as documented in README.md) -----------------------
  Program& msg_arg_data_size() { return op(UniversalOp::kMsgArgDataSize); }
  Program& msg_arg_data_copy() { return op(UniversalOp::kMsgArgDataCopy); }
  Program& msg_caller_size() { return op(UniversalOp::kMsgCallerSize); }
  Program& msg_caller_copy() { return op(UniversalOp::kMsgCallerCopy); }
  Program& msg_caller_info_data_size() { return op(UniversalOp::kMsgCallerInfoDataSize); }
  Program& msg_caller_info_data_copy() { return op(UniversalOp::kMsgCallerInfoDataCopy); }
  Program& msg_caller_info_signer_size() { return op(UniversalOp::kMsgCallerInfoSignerSize); }
  Program& msg_caller_info_signer_copy() { return op(UniversalOp::kMsgCallerInfoSignerCopy); }
  Program& msg_reject_code() { return op(UniversalOp::kMsgRejectCode); }
  Program& msg_reject_msg_size() { return op(UniversalOp::kMsgRejectMsgSize); }
  Program& msg_reject_msg_copy() { return op(UniversalOp::kMsgRejectMsgCopy); }
  Program& msg_deadline() { return op(UniversalOp::kMsgDeadline); }
  Program& msg_reply_data_append() { return op(UniversalOp::kMsgReplyDataAppend); }
  Program& msg_reply() { return op(UniversalOp::kMsgReply); }
  Program& msg_reject() { return op(UniversalOp::kMsgReject); }
  Program& reject(std::string_view message) { return push_blob(message).msg_reject(); }
  Program& msg_cycles_available128() { return op(UniversalOp::kMsgCyclesAvailable128); }
  Program& msg_cycles_refunded128() { return op(UniversalOp::kMsgCyclesRefunded128); }
  Program& msg_cycles_accept128() { return op(UniversalOp::kMsgCyclesAccept128); }
  Program& cycles_burn128() { return op(UniversalOp::kCyclesBurn128); }
  Program& canister_self_size() { return op(UniversalOp::kCanisterSelfSize); }
  Program& canister_self_copy() { return op(UniversalOp::kCanisterSelfCopy); }
  Program& canister_cycle_balance128() { return op(UniversalOp::kCanisterCycleBalance128); }
  Program& canister_liquid_cycle_balance128() {
    return op(UniversalOp::kCanisterLiquidCycleBalance128);
  }
  Program& canister_status() { return op(UniversalOp::kCanisterStatus); }
  Program& canister_version() { return op(UniversalOp::kCanisterVersion); }
  Program& subnet_self_size() { return op(UniversalOp::kSubnetSelfSize); }
  Program& subnet_self_copy() { return op(UniversalOp::kSubnetSelfCopy); }
  Program& subnet_self_node_count() { return op(UniversalOp::kSubnetSelfNodeCount); }
  Program& msg_method_name_size() { return op(UniversalOp::kMsgMethodNameSize); }
  Program& msg_method_name_copy() { return op(UniversalOp::kMsgMethodNameCopy); }
  Program& accept_message() { return op(UniversalOp::kAcceptMessage); }
  Program& call_new() { return op(UniversalOp::kCallNew); }
  Program& call_on_cleanup() { return op(UniversalOp::kCallOnCleanup); }
  Program& call_data_append() { return op(UniversalOp::kCallDataAppend); }
  Program& call_data_append(ByteView b) { return push_blob(b).call_data_append(); }
  Program& call_with_best_effort_response() {
    return op(UniversalOp::kCallWithBestEffortResponse);
  }
  Program& call_with_best_effort_response(uint32_t timeout_seconds) {
    return push_i32(timeout_seconds).call_with_best_effort_response();
  }
  Program& call_cycles_add128() { return op(UniversalOp::kCallCyclesAdd128); }
  Program& call_cycles_add128(uint64_t high, uint64_t low) {
    return push_i64(high).push_i64(low).call_cycles_add128();
  }
  Program& call_perform() { return op(UniversalOp::kCallPerform); }
  Program& stable64_size() { return op(UniversalOp::kStable64Size); }
  Program& stable64_grow() { return op(UniversalOp::kStable64Grow); }
  Program& stable64_write() { return op(UniversalOp::kStable64Write); }
  Program& stable64_read() { return op(UniversalOp::kStable64Read); }
  Program& root_key_size() { return op(UniversalOp::kRootKeySize); }
  Program& root_key_copy() { return op(UniversalOp::kRootKeyCopy); }
  Program& certified_data_set() { return op(UniversalOp::kCertifiedDataSet); }
  Program& data_certificate_present() { return op(UniversalOp::kDataCertificatePresent); }
  Program& data_certificate_size() { return op(UniversalOp::kDataCertificateSize); }
  Program& data_certificate_copy() { return op(UniversalOp::kDataCertificateCopy); }
  Program& time() { return op(UniversalOp::kTime); }
  Program& global_timer_set() { return op(UniversalOp::kGlobalTimerSet); }
  Program& performance_counter() { return op(UniversalOp::kPerformanceCounter); }
  Program& is_controller() { return op(UniversalOp::kIsController); }
  Program& in_replicated_execution() { return op(UniversalOp::kInReplicatedExecution); }
  Program& cost_call() { return op(UniversalOp::kCostCall); }
  Program& cost_create_canister() { return op(UniversalOp::kCostCreateCanister); }
  Program& cost_http_request() { return op(UniversalOp::kCostHttpRequest); }
  Program& cost_http_request_v2() { return op(UniversalOp::kCostHttpRequestV2); }
  Program& cost_sign_with_ecdsa() { return op(UniversalOp::kCostSignWithEcdsa); }
  Program& cost_sign_with_schnorr() { return op(UniversalOp::kCostSignWithSchnorr); }
  Program& cost_vetkd_derive_key() { return op(UniversalOp::kCostVetkdDeriveKey); }
  Program& env_var_count() { return op(UniversalOp::kEnvVarCount); }
  Program& env_var_name_size() { return op(UniversalOp::kEnvVarNameSize); }
  Program& env_var_name_copy() { return op(UniversalOp::kEnvVarNameCopy); }
  Program& env_var_name_exists() { return op(UniversalOp::kEnvVarNameExists); }
  Program& env_var_value_size() { return op(UniversalOp::kEnvVarValueSize); }
  Program& env_var_value_copy() { return op(UniversalOp::kEnvVarValueCopy); }
  Program& debug_print() { return op(UniversalOp::kDebugPrint); }
  Program& debug_print(std::string_view s) { return push_blob(s).debug_print(); }
  Program& trap() { return op(UniversalOp::kTrap); }
  Program& trap(std::string_view message) { return push_blob(message).trap(); }
  Program& mint_cycles128() { return op(UniversalOp::kMintCycles128); }
  Program& msg_cycles_available() { return op(UniversalOp::kMsgCyclesAvailable); }
  Program& msg_cycles_refunded() { return op(UniversalOp::kMsgCyclesRefunded); }
  Program& msg_cycles_accept() { return op(UniversalOp::kMsgCyclesAccept); }
  Program& canister_cycle_balance() { return op(UniversalOp::kCanisterCycleBalance); }
  Program& call_cycles_add() { return op(UniversalOp::kCallCyclesAdd); }
  Program& stable_size() { return op(UniversalOp::kStableSize); }
  Program& stable_grow() { return op(UniversalOp::kStableGrow); }
  Program& stable_write() { return op(UniversalOp::kStableWrite); }
  Program& stable_read() { return op(UniversalOp::kStableRead); }

  // Whole blobs: *_size, then *_copy of all of it.
  Program& msg_arg_data() { return op(UniversalOp::kMsgArgData); }
  Program& msg_caller() { return op(UniversalOp::kMsgCaller); }
  Program& msg_caller_info_data() { return op(UniversalOp::kMsgCallerInfoData); }
  Program& msg_caller_info_signer() { return op(UniversalOp::kMsgCallerInfoSigner); }
  Program& msg_reject_msg() { return op(UniversalOp::kMsgRejectMsg); }
  Program& canister_self() { return op(UniversalOp::kCanisterSelf); }
  Program& subnet_self() { return op(UniversalOp::kSubnetSelf); }
  Program& msg_method_name() { return op(UniversalOp::kMsgMethodName); }
  Program& root_key() { return op(UniversalOp::kRootKey); }
  Program& data_certificate() { return op(UniversalOp::kDataCertificate); }
  Program& env_var_name() { return op(UniversalOp::kEnvVarName); }    // index -> name
  Program& env_var_value() { return op(UniversalOp::kEnvVarValue); }  // name -> value

 private:
  Program& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }

  Bytes bytes_;
};

}  // namespace chorus::canisters
