// gzip (RFC 1952) decompression with an output bound, for canister modules installed as .wasm.gz.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/result.h"

namespace chorus {

// True when |data| starts with the gzip magic bytes 1f 8b 08.
bool is_gzip(ByteView data);

// Decompresses one gzip member. Fails on corrupt or truncated input, trailing bytes, or output
// longer than |max_output| bytes (a decompression bomb stops there, it is never expanded whole).
Result<Bytes> gunzip(ByteView data, size_t max_output);

}  // namespace chorus
