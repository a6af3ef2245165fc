#include "encoding/candid_value.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstring>

namespace chorus::candid {

std::string_view kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull: return "null";
    case ValueKind::kBool: return "bool";
    case ValueKind::kNat: return "nat";
    case ValueKind::kInt: return "int";
    case ValueKind::kNat8: return "nat8";
    case ValueKind::kNat16: return "nat16";
    case ValueKind::kNat32: return "nat32";
    case ValueKind::kNat64: return "nat64";
    case ValueKind::kInt8: return "int8";
    case ValueKind::kInt16: return "int16";
    case ValueKind::kInt32: return "int32";
    case ValueKind::kInt64: return "int64";
    case ValueKind::kFloat32: return "float32";
    case ValueKind::kFloat64: return "float64";
    case ValueKind::kText: return "text";
    case ValueKind::kReserved: return "reserved";
    case ValueKind::kPrincipal: return "principal";
    case ValueKind::kOpt: return "opt";
    case ValueKind::kVec: return "vec";
    case ValueKind::kBlob: return "blob";
    case ValueKind::kRecord: return "record";
    case ValueKind::kVariant: return "variant";
    case ValueKind::kFunc: return "func";
    case ValueKind::kService: return "service";
  }
  return "?";
}

Value Value::nat(BigInt n) {
  assert(!n.is_negative());
  return Value(ValueKind::kNat, std::move(n));
}

Value Value::func(const Principal& service, std::string method) {
  return Value(ValueKind::kFunc,
               std::shared_ptr<const FuncRef>(new FuncRef{service, std::move(method)}));
}

Value Value::some(Value v) {
  std::vector<Value> items;
  items.push_back(std::move(v));
  return Value(ValueKind::kOpt, std::move(items));
}

Value Value::record(std::vector<FieldValue> fields) {
  auto by_id = [](const FieldValue& a, const FieldValue& b) { return a.id < b.id; };
  // Decoders build fields in order already; checking is cheaper than sorting.
  if (!std::is_sorted(fields.begin(), fields.end(), by_id)) {
    std::sort(fields.begin(), fields.end(), by_id);
  }
  return Value(ValueKind::kRecord, std::move(fields));
}

Value Value::variant(uint32_t id, Value v) {
  std::vector<FieldValue> fields;
  fields.push_back(FieldValue{id, std::move(v)});
  return Value(ValueKind::kVariant, std::move(fields));
}

const Value* Value::field(uint32_t id) const {
  for (const FieldValue& f : fields()) {
    if (f.id == id) return &f.value;
  }
  return nullptr;
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case ValueKind::kFloat32: {
      float x = a.float32_value(), y = b.float32_value();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case ValueKind::kFloat64: {
      double x = a.float_value(), y = b.float_value();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case ValueKind::kFunc: return a.func_value() == b.func_value();
    default: return a.data_ == b.data_;
  }
}

namespace {

void append_escaped(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "\\%02x", c);
      out += buf;
    }
  }
  out.push_back('"');
}

void append_float(std::string& out, double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  out += buf;
}

void append_text(std::string& out, const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull: out += "null"; return;
    case ValueKind::kReserved: out += "reserved"; return;
    case ValueKind::kBool: out += v.bool_value() ? "true" : "false"; return;
    case ValueKind::kNat:
    case ValueKind::kInt: out += v.big_value().to_decimal(); return;
    case ValueKind::kNat8:
    case ValueKind::kNat16:
    case ValueKind::kNat32:
    case ValueKind::kNat64: out += std::to_string(v.nat_value()); return;
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32:
    case ValueKind::kInt64: out += std::to_string(v.int_value()); return;
    case ValueKind::kFloat32:
    case ValueKind::kFloat64: append_float(out, v.float_value()); return;
    case ValueKind::kText: append_escaped(out, v.text_value()); return;
    case ValueKind::kPrincipal:
      out += "principal \"" + v.principal_value().to_text() + "\"";
      return;
    case ValueKind::kService: out += "service \"" + v.principal_value().to_text() + "\""; return;
    case ValueKind::kFunc:
      out += "func \"" + v.func_value().service.to_text() + "\".";
      append_escaped(out, v.func_value().method);
      return;
    case ValueKind::kOpt:
      if (!v.has_value()) {
        out += "null";
      } else {
        out += "opt ";
        append_text(out, v.opt_value());
      }
      return;
    case ValueKind::kBlob:
      out += "blob ";
      append_escaped(out, as_chars(v.blob_value()));
      return;
    case ValueKind::kVec:
      out += "vec {";
      for (const Value& item : v.items()) {
        out.push_back(' ');
        append_text(out, item);
        out.push_back(';');
      }
      out += v.items().empty() ? "}" : " }";
      return;
    case ValueKind::kRecord:
    case ValueKind::kVariant:
      out += v.is(ValueKind::kRecord) ? "record {" : "variant {";
      for (const FieldValue& f : v.fields()) {
        // Appended piecewise: GCC 12 at -O3 warns (-Wrestrict, falsely) about " " + to_string().
        out.push_back(' ');
        out += std::to_string(f.id);
        out += " = ";
        append_text(out, f.value);
        out.push_back(';');
      }
      out += v.fields().empty() ? "}" : " }";
      return;
  }
}

}  // namespace

std::string to_text(const Value& v) {
  std::string out;
  append_text(out, v);
  return out;
}

}  // namespace chorus::candid
