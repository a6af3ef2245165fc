// Candid's binary format (CAND spec/Candid.md, "Binary Format" and "Deserialisation"): the
// "DIDL" magic, a type table, the argument types, then the argument values.
//
// Decoding reads each value at the type the message declares and coerces it to the type the
// caller expects, by the spec's subtyping rules: nat becomes int, records may carry extra fields
// (skipped) or lack nullable ones (read as null), variants may have more cases than the value
// uses, an opt type accepts anything and reads as null what does not fit, and extra or missing
// trailing arguments are handled like record fields. The input is untrusted: the type table is
// validated completely, the native recursion depth is bounded, and every value decoded or skipped
// is charged against a budget proportional to the input size, so that messages like a billion
// nulls (which cost no bytes) are refused quickly instead of running for minutes.
//
// Not supported: opaque references (a principal, service or func value with tag 0), which the
// IC never sends.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "encoding/candid_types.h"
#include "encoding/candid_value.h"

namespace chorus::candid {

inline constexpr char kMagic[] = "DIDL";

struct DecodeLimits {
  size_t max_table_entries = 10000;
  // Nesting of values (and of types in subtype checks) the decoder follows. It bounds the
  // native stack: well under 1 KiB per level in optimized builds, a few KiB with sanitizers.
  size_t max_depth = 512;
  // The budget for one message: every value decoded or skipped costs 1, bulk bytes (text, blobs,
  // numbers) 1 per 16. It bounds time and, as a decoded Value is 48 bytes, memory: a 2 MB
  // message can cost about 4.2 M units. The suite's "spacebombs" need far more.
  uint64_t base_cost = 1 << 18;
  uint64_t cost_per_byte = 2;
};

// Arguments together with the types they have.
struct Args {
  TypeTable table;
  std::vector<TypeRef> types;
  std::vector<Value> values;
};

// Encodes |values| at |types|, whose entries are in |table|. The whole table is written, so it
// should hold only what the types use. Fails when a value does not have its type.
Result<Bytes> encode(const TypeTable& table, std::span<const TypeRef> types,
                     std::span<const Value> values);
inline Result<Bytes> encode(const Args& args) {
  return encode(args.table, args.types, args.values);
}

// Decodes a message at the expected |types| (entries in |table|), returning one value per type.
Result<std::vector<Value>> decode(ByteView message, const TypeTable& table,
                                  std::span<const TypeRef> types, const DecodeLimits& limits = {});

inline Result<std::vector<Value>> decode(ByteView message, const ArgTypes& types,
                                         const DecodeLimits& limits = {}) {
  return decode(message, types.table, types.types, limits);
}

// Decodes a message at the types it declares itself. Values of future types read as reserved.
Result<Args> decode_any(ByteView message, const DecodeLimits& limits = {});

// Just the type table and argument types of a message, validated.
Result<ArgTypes> decode_types(ByteView message, const DecodeLimits& limits = {});

// The spec's subtype relation t1 <: t2 for t1 in |table1| and t2 in |table2|, including the
// rules that make every type a subtype of any opt type and of reserved. Recursive types are
// compared coinductively. Types too large to compare within fixed bounds are not subtypes.
bool is_subtype(const TypeTable& table1, TypeRef t1, const TypeTable& table2, TypeRef t2);

}  // namespace chorus::candid
