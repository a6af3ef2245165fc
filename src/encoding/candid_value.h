// Candid values without a host type: what a decoder returns when the caller knows the Candid
// type but has no native structure for it (the CLI, tests, the management canister's generic
// paths). A value does not carry its type; it is meaningful together with the TypeRef it was
// decoded at or is to be encoded at.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bigint.h"
#include "base/bytes.h"
#include "encoding/principal.h"

namespace chorus::candid {

enum class ValueKind : uint8_t {
  kNull,
  kBool,
  kNat,  // BigInt
  kInt,  // BigInt
  kNat8,
  kNat16,
  kNat32,
  kNat64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kText,
  kReserved,
  kPrincipal,
  kOpt,      // none or one element
  kVec,      // any element type but nat8
  kBlob,     // vec nat8, kept as bytes so that large blobs stay compact
  kRecord,   // fields sorted by id
  kVariant,  // exactly one field
  kFunc,
  kService,
};

std::string_view kind_name(ValueKind kind);

class Value;

struct FieldValue;

struct FuncRef {
  Principal service;
  std::string method;
  friend bool operator==(const FuncRef&, const FuncRef&) = default;
};

class Value {
 public:
  Value();

  static Value null();
  static Value reserved();
  static Value boolean(bool b);
  static Value nat(BigInt n);  // REQUIRES: !n.is_negative()
  static Value integer(BigInt n);
  static Value nat8(uint8_t v);
  static Value nat16(uint16_t v);
  static Value nat32(uint32_t v);
  static Value nat64(uint64_t v);
  static Value int8(int8_t v);
  static Value int16(int16_t v);
  static Value int32(int32_t v);
  static Value int64(int64_t v);
  static Value float32(float v);
  static Value float64(double v);
  static Value text(std::string s);
  static Value principal(const Principal& p);
  static Value service(const Principal& p);
  static Value func(const Principal& service, std::string method);
  static Value none();
  static Value some(Value v);
  static Value vec(std::vector<Value> items);
  static Value blob(Bytes b);
  // Sorts |fields| by id.
  static Value record(std::vector<FieldValue> fields);
  static Value variant(uint32_t id, Value v);

  ValueKind kind() const { return kind_; }
  bool is(ValueKind k) const { return kind_ == k; }

  // REQUIRES for each accessor: the matching kind.
  bool bool_value() const { return std::get<uint64_t>(data_) != 0; }
  const BigInt& big_value() const { return std::get<BigInt>(data_); }  // kNat, kInt
  uint64_t nat_value() const { return std::get<uint64_t>(data_); }     // kNat8..kNat64
  int64_t int_value() const { return std::get<int64_t>(data_); }       // kInt8..kInt64
  // kFloat32 and kFloat64; a float32 widened to double.
  double float_value() const {
    return kind_ == ValueKind::kFloat32 ? std::get<float>(data_) : std::get<double>(data_);
  }
  float float32_value() const { return std::get<float>(data_); }  // kFloat32, bit-exact
  const std::string& text_value() const { return std::get<std::string>(data_); }
  // kPrincipal, kService
  const Principal& principal_value() const { return std::get<Principal>(data_); }
  const FuncRef& func_value() const { return *std::get<std::shared_ptr<const FuncRef>>(data_); }
  const Bytes& blob_value() const { return std::get<Bytes>(data_); }
  // kOpt (zero or one element) and kVec.
  const std::vector<Value>& items() const { return std::get<std::vector<Value>>(data_); }
  // kRecord, and kVariant (one element).
  const std::vector<FieldValue>& fields() const { return std::get<std::vector<FieldValue>>(data_); }
  // kOpt: whether a value is present, and it.
  bool has_value() const { return !items().empty(); }
  const Value& opt_value() const { return items()[0]; }
  // For a record, the field with |id| or nullptr.
  const Value* field(uint32_t id) const;

  // Structural equality; floats compare by bit pattern so that NaN equals itself.
  friend bool operator==(const Value& a, const Value& b);

 private:
  // A func reference is boxed (and immutable, so shared on copy) to keep Value at 48 bytes: a
  // decoder may hold millions of them.
  using Data = std::variant<std::monostate, uint64_t, int64_t, float, double, BigInt, std::string,
                            Bytes, Principal, std::shared_ptr<const FuncRef>, std::vector<Value>,
                            std::vector<FieldValue>>;
  template <typename T>
  Value(ValueKind k, T&& d) : kind_(k), data_(std::forward<T>(d)) {}

  ValueKind kind_;
  Data data_;
};

struct FieldValue {
  uint32_t id = 0;
  Value value;
  friend bool operator==(const FieldValue&, const FieldValue&) = default;
};

// Defined here, where FieldValue is complete: returning a Value may destroy one.
inline Value::Value() : kind_(ValueKind::kNull) {}
inline Value Value::null() { return Value(); }
inline Value Value::reserved() { return Value(ValueKind::kReserved, std::monostate{}); }
inline Value Value::boolean(bool b) { return Value(ValueKind::kBool, uint64_t{b}); }
inline Value Value::integer(BigInt n) { return Value(ValueKind::kInt, std::move(n)); }
inline Value Value::nat8(uint8_t v) { return Value(ValueKind::kNat8, uint64_t{v}); }
inline Value Value::nat16(uint16_t v) { return Value(ValueKind::kNat16, uint64_t{v}); }
inline Value Value::nat32(uint32_t v) { return Value(ValueKind::kNat32, uint64_t{v}); }
inline Value Value::nat64(uint64_t v) { return Value(ValueKind::kNat64, v); }
inline Value Value::int8(int8_t v) { return Value(ValueKind::kInt8, int64_t{v}); }
inline Value Value::int16(int16_t v) { return Value(ValueKind::kInt16, int64_t{v}); }
inline Value Value::int32(int32_t v) { return Value(ValueKind::kInt32, int64_t{v}); }
inline Value Value::int64(int64_t v) { return Value(ValueKind::kInt64, v); }
inline Value Value::float32(float v) { return Value(ValueKind::kFloat32, v); }
inline Value Value::float64(double v) { return Value(ValueKind::kFloat64, v); }
inline Value Value::text(std::string s) { return Value(ValueKind::kText, std::move(s)); }
inline Value Value::principal(const Principal& p) { return Value(ValueKind::kPrincipal, p); }
inline Value Value::service(const Principal& p) { return Value(ValueKind::kService, p); }
inline Value Value::none() { return Value(ValueKind::kOpt, std::vector<Value>{}); }
inline Value Value::vec(std::vector<Value> items) {
  return Value(ValueKind::kVec, std::move(items));
}
inline Value Value::blob(Bytes b) { return Value(ValueKind::kBlob, std::move(b)); }

// Candid text syntax of |v| (fields by number, blobs as escaped strings), for logs and tests.
std::string to_text(const Value& v);

}  // namespace chorus::candid
