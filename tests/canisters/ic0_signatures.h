// The System API's import signatures as the interface specification lists them ("Overview of
// imports", canister-interface.md), written out independently of cdk/include/ic0.h so that tests
// can check the header, the test canisters and, later, the execution environment against it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wasm/module.h"

namespace chorus::canisters {

struct Ic0Signature {
  std::string_view name;
  // One letter per value: 'I' the address type (i32 for wasm32, i64 for wasm64), 'i' i32, 'l' i64.
  std::string_view params;
  std::string_view results;
  bool wasm32_only = false;  // the deprecated functions that exist only when I = i32
  bool in_spec = true;       // false for mint_cycles128, which the IC adds for the NNS
};

inline const std::vector<Ic0Signature>& ic0_signatures() {
  static const std::vector<Ic0Signature> kAll = {
      {"msg_arg_data_size", "", "I"},
      {"msg_arg_data_copy", "III", ""},
      {"msg_caller_size", "", "I"},
      {"msg_caller_copy", "III", ""},
      {"msg_caller_info_data_size", "", "I"},
      {"msg_caller_info_data_copy", "III", ""},
      {"msg_caller_info_signer_size", "", "I"},
      {"msg_caller_info_signer_copy", "III", ""},
      {"msg_reject_code", "", "i"},
      {"msg_reject_msg_size", "", "I"},
      {"msg_reject_msg_copy", "III", ""},
      {"msg_deadline", "", "l"},
      {"msg_reply_data_append", "II", ""},
      {"msg_reply", "", ""},
      {"msg_reject", "II", ""},
      {"msg_cycles_available128", "I", ""},
      {"msg_cycles_refunded128", "I", ""},
      {"msg_cycles_accept128", "llI", ""},
      {"cycles_burn128", "llI", ""},
      {"canister_self_size", "", "I"},
      {"canister_self_copy", "III", ""},
      {"canister_cycle_balance128", "I", ""},
      {"canister_liquid_cycle_balance128", "I", ""},
      {"canister_status", "", "i"},
      {"canister_version", "", "l"},
      {"subnet_self_size", "", "I"},
      {"subnet_self_copy", "III", ""},
      {"subnet_self_node_count", "", "i"},
      {"msg_method_name_size", "", "I"},
      {"msg_method_name_copy", "III", ""},
      {"accept_message", "", ""},
      {"call_new", "IIIIIIII", ""},
      {"call_on_cleanup", "II", ""},
      {"call_data_append", "II", ""},
      {"call_with_best_effort_response", "i", ""},
      {"call_cycles_add128", "ll", ""},
      {"call_perform", "", "i"},
      {"stable64_size", "", "l"},
      {"stable64_grow", "l", "l"},
      {"stable64_write", "lll", ""},
      {"stable64_read", "lll", ""},
      {"root_key_size", "", "I"},
      {"root_key_copy", "III", ""},
      {"certified_data_set", "II", ""},
      {"data_certificate_present", "", "i"},
      {"data_certificate_size", "", "I"},
      {"data_certificate_copy", "III", ""},
      {"time", "", "l"},
      {"global_timer_set", "l", "l"},
      {"performance_counter", "i", "l"},
      {"is_controller", "II", "i"},
      {"in_replicated_execution", "", "i"},
      {"cost_call", "llI", ""},
      {"cost_create_canister", "I", ""},
      {"cost_http_request", "llI", ""},
      {"cost_http_request_v2", "III", ""},
      {"cost_sign_with_ecdsa", "IIiI", "i"},
      {"cost_sign_with_schnorr", "IIiI", "i"},
      {"cost_vetkd_derive_key", "IIiI", "i"},
      {"env_var_count", "", "I"},
      {"env_var_name_size", "I", "I"},
      {"env_var_name_copy", "IIII", ""},
      {"env_var_name_exists", "II", "i"},
      {"env_var_value_size", "II", "I"},
      {"env_var_value_copy", "IIIII", ""},
      {"debug_print", "II", ""},
      {"trap", "II", ""},
      {"mint_cycles128", "llI", "", false, false},
      {"msg_cycles_available", "", "l", true},
      {"msg_cycles_refunded", "", "l", true},
      {"msg_cycles_accept", "l", "l", true},
      {"canister_cycle_balance", "", "l", true},
      {"call_cycles_add", "l", "", true},
      {"stable_size", "", "i", true},
      {"stable_grow", "i", "i", true},
      {"stable_write", "iii", "", true},
      {"stable_read", "iii", "", true},
  };
  return kAll;
}

// The Wasm type of |sig| for a memory whose addresses are i64 (|wasm64|) or i32.
inline wasm::FuncType ic0_func_type(const Ic0Signature& sig, bool wasm64) {
  auto of = [&](std::string_view letters) {
    std::vector<wasm::ValType> out;
    for (char c : letters) {
      bool wide = c == 'l' || (c == 'I' && wasm64);
      out.push_back(wide ? wasm::ValType::kI64 : wasm::ValType::kI32);
    }
    return out;
  };
  return wasm::FuncType{of(sig.params), of(sig.results)};
}

// The signature named |name|, or null.
inline const Ic0Signature* find_ic0_signature(std::string_view name) {
  for (const auto& s : ic0_signatures()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace chorus::canisters
