// UTF-8 validation as RFC 3629 defines it: no overlong forms, no surrogates, nothing above
// U+10FFFF. CBOR text, Candid text and method names must pass it.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace chorus {

// The byte offset of the first invalid sequence, or nullopt when |s| is valid UTF-8.
std::optional<size_t> find_invalid_utf8(std::string_view s);
inline bool is_valid_utf8(std::string_view s) { return !find_invalid_utf8(s).has_value(); }

}  // namespace chorus
