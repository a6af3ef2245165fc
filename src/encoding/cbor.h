// CBOR (RFC 8949) for the IC's HTTP interface and certificates. Decoding is done by libcbor's
// streaming decoder, wrapped here so that untrusted input is bounded in size, nesting depth and
// item count, and no recursion depends on the input. Encoding is deterministic (RFC 8949 §4.2.1):
// shortest integer and length forms, definite lengths, map keys sorted by their encoded bytes,
// and floats in the shortest form that keeps their value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/bigint.h"
#include "base/bytes.h"

namespace chorus::cbor {

// Tag 55799, "self-described CBOR": the IC wraps envelopes and certificates in it.
inline constexpr uint64_t kSelfDescribeTag = 55799;

class Value;
using Array = std::vector<Value>;
using Map = std::vector<std::pair<Value, Value>>;  // in order of appearance

enum class Type : uint8_t {
  kUnsigned,  // major type 0
  kNegative,  // major type 1: the value -1 - n, with n stored
  kBytes,
  kText,
  kArray,
  kMap,
  kTag,
  kBool,
  kNull,
  kUndefined,
  kFloat,
};

std::string_view type_name(Type type);

class Value {
 public:
  Value() : type_(Type::kNull) {}
  static Value uint(uint64_t v) { return Value(Type::kUnsigned, v); }
  // The integer -1 - n (CBOR's major type 1).
  static Value negative(uint64_t n) { return Value(Type::kNegative, n); }
  static Value integer(int64_t v) {
    return v >= 0 ? uint(static_cast<uint64_t>(v)) : negative(~static_cast<uint64_t>(v));
  }
  static Value bytes(Bytes b) { return Value(Type::kBytes, std::move(b)); }
  static Value bytes(ByteView b) { return bytes(Bytes(b.begin(), b.end())); }
  static Value text(std::string s) { return Value(Type::kText, std::move(s)); }
  static Value array(Array a) { return Value(Type::kArray, std::move(a)); }
  static Value map(Map m) { return Value(Type::kMap, std::move(m)); }
  static Value tag(uint64_t tag, Value inner);
  static Value boolean(bool b) { return Value(Type::kBool, uint64_t{b}); }
  static Value null() { return Value(); }
  static Value undefined() { return Value(Type::kUndefined, uint64_t{0}); }
  static Value floating(double d) { return Value(Type::kFloat, d); }

  Type type() const { return type_; }
  bool is(Type t) const { return type_ == t; }

  // REQUIRES for each accessor: the matching type.
  uint64_t uint_value() const { return std::get<uint64_t>(data_); }      // kUnsigned, kNegative
  uint64_t tag_number() const { return tag_; }                           // kTag
  bool bool_value() const { return std::get<uint64_t>(data_) != 0; }    // kBool
  double float_value() const { return std::get<double>(data_); }         // kFloat
  const Bytes& bytes_value() const { return std::get<Bytes>(data_); }    // kBytes
  const std::string& text_value() const { return std::get<std::string>(data_); }  // kText
  const Array& array_value() const { return std::get<Array>(data_); }    // kArray
  const Map& map_value() const { return std::get<Map>(data_); }          // kMap
  const Value& tagged_value() const { return std::get<Array>(data_)[0]; }  // kTag

  // Checked accessors for decoding structures from untrusted input. |what| names the field in
  // the error, e.g. "expected bytes for 'sender', found text".
  Result<uint64_t> as_uint(std::string_view what) const;
  // A natural number: major type 0, or a tag-2 bignum.
  Result<BigInt> as_nat(std::string_view what) const;
  Result<ByteView> as_bytes(std::string_view what) const;
  Result<std::string_view> as_text(std::string_view what) const;
  Result<const Array*> as_array(std::string_view what) const;
  Result<const Map*> as_map(std::string_view what) const;

  // For a map: the value under text key |key|, or nullptr.
  const Value* find(std::string_view key) const;

  // This value with any number of self-describe tags removed from the outside.
  const Value& without_self_describe() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  using Data = std::variant<uint64_t, double, Bytes, std::string, Array, Map>;
  Value(Type t, Data d) : type_(t), data_(std::move(d)) {}

  Type type_;
  uint64_t tag_ = 0;  // the tag number of a kTag; its content is the one element of data_
  Data data_;
};

struct DecodeLimits {
  size_t max_bytes = 5 * 1024 * 1024;  // the IC's HTTP body limit (ic-spec-checklist §A.8)
  size_t max_depth = 128;              // deep enough for certificate hash trees of huge maps
  size_t max_items = 1 << 20;          // every data item counts, including map keys
};

// Decodes exactly one CBOR data item that spans all of |data|. Indefinite-length items are
// accepted; duplicate map keys, trailing bytes, reserved encodings and simple values other than
// false/true/null/undefined are refused.
Result<Value> decode(ByteView data, const DecodeLimits& limits = {});

Bytes encode(const Value& value);
// encode() behind the self-describe tag.
Bytes encode_self_described(const Value& value);

// RFC 8949 §8 diagnostic notation, for logs, the CLI and test failure messages.
std::string diagnostic(const Value& value);

}  // namespace chorus::cbor
