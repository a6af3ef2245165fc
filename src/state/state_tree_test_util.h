// Test support for the state tree and read_state: small replicated states, a topology, and Wasm
// binaries with chosen custom sections.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/leb128.h"
#include "crypto/sha2.h"
#include "state/replicated_state.h"
#include "state/state_tree.h"

namespace chorus::state::testing {

// A Wasm 1.0 binary with only the custom sections |sections| (name, content), in order.
inline Bytes wasm_with_sections(const std::vector<std::pair<std::string, std::string>>& sections) {
  Bytes out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  for (const auto& [name, content] : sections) {
    Bytes body = uleb128(name.size());
    body.insert(body.end(), name.begin(), name.end());
    body.insert(body.end(), content.begin(), content.end());
    out.push_back(0);
    append_uleb128(out, body.size());
    out.insert(out.end(), body.begin(), body.end());
  }
  return out;
}

// Installs |wasm| in |c| as execution would record it (module_hash of the bytes).
inline void install(CanisterState& c, const Bytes& wasm) {
  ExecutionState e;
  e.wasm_binary = std::make_shared<const Bytes>(wasm);
  e.module_hash = sha256(wasm);
  e.binary_hash = e.module_hash;
  c.execution = std::move(e);
}

inline CanisterState& add_canister(ReplicatedState& st, uint64_t index,
                                   std::vector<Principal> controllers) {
  CanisterState c;
  c.id = Principal::from_canister_index(index);
  c.settings.controllers = std::move(controllers);
  return st.canisters[c.id] = std::move(c);
}

inline IngressStatus status(IngressStatus::Kind kind, const Principal& receiver,
                            const Principal& user) {
  IngressStatus s;
  s.kind = kind;
  s.receiver = receiver;
  s.user = user;
  if (kind == IngressStatus::kReplied) s.reply = {0x44, 0x49, 0x44, 0x4c};
  if (kind == IngressStatus::kRejected) {
    s.reject_code = 5;
    s.reject_message = "canister trapped";
    s.error_code = "IC0503";
  }
  return s;
}

// A subnet whose id is derived from its key, as clients derive the root subnet's id.
inline SubnetTopology topology(Bytes public_key_der) {
  SubnetTopology t;
  t.subnet_id = Principal::self_authenticating(public_key_der);
  t.public_key_der = std::move(public_key_der);
  t.canister_ranges = {{Principal::from_canister_index(0),
                        Principal::from_canister_index((uint64_t{1} << 20) - 1)}};
  // A DER Ed25519 key: the 12-byte SubjectPublicKeyInfo prefix and 32 key bytes.
  Bytes node_key = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  node_key.resize(44, 0x07);
  t.node_public_keys = {{Principal::self_authenticating(as_bytes("node 1")), node_key}};
  t.subnet_type = "application";
  return t;
}

}  // namespace chorus::state::testing
