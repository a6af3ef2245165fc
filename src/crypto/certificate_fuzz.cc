// Arbitrary bytes as a certificate and as a canister signature: no crash, only clean refusals
// (nothing verifies under a fixed root key without its secret).
#include <cstdint>
#include <cstdlib>

#include "crypto/certificate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  ByteView in(data, size);
  static const bls12_381::PublicKey kRoot =
      bls12_381::SecretKey::from_bytes(Bytes(32, 0x05))->public_key();
  if (auto cert = Certificate::decode(in); cert.ok()) {
    if (verify_certificate(*cert, kRoot, Principal::from_canister_index(1)).ok()) std::abort();
  }
  static const PublicKey kKey = *PublicKey::from_raw(
      PublicKey::Kind::kCanisterSignature, Bytes{0x0a, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 's'});
  if (verify_canister_signature(kKey, Bytes{1}, in, kRoot).ok()) std::abort();
  return 0;
}
