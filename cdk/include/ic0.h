// The Internet Computer's System API (the `ic0` Wasm import module) declared for C and C++
// canisters, after the interface specification's "Overview of imports" (canister-interface.md).
//
// `I` in the specification is the address type of the canister's memory: i32 for wasm32 and i64
// for wasm64 (memory64). Here every `I` is a pointer, a size_t or an ic0_callback, which clang
// lowers to exactly that width for --target=wasm32 and --target=wasm64, so one declaration serves
// both. Fixed-width parameters (i32, i64) are uint32_t/uint64_t. 128-bit cycle amounts go in as
// two uint64_t halves (high first) and come out as 16 bytes written at `dst`, a little-endian
// unsigned 128-bit number.
//
// Every function traps (aborting the message and undoing its effects) when called from a context
// the specification does not allow, and every `*_copy` traps when offset + size exceeds the
// source's size or dst + size exceeds the Wasm memory. The comment of each group names the
// contexts where its functions may be called (`*` = all but the start function).
//
// Not in the specification: ic0_mint_cycles128, which the IC accepts only from the cycles-minting
// canister (NNS). The functions after "wasm32 only" exist only when I = i32 and are deprecated.
#ifndef CHORUS_CDK_IC0_H_
#define CHORUS_CDK_IC0_H_

#include <stddef.h>
#include <stdint.h>

#if defined(__wasm__)
#define IC0_IMPORT(name) __attribute__((import_module("ic0"), import_name(#name)))
#else
// Outside Wasm the declarations still compile (for tooling); nothing can link against them.
#define IC0_IMPORT(name)
#endif

#ifdef __cplusplus
extern "C" {
#endif

// A callback given to ic0_call_new or ic0_call_on_cleanup: an index into the module's function
// table of a function `(env : I) -> ()`. Taking the address of a C function puts it in the table.
typedef void (*ic0_callback)(void* env);

// --- The message's argument and caller (args: I U RQ NRQ TQ CQ Ry CRy F; caller: *) ----------
// The argument is the call's payload in methods, init and post_upgrade, and the response in a
// reply callback.
IC0_IMPORT(msg_arg_data_size) size_t ic0_msg_arg_data_size(void);
IC0_IMPORT(msg_arg_data_copy) void ic0_msg_arg_data_copy(void* dst, size_t offset, size_t size);
IC0_IMPORT(msg_caller_size) size_t ic0_msg_caller_size(void);
IC0_IMPORT(msg_caller_copy) void ic0_msg_caller_copy(void* dst, size_t offset, size_t size);

// --- Caller info from a canister signature (U RQ NRQ CQ Ry Rt CRy CRt C CC F) -----------------
// Empty unless the caller authenticated with a canister signature that carries such data.
IC0_IMPORT(msg_caller_info_data_size) size_t ic0_msg_caller_info_data_size(void);
IC0_IMPORT(msg_caller_info_data_copy)
void ic0_msg_caller_info_data_copy(void* dst, size_t offset, size_t size);
IC0_IMPORT(msg_caller_info_signer_size) size_t ic0_msg_caller_info_signer_size(void);
IC0_IMPORT(msg_caller_info_signer_copy)
void ic0_msg_caller_info_signer_copy(void* dst, size_t offset, size_t size);

// --- Rejects and deadlines (code: Ry Rt CRy CRt C; message: Rt CRt; deadline: U Q CQ Ry Rt CRy
// CRt) --------------------------------------------------------------------------------------------
// The reject code is 0 in a reply callback (and its cleanup). The deadline is 0 unless the call
// was a bounded-wait (best-effort) call, in nanoseconds since 1970 otherwise.
IC0_IMPORT(msg_reject_code) uint32_t ic0_msg_reject_code(void);
IC0_IMPORT(msg_reject_msg_size) size_t ic0_msg_reject_msg_size(void);
IC0_IMPORT(msg_reject_msg_copy) void ic0_msg_reject_msg_copy(void* dst, size_t offset, size_t size);
IC0_IMPORT(msg_deadline) uint64_t ic0_msg_deadline(void);

// --- Responding (U RQ NRQ TQ CQ Ry Rt CRy CRt) --------------------------------------------------
// Append to the reply, then reply once; or reject once with a UTF-8 message (code
// CANISTER_REJECT). Each traps if the call was already responded to.
IC0_IMPORT(msg_reply_data_append) void ic0_msg_reply_data_append(const void* src, size_t size);
IC0_IMPORT(msg_reply) void ic0_msg_reply(void);
IC0_IMPORT(msg_reject) void ic0_msg_reject(const void* src, size_t size);

// --- Cycles of the message (available, accept: U RQ Rt Ry; refunded: Rt Ry; burn: I G U RQ Ry
// Rt C T) -----------------------------------------------------------------------------------------
IC0_IMPORT(msg_cycles_available128) void ic0_msg_cycles_available128(void* dst);
IC0_IMPORT(msg_cycles_refunded128) void ic0_msg_cycles_refunded128(void* dst);
// Accepts up to max (high, low) of the available cycles and writes the amount accepted.
IC0_IMPORT(msg_cycles_accept128)
void ic0_msg_cycles_accept128(uint64_t max_amount_high, uint64_t max_amount_low, void* dst);
// Burns up to amount (high, low) of the balance and writes the amount burnt.
IC0_IMPORT(cycles_burn128)
void ic0_cycles_burn128(uint64_t amount_high, uint64_t amount_low, void* dst);

// --- The canister itself (*) ---------------------------------------------------------------------
IC0_IMPORT(canister_self_size) size_t ic0_canister_self_size(void);
IC0_IMPORT(canister_self_copy) void ic0_canister_self_copy(void* dst, size_t offset, size_t size);
IC0_IMPORT(canister_cycle_balance128) void ic0_canister_cycle_balance128(void* dst);
IC0_IMPORT(canister_liquid_cycle_balance128) void ic0_canister_liquid_cycle_balance128(void* dst);
// 1 running, 2 stopping, 3 stopped.
IC0_IMPORT(canister_status) uint32_t ic0_canister_status(void);
IC0_IMPORT(canister_version) uint64_t ic0_canister_version(void);

// --- The subnet (*) ------------------------------------------------------------------------------
IC0_IMPORT(subnet_self_size) size_t ic0_subnet_self_size(void);
IC0_IMPORT(subnet_self_copy) void ic0_subnet_self_copy(void* dst, size_t offset, size_t size);
IC0_IMPORT(subnet_self_node_count) uint32_t ic0_subnet_self_node_count(void);

// --- Ingress inspection (F) ----------------------------------------------------------------------
// The method being inspected; accept_message admits the message (it traps when called twice).
IC0_IMPORT(msg_method_name_size) size_t ic0_msg_method_name_size(void);
IC0_IMPORT(msg_method_name_copy)
void ic0_msg_method_name_copy(void* dst, size_t offset, size_t size);
IC0_IMPORT(accept_message) void ic0_accept_message(void);

// --- Inter-canister calls (U CQ Ry Rt CRy CRt T; cycles: U Ry Rt T) ----------------------------
// call_new starts building a call (discarding one not performed); the other functions add to it;
// call_perform sends it and returns 0, or a non-zero reject code if it could not be sent (then
// none of its callbacks will run). A cleanup callback runs only if the reply or reject callback
// trapped. call_on_cleanup and call_with_best_effort_response may each be used once per call.
IC0_IMPORT(call_new)
void ic0_call_new(const void* callee_src, size_t callee_size, const void* name_src,
                  size_t name_size, ic0_callback reply_fun, void* reply_env,
                  ic0_callback reject_fun, void* reject_env);
IC0_IMPORT(call_on_cleanup) void ic0_call_on_cleanup(ic0_callback fun, void* env);
IC0_IMPORT(call_data_append) void ic0_call_data_append(const void* src, size_t size);
IC0_IMPORT(call_with_best_effort_response)
void ic0_call_with_best_effort_response(uint32_t timeout_seconds);
IC0_IMPORT(call_cycles_add128) void ic0_call_cycles_add128(uint64_t amount_high, uint64_t amount_low);
IC0_IMPORT(call_perform) uint32_t ic0_call_perform(void);

// --- Stable memory, 64-bit (* and start) ---------------------------------------------------------
// Sizes in 64 KiB pages; offsets and sizes in bytes. grow returns the old size or -1 (all ones)
// if the memory cannot grow. Addresses in Wasm memory (src, dst) are i64 even for wasm32.
IC0_IMPORT(stable64_size) uint64_t ic0_stable64_size(void);
IC0_IMPORT(stable64_grow) uint64_t ic0_stable64_grow(uint64_t new_pages);
IC0_IMPORT(stable64_write) void ic0_stable64_write(uint64_t offset, uint64_t src, uint64_t size);
IC0_IMPORT(stable64_read) void ic0_stable64_read(uint64_t dst, uint64_t offset, uint64_t size);

// --- Certification (root key: I G U RQ Ry Rt C T; set: I G U Ry Rt T; present: *; certificate:
// NRQ CQ) -----------------------------------------------------------------------------------------
IC0_IMPORT(root_key_size) size_t ic0_root_key_size(void);
IC0_IMPORT(root_key_copy) void ic0_root_key_copy(void* dst, size_t offset, size_t size);
// At most 32 bytes.
IC0_IMPORT(certified_data_set) void ic0_certified_data_set(const void* src, size_t size);
IC0_IMPORT(data_certificate_present) uint32_t ic0_data_certificate_present(void);
IC0_IMPORT(data_certificate_size) size_t ic0_data_certificate_size(void);
IC0_IMPORT(data_certificate_copy)
void ic0_data_certificate_copy(void* dst, size_t offset, size_t size);

// --- Time, timer, counters, controllers (time: *; timer: I G U Ry Rt C T; the rest: * and start)
// Times are nanoseconds since 1970. global_timer_set returns the previous deadline (0 = none; 0
// disables). performance_counter type 0 counts this message's instructions, 1 the call context's.
IC0_IMPORT(time) uint64_t ic0_time(void);
IC0_IMPORT(global_timer_set) uint64_t ic0_global_timer_set(uint64_t timestamp);
IC0_IMPORT(performance_counter) uint64_t ic0_performance_counter(uint32_t counter_type);
IC0_IMPORT(is_controller) uint32_t ic0_is_controller(const void* src, size_t size);
IC0_IMPORT(in_replicated_execution) uint32_t ic0_in_replicated_execution(void);

// --- Costs in cycles, written as 128-bit amounts at dst (* and start) ---------------------------
// The key-based ones return 0 on success, 1 for an unknown curve or algorithm, 2 for an unknown
// key name (src, size). cost_http_request is deprecated in favour of cost_http_request_v2.
IC0_IMPORT(cost_call) void ic0_cost_call(uint64_t method_name_size, uint64_t payload_size, void* dst);
IC0_IMPORT(cost_create_canister) void ic0_cost_create_canister(void* dst);
IC0_IMPORT(cost_http_request)
void ic0_cost_http_request(uint64_t request_size, uint64_t max_res_bytes, void* dst);
IC0_IMPORT(cost_http_request_v2)
void ic0_cost_http_request_v2(const void* params_src, size_t params_size, void* dst);
IC0_IMPORT(cost_sign_with_ecdsa)
uint32_t ic0_cost_sign_with_ecdsa(const void* src, size_t size, uint32_t ecdsa_curve, void* dst);
IC0_IMPORT(cost_sign_with_schnorr)
uint32_t ic0_cost_sign_with_schnorr(const void* src, size_t size, uint32_t algorithm, void* dst);
IC0_IMPORT(cost_vetkd_derive_key)
uint32_t ic0_cost_vetkd_derive_key(const void* src, size_t size, uint32_t vetkd_curve, void* dst);

// --- Environment variables (*) ------------------------------------------------------------------
// Variables set in the canister's settings, indexed 0 .. count-1 in name order.
IC0_IMPORT(env_var_count) size_t ic0_env_var_count(void);
IC0_IMPORT(env_var_name_size) size_t ic0_env_var_name_size(size_t index);
IC0_IMPORT(env_var_name_copy)
void ic0_env_var_name_copy(size_t index, void* dst, size_t offset, size_t size);
IC0_IMPORT(env_var_name_exists) uint32_t ic0_env_var_name_exists(const void* name_src, size_t name_size);
IC0_IMPORT(env_var_value_size) size_t ic0_env_var_value_size(const void* name_src, size_t name_size);
IC0_IMPORT(env_var_value_copy)
void ic0_env_var_value_copy(const void* name_src, size_t name_size, void* dst, size_t offset,
                            size_t size);

// --- Debugging (* and start) ---------------------------------------------------------------------
// debug_print never traps; trap aborts the message with the given text.
IC0_IMPORT(debug_print) void ic0_debug_print(const void* src, size_t size);
IC0_IMPORT(trap) __attribute__((noreturn)) void ic0_trap(const void* src, size_t size);

// --- NNS only: not in the specification ---------------------------------------------------------
// Mints amount (high, low) into the balance and writes the amount minted; the IC allows it only in
// the cycles-minting canister (rkp4c-7iaaa-aaaaa-aaaca-cai) and traps elsewhere.
IC0_IMPORT(mint_cycles128)
void ic0_mint_cycles128(uint64_t amount_high, uint64_t amount_low, void* dst);

#if !defined(__wasm64__)
// --- wasm32 only, deprecated: 64-bit cycles and the 32-bit stable memory API -------------------
// Cycle amounts that do not fit in 64 bits trap. The 32-bit stable API traps once stable memory
// exceeds 4 GiB.
IC0_IMPORT(msg_cycles_available) uint64_t ic0_msg_cycles_available(void);
IC0_IMPORT(msg_cycles_refunded) uint64_t ic0_msg_cycles_refunded(void);
IC0_IMPORT(msg_cycles_accept) uint64_t ic0_msg_cycles_accept(uint64_t max_amount);
IC0_IMPORT(canister_cycle_balance) uint64_t ic0_canister_cycle_balance(void);
IC0_IMPORT(call_cycles_add) void ic0_call_cycles_add(uint64_t amount);
IC0_IMPORT(stable_size) uint32_t ic0_stable_size(void);
IC0_IMPORT(stable_grow) uint32_t ic0_stable_grow(uint32_t new_pages);
IC0_IMPORT(stable_write) void ic0_stable_write(uint32_t offset, const void* src, uint32_t size);
IC0_IMPORT(stable_read) void ic0_stable_read(void* dst, uint32_t offset, uint32_t size);
#endif

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // CHORUS_CDK_IC0_H_
