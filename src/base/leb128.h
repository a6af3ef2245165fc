// LEB128 and signed LEB128 (DWARF's variable-length integers), used by Candid, Wasm, the request-id
// hash and the state tree. Writers always produce the shortest form. Readers accept redundant
// padding groups as long as the value fits the result type, as the Candid and Wasm specs allow.
#pragma once

#include <cstdint>

#include "base/bigint.h"
#include "base/bytes.h"

namespace chorus {

void append_uleb128(Bytes& out, uint64_t value);
void append_sleb128(Bytes& out, int64_t value);
// REQUIRES: !value.is_negative().
void append_uleb128(Bytes& out, const BigInt& value);
void append_sleb128(Bytes& out, const BigInt& value);

Bytes uleb128(uint64_t value);
Bytes sleb128(int64_t value);

// Fail with a clear error when the input ends mid-number or the value does not fit 64 bits.
Result<uint64_t> read_uleb128(ByteReader& in);
Result<int64_t> read_sleb128(ByteReader& in);

// Arbitrary precision; a number longer than |max_bytes| is refused before it is decoded, which
// bounds the work and memory hostile input can cost.
inline constexpr size_t kDefaultMaxBigLeb128Bytes = 1 << 16;
Result<BigInt> read_uleb128_big(ByteReader& in, size_t max_bytes = kDefaultMaxBigLeb128Bytes);
Result<BigInt> read_sleb128_big(ByteReader& in, size_t max_bytes = kDefaultMaxBigLeb128Bytes);

}  // namespace chorus
