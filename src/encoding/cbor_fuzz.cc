// Arbitrary bytes through the CBOR decoder: no crash, no unbounded memory; what decodes re-encodes
// deterministically, and the re-encoding decodes to the same value.
#include <cstdint>
#include <cstdlib>

#include "encoding/cbor.h"
#include "encoding/request_id.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  auto v = cbor::decode(ByteView(data, size));
  if (!v.ok()) return 0;
  (void)cbor::diagnostic(*v);
  (void)representation_independent_hash(*v);
  Bytes once = cbor::encode(*v);
  auto again = cbor::decode(once);
  if (!again.ok()) std::abort();
  if (cbor::encode(*again) != once) std::abort();
  return 0;
}
