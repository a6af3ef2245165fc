// Decodes and validates arbitrary bytes: whatever the input, the result is a module or an error,
// never a crash, a hang or an unbounded allocation.
#include <cstddef>
#include <cstdint>

#include "wasm/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = chorus::wasm::decode_and_validate(chorus::ByteView(data, size));
  (void)m;
  return 0;
}
