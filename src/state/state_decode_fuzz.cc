// Fuzzes the decoder of encoded states (checkpoint blobs read from disk): the input is split into
// a subnet blob and one canister blob; decode_state must fail cleanly or succeed, never crash.
#include <cstddef>
#include <cstdint>

#include "state/state_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  if (size < 2) return 0;
  size_t split = (static_cast<size_t>(data[0]) << 8 | data[1]) % size;
  state::EncodedState in;
  in.blobs["subnet"] = Bytes(data + 2, data + std::max<size_t>(2, split));
  in.blobs["canister/" + Principal::from_canister_index(0).to_text()] =
      Bytes(data + std::max<size_t>(2, split), data + size);
  auto r = state::decode_state(in);
  if (r.ok()) (void)state::state_digest(*r);
  return 0;
}
