#include "encoding/candid_struct.h"

namespace chorus::candid {
namespace {

Error expected(std::string_view what, const Value& v) {
  return Error("expected " + std::string(what) + ", got " + std::string(kind_name(v.kind())));
}

}  // namespace

Result<bool> from_value(const Value& v, NativeTag<bool>) {
  if (!v.is(ValueKind::kBool)) return expected("bool", v);
  return v.bool_value();
}

#define CHORUS_CANDID_FIXED(type, kind, name, accessor)              \
  Result<type> from_value(const Value& v, NativeTag<type>) {         \
    if (!v.is(ValueKind::kind)) return expected(#name, v);          \
    return static_cast<type>(v.accessor());                          \
  }                                                                  \
  Value to_value(type v) { return Value::name(v); }
CHORUS_CANDID_FIXED(uint8_t, kNat8, nat8, nat_value)
CHORUS_CANDID_FIXED(uint16_t, kNat16, nat16, nat_value)
CHORUS_CANDID_FIXED(uint32_t, kNat32, nat32, nat_value)
CHORUS_CANDID_FIXED(uint64_t, kNat64, nat64, nat_value)
CHORUS_CANDID_FIXED(int8_t, kInt8, int8, int_value)
CHORUS_CANDID_FIXED(int16_t, kInt16, int16, int_value)
CHORUS_CANDID_FIXED(int32_t, kInt32, int32, int_value)
CHORUS_CANDID_FIXED(int64_t, kInt64, int64, int_value)
#undef CHORUS_CANDID_FIXED

Result<float> from_value(const Value& v, NativeTag<float>) {
  if (!v.is(ValueKind::kFloat32)) return expected("float32", v);
  return v.float32_value();
}

Result<double> from_value(const Value& v, NativeTag<double>) {
  if (!v.is(ValueKind::kFloat64)) return expected("float64", v);
  return v.float_value();
}

Result<BigInt> from_value(const Value& v, NativeTag<BigInt>) {
  if (!v.is(ValueKind::kNat) && !v.is(ValueKind::kInt)) return expected("nat or int", v);
  return v.big_value();
}

Result<std::string> from_value(const Value& v, NativeTag<std::string>) {
  if (!v.is(ValueKind::kText)) return expected("text", v);
  return v.text_value();
}

Result<Bytes> from_value(const Value& v, NativeTag<Bytes>) {
  if (!v.is(ValueKind::kBlob)) return expected("blob", v);
  return v.blob_value();
}

Result<Principal> from_value(const Value& v, NativeTag<Principal>) {
  if (!v.is(ValueKind::kPrincipal)) return expected("principal", v);
  return v.principal_value();
}

Value to_value(bool b) { return Value::boolean(b); }
Value to_value(float v) { return Value::float32(v); }
Value to_value(double v) { return Value::float64(v); }
Value to_value(const BigInt& v) { return v.is_negative() ? Value::integer(v) : Value::nat(v); }
Value to_value(const std::string& s) { return Value::text(s); }
Value to_value(const Bytes& b) { return Value::blob(b); }
Value to_value(const Principal& p) { return Value::principal(p); }

Result<RecordReader> RecordReader::of(const Value& v) {
  if (!v.is(ValueKind::kRecord)) return expected("a record", v);
  return RecordReader(&v);
}

Result<const Value*> RecordReader::field(std::string_view name) const {
  const Value* f = value_->field(field_hash(name));
  if (f == nullptr) return Error("record field '" + std::string(name) + "' is missing");
  return f;
}

}  // namespace chorus::candid
