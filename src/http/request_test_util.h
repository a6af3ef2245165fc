// Builds signed request envelopes for the tests and the fuzz seeds, with our own signing keys.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/base64.h"
#include "crypto/sha2.h"
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

// A WebAuthn authenticator with an EdDSA (Ed25519) COSE key, played by the test: it signs
// authenticatorData · SHA-256(clientDataJSON) whose challenge is the payload.
inline Signer webauthn_ed25519_signer(uint8_t seed_byte) {
  using cbor::Value;
  auto key = *Ed25519SigningKey::from_seed(Bytes(32, seed_byte));
  Bytes cose = cbor::encode(Value::map({{Value::integer(1), Value::integer(1)},
                                        {Value::integer(3), Value::integer(-8)},
                                        {Value::integer(-1), Value::integer(6)},
                                        {Value::integer(-2), Value::bytes(key.public_key().raw())}}));
  Bytes der = PublicKey::from_raw(PublicKey::Kind::kWebAuthn, cose)->to_der();
  return Signer{der, [key](ByteView payload) {
                  Bytes auth_data(37, 0x05);  // rpIdHash · flags · counter
                  std::string client_data = R"({"type":"webauthn.get","challenge":")" +
                                            base64url_encode(payload) +
                                            R"(","origin":"https://identity.ic0.app"})";
                  Bytes message = auth_data;
                  append(message, sha256(as_bytes(client_data)));
                  return cbor::encode_self_described(Value::map({
                      {Value::text("authenticator_data"), Value::bytes(auth_data)},
                      {Value::text("client_data_json"), Value::text(client_data)},
                      {Value::text("signature"), Value::bytes(key.sign(message))},
                  }));
                }};
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
