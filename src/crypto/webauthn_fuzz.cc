// Arbitrary bytes as a COSE key and as a WebAuthn signature under a fixed key: no crash, only
// clean refusals (no input can carry a valid signature for the fixed key without its secret).
#include <cstdint>
#include <cstdlib>

#include "crypto/webauthn.h"
#include "encoding/cbor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  ByteView in(data, size);
  (void)parse_cose_key(in);
  if (auto key = PublicKey::from_raw(PublicKey::Kind::kWebAuthn, in); key.ok()) {
    (void)verify_webauthn_signature(*key, in, in);
  }
  // A fixed EdDSA key with the input as the signature.
  static const PublicKey kFixed = [] {
    using cbor::Value;
    Bytes cose = cbor::encode(Value::map({{Value::integer(1), Value::integer(1)},
                                          {Value::integer(3), Value::integer(-8)},
                                          {Value::integer(-1), Value::integer(6)},
                                          {Value::integer(-2), Value::bytes(Bytes(32, 0x66))}}));
    if (!parse_cose_key(cose).ok()) std::abort();
    return *PublicKey::from_raw(PublicKey::Kind::kWebAuthn, cose);
  }();
  if (verify_webauthn_signature(kFixed, Bytes{1, 2, 3}, in).ok()) std::abort();
  return 0;
}
