// Arbitrary bytes through the text decoders of src/base: hex, base32, base64url, decimal BigInt
// and UTF-8.
// No crash; whatever decodes re-encodes to the canonical text, which decodes to the same value.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/base32.h"
#include "base/base64.h"
#include "base/bigint.h"
#include "base/hex.h"
#include "base/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

  if (auto h = from_hex(text); h.ok() && to_hex(*h) != lower) std::abort();
  if (auto b = base32_decode(text); b.ok() && base32_encode(*b) != lower) std::abort();
  if (auto b = base64url_decode(text); b.ok()) {
    auto again = base64url_decode(base64url_encode(*b));
    if (!again.ok() || *again != *b) std::abort();
  }
  if (auto n = BigInt::from_decimal(text); n.ok()) {
    auto again = BigInt::from_decimal(n->to_decimal());
    if (!again.ok() || !(*again == *n)) std::abort();
  }
  auto bad = find_invalid_utf8(text);
  if (bad && *bad >= size) std::abort();
  return 0;
}
