// Arbitrary bytes as a DER public key: no crash; what parses re-encodes to the same bytes (DER has
// one encoding per value), and verifying a signature under it fails cleanly or succeeds.
#include <cstdint>
#include <cstdlib>

#include "crypto/public_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  ByteView in(data, size);
  auto key = PublicKey::from_der(in);
  if (!key.ok()) return 0;
  if (!bytes_equal(key->to_der(), in)) std::abort();
  Bytes sig(64, 0x01);
  (void)verify_basic_signature(*key, in, sig);
  return 0;
}
