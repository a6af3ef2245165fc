// Lowercase hexadecimal, the form the IC uses for request ids, hashes and keys in text.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"

namespace chorus {

std::string to_hex(ByteView bytes);

// Accepts upper and lower case. Fails on odd length or a non-hex character, saying where.
Result<Bytes> from_hex(std::string_view text);

}  // namespace chorus
