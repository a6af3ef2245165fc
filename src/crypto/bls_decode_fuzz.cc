// Arbitrary bytes as BLS12-381 points: no crash; a decoded point re-encodes to the same bytes
// (the compressed encoding is canonical), and nothing verifies under a fixed key without its
// secret.
#include <cstdint>
#include <cstdlib>

#include "crypto/bls12_381_signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  using namespace chorus::bls12_381;
  ByteView in(data, size);
  if (auto pk = decode_public_key(in); pk.ok()) {
    auto again = g2_to_compressed(*pk);
    if (!bytes_equal(again, in)) std::abort();
  }
  if (auto sig = decode_signature(in); sig.ok()) {
    auto again = g1_to_compressed(*sig);
    if (!bytes_equal(again, in)) std::abort();
    static const PublicKey kKey = SecretKey::from_bytes(Bytes(32, 0x07))->public_key();
    if (verify(in, Bytes{1, 2, 3}, kKey).ok()) std::abort();
  }
  return 0;
}
