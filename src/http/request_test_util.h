// Builds signed request envelopes for the tests and the fuzz seeds, with our own signing keys.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/signing_key.h"
#include "encoding/cbor.h"
#include "encoding/principal.h"
#include "encoding/request_id.h"
#include "http/request.h"

namespace chorus::http::testing {

using cbor::Value;

// A signer: its DER public key and a function that signs.
struct Signer {
  Bytes der;
  std::function<Bytes(ByteView)> sign;
};

inline Signer ed25519_signer(uint8_t seed_byte) {
  auto key = *Ed25519SigningKey::from_seed(Bytes(32, seed_byte));
  return Signer{key.public_key().to_der(), [key](ByteView m) { return key.sign(m); }};
}
inline Signer ecdsa_signer(EcdsaSigningKey::Curve curve, uint8_t secret_byte) {
  auto key = *EcdsaSigningKey::from_secret(curve, Bytes(32, secret_byte));
  return Signer{key.public_key().to_der(), [key](ByteView m) { return key.sign(m); }};
}

inline Value text(std::string s) { return Value::text(std::move(s)); }
inline Value blob(ByteView b) { return Value::bytes(b); }

// A call or query content map.
inline cbor::Map call_content(std::string type, const Principal& sender, const Principal& canister,
                              std::string method, Bytes arg, uint64_t expiry) {
  return cbor::Map{
      {text("request_type"), text(std::move(type))},
      {text("sender"), blob(sender.bytes())},
      {text("ingress_expiry"), Value::uint(expiry)},
      {text("canister_id"), blob(canister.bytes())},
      {text("method_name"), text(std::move(method))},
      {text("arg"), Value::bytes(std::move(arg))},
  };
}

inline cbor::Map read_state_content(const Principal& sender, std::vector<std::vector<Bytes>> paths,
                                    uint64_t expiry) {
  cbor::Array ps;
  for (auto& p : paths) {
    cbor::Array labels;
    for (auto& l : p) labels.push_back(Value::bytes(std::move(l)));
    ps.push_back(Value::array(std::move(labels)));
  }
  return cbor::Map{
      {text("request_type"), text("read_state")},
      {text("sender"), blob(sender.bytes())},
      {text("ingress_expiry"), Value::uint(expiry)},
      {text("paths"), Value::array(std::move(ps))},
  };
}

struct DelegationSpec {
  const Signer* to;  // the delegated key
  uint64_t expiration;
  std::optional<std::vector<Principal>> targets;
  std::optional<std::string> permissions;
};

inline Bytes with_domain(std::string_view domain, ByteView m) {
  Bytes out(domain.begin(), domain.end());
  append(out, m);
  return out;
}

// The envelope of |content| signed by |sender| through the delegation chain |chain| (each entry
// signed by the key before it), self-described.
inline Bytes signed_envelope(const cbor::Map& content, const Signer& sender,
                             const std::vector<DelegationSpec>& chain = {}) {
  Value c = Value::map(content);
  RequestId id = *request_id(c);
  cbor::Map env{{text("content"), c}, {text("sender_pubkey"), blob(sender.der)}};
  const Signer* current = &sender;
  if (!chain.empty()) {
    cbor::Array dels;
    for (const DelegationSpec& d : chain) {
      cbor::Map dm{{text("pubkey"), blob(d.to->der)}, {text("expiration"), Value::uint(d.expiration)}};
      if (d.targets) {
        cbor::Array ts;
        for (const Principal& p : *d.targets) ts.push_back(blob(p.bytes()));
        dm.push_back({text("targets"), Value::array(std::move(ts))});
      }
      if (d.permissions) dm.push_back({text("permissions"), text(*d.permissions)});
      Value dv = Value::map(std::move(dm));
      Sha256Digest h = *hash_of_map(dv);
      Bytes sig = current->sign(with_domain(kDelegationDomain, h));
      dels.push_back(Value::map({{text("delegation"), dv}, {text("signature"), Value::bytes(sig)}}));
      current = d.to;
    }
    env.push_back({text("sender_delegation"), Value::array(std::move(dels))});
  }
  env.push_back({text("sender_sig"), Value::bytes(current->sign(with_domain(kRequestDomain, id)))});
  return cbor::encode_self_described(Value::map(std::move(env)));
}

inline Bytes anonymous_envelope(const cbor::Map& content) {
  return cbor::encode_self_described(Value::map({{text("content"), Value::map(content)}}));
}

}  // namespace chorus::http::testing
