// Arbitrary text through the principal parser: no crash; whatever parses prints back as the same
// text, lowercased; and arbitrary bytes round-trip through the textual form.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "encoding/principal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto p = Principal::from_text(text);
  if (p.ok()) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (p->to_text() != lower) std::abort();
  }
  auto b = Principal::from_bytes(ByteView(data, size));
  if (b.ok()) {
    auto back = Principal::from_text(b->to_text());
    if (!back.ok() || !(*back == *b)) std::abort();
  }
  return 0;
}
