// Base64 with the URL-safe alphabet of RFC 4648 §5, as WebAuthn's clientDataJSON carries its
// challenge.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"

namespace chorus {

std::string base64url_encode(ByteView data);  // without padding

// Accepts text with or without '=' padding; refuses other alphabets, impossible lengths and
// non-zero pad bits.
Result<Bytes> base64url_decode(std::string_view text);

}  // namespace chorus
