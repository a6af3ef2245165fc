// Typed Candid for components' own structs (management canister records, HTTP gateway requests),
// so that nobody writes Candid bytes or walks Values by hand. A struct describes itself with
//
//   struct CanisterIdRecord {
//     Principal canister_id;
//     static constexpr char kCandidType[] = "record { canister_id : principal }";
//     static Result<CanisterIdRecord> from_candid(const RecordReader& r) {
//       CHORUS_ASSIGN_OR_RETURN(Principal id, r.get<Principal>("canister_id"));
//       return CanisterIdRecord{id};
//     }
//     void to_candid(RecordBuilder& b) const { b.add("canister_id", canister_id); }
//   };
//
// and decode_arg<CanisterIdRecord>(bytes) / encode_arg(record) do the rest: the type text is
// parsed once, decoding follows the spec's subtyping (extra fields are skipped, missing opt
// fields read as null), and encoding checks the built value against the type.
//
// Native types: bool, uint8_t..uint64_t (nat8..nat64), int8_t..int64_t (int8..int64), float,
// double, BigInt (nat or int), std::string (text), Bytes (blob), Principal, std::optional<T>
// (opt), std::vector<T> (vec), and structs like the one above (record).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"

namespace chorus::candid {

class RecordReader;
class RecordBuilder;

template <typename T>
struct NativeTag {};

template <typename T>
inline constexpr bool kIsOptional = false;
template <typename T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

template <typename T>
concept CandidStruct = requires(const RecordReader& r, RecordBuilder& b, const T& t) {
  { T::from_candid(r) } -> std::same_as<Result<T>>;
  t.to_candid(b);
};

// Conversions of one Value to a native type; an error names what the value was instead.
Result<bool> from_value(const Value& v, NativeTag<bool>);
Result<uint8_t> from_value(const Value& v, NativeTag<uint8_t>);
Result<uint16_t> from_value(const Value& v, NativeTag<uint16_t>);
Result<uint32_t> from_value(const Value& v, NativeTag<uint32_t>);
Result<uint64_t> from_value(const Value& v, NativeTag<uint64_t>);
Result<int8_t> from_value(const Value& v, NativeTag<int8_t>);
Result<int16_t> from_value(const Value& v, NativeTag<int16_t>);
Result<int32_t> from_value(const Value& v, NativeTag<int32_t>);
Result<int64_t> from_value(const Value& v, NativeTag<int64_t>);
Result<float> from_value(const Value& v, NativeTag<float>);
Result<double> from_value(const Value& v, NativeTag<double>);
Result<BigInt> from_value(const Value& v, NativeTag<BigInt>);
Result<std::string> from_value(const Value& v, NativeTag<std::string>);
Result<Bytes> from_value(const Value& v, NativeTag<Bytes>);
Result<Principal> from_value(const Value& v, NativeTag<Principal>);
template <typename T>
Result<std::optional<T>> from_value(const Value& v, NativeTag<std::optional<T>>);
template <typename T>
Result<std::vector<T>> from_value(const Value& v, NativeTag<std::vector<T>>);
template <CandidStruct T>
Result<T> from_value(const Value& v, NativeTag<T>);

Value to_value(bool b);
Value to_value(uint8_t v);
Value to_value(uint16_t v);
Value to_value(uint32_t v);
Value to_value(uint64_t v);
Value to_value(int8_t v);
Value to_value(int16_t v);
Value to_value(int32_t v);
Value to_value(int64_t v);
Value to_value(float v);
Value to_value(double v);
// A BigInt is a nat when not negative: encoding at int accepts a nat value too.
Value to_value(const BigInt& v);
Value to_value(const std::string& s);
Value to_value(const Bytes& b);
Value to_value(const Principal& p);
template <typename T>
Value to_value(const std::optional<T>& v);
template <typename T>
Value to_value(const std::vector<T>& v);
template <CandidStruct T>
Value to_value(const T& v);

// Reads the fields of a record value by name.
class RecordReader {
 public:
  static Result<RecordReader> of(const Value& v);

  // The field |name|; for a missing field, an error (or nullopt through get<std::optional<T>>).
  Result<const Value*> field(std::string_view name) const;

  template <typename T>
  Result<T> get(std::string_view name) const {
    const Value* f = value_->field(field_hash(name));
    if (f == nullptr) {
      if constexpr (kIsOptional<T>) {
        return T{};
      } else {
        return Error("record field '" + std::string(name) + "' is missing");
      }
    }
    auto r = from_value(*f, NativeTag<T>{});
    if (!r.ok()) return r.error().with_context("field '" + std::string(name) + "'");
    return r;
  }

 private:
  explicit RecordReader(const Value* v) : value_(v) {}
  const Value* value_;
};

// Collects the fields of a record value by name.
class RecordBuilder {
 public:
  template <typename T>
  RecordBuilder& add(std::string_view name, const T& v) {
    fields_.push_back(FieldValue{field_hash(name), to_value(v)});
    return *this;
  }
  RecordBuilder& add_value(std::string_view name, Value v) {
    fields_.push_back(FieldValue{field_hash(name), std::move(v)});
    return *this;
  }
  Value build() && { return Value::record(std::move(fields_)); }

 private:
  std::vector<FieldValue> fields_;
};

template <typename T>
Result<std::optional<T>> from_value(const Value& v, NativeTag<std::optional<T>>) {
  if (!v.is(ValueKind::kOpt)) return Error("expected an opt, got " + std::string(kind_name(v.kind())));
  if (!v.has_value()) return std::optional<T>();
  CHORUS_ASSIGN_OR_RETURN(T inner, from_value(v.opt_value(), NativeTag<T>{}));
  return std::optional<T>(std::move(inner));
}

template <typename T>
Result<std::vector<T>> from_value(const Value& v, NativeTag<std::vector<T>>) {
  if (!v.is(ValueKind::kVec)) return Error("expected a vec, got " + std::string(kind_name(v.kind())));
  std::vector<T> out;
  out.reserve(v.items().size());
  for (const Value& item : v.items()) {
    CHORUS_ASSIGN_OR_RETURN(T x, from_value(item, NativeTag<T>{}));
    out.push_back(std::move(x));
  }
  return out;
}

template <CandidStruct T>
Result<T> from_value(const Value& v, NativeTag<T>) {
  CHORUS_ASSIGN_OR_RETURN(RecordReader r, RecordReader::of(v));
  return T::from_candid(r);
}

template <typename T>
Value to_value(const std::optional<T>& v) {
  return v.has_value() ? Value::some(to_value(*v)) : Value::none();
}

template <typename T>
Value to_value(const std::vector<T>& v) {
  std::vector<Value> items;
  items.reserve(v.size());
  for (const T& x : v) items.push_back(to_value(x));
  return Value::vec(std::move(items));
}

template <CandidStruct T>
Value to_value(const T& v) {
  RecordBuilder b;
  v.to_candid(b);
  return std::move(b).build();
}

// The type of T (from T::kCandidType), parsed once.
template <typename T>
const ArgTypes& candid_type_of() {
  static const ArgTypes* types = [] {
    auto parsed = parse_arg_types("(" + std::string(T::kCandidType) + ")");
    // A malformed kCandidType is a programming error, caught by the first test that uses it.
    if (!parsed.ok()) {
      std::fprintf(stderr, "bad kCandidType: %s\n", parsed.error().message().c_str());
      std::abort();
    }
    return new ArgTypes(std::move(parsed).value());
  }();
  return *types;
}

// A message with one argument of type T.
template <typename T>
Result<T> decode_arg(ByteView message, const DecodeLimits& limits = {}) {
  CHORUS_ASSIGN_OR_RETURN(std::vector<Value> values, decode(message, candid_type_of<T>(), limits));
  return from_value(values[0], NativeTag<T>{});
}

template <typename T>
Result<Bytes> encode_arg(const T& v) {
  const ArgTypes& t = candid_type_of<T>();
  std::vector<Value> values;
  values.push_back(to_value(v));
  return encode(t.table, t.types, values);
}

}  // namespace chorus::candid
