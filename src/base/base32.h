// Base32 with the RFC 4648 alphabet, lowercase and without padding: the alphabet of textual
// principals.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"

namespace chorus {

std::string base32_encode(ByteView data);

// Case-insensitive. Refuses '=' padding, characters outside the alphabet, a length that no byte
// string encodes to, and non-zero pad bits (which would give one byte string two encodings).
Result<Bytes> base32_decode(std::string_view text);

}  // namespace chorus
