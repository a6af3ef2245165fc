#include "cli/candid_io.h"

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "base/gzip.h"
#include "base/hex.h"
#include "encoding/candid_binary.h"

namespace chorus::cli {

using candid::TextValue;
using candid::TypeRef;
using candid::TypeTable;
using candid::Prim;

Result<OutputFormat> parse_output_format(std::string_view name) {
  if (name == "candid") return OutputFormat::kCandid;
  if (name == "json") return OutputFormat::kJson;
  if (name == "raw") return OutputFormat::kRaw;
  return Error("unknown output format '" + std::string(name) + "'; choose candid, json or raw");
}

Result<candid::ServiceInterface> parse_interface(std::string_view did) {
  if (did.find_first_not_of(" \t\r\n") == std::string_view::npos) return Error("the Candid interface is empty");
  auto r = candid::parse_did(did);
  if (!r.ok()) return r.error().with_context("cannot parse the Candid interface");
  return r;
}

namespace {

constexpr size_t kMaxModuleBytes = 256u << 20;

// The custom sections of a Wasm binary, by name. Only the section headers are walked.
Result<std::map<std::string, Bytes>> custom_sections(ByteView wasm_in) {
  Bytes unpacked;
  ByteView wasm = wasm_in;
  if (is_gzip(wasm)) {
    CHORUS_ASSIGN_OR_RETURN(unpacked, gunzip(wasm, kMaxModuleBytes));
    wasm = unpacked;
  }
  static constexpr uint8_t kHeader[] = {0x00, 0x61, 0x73, 0x6d};
  if (wasm.size() < 8 || !bytes_equal(wasm.first(4), kHeader)) return Error("not a WebAssembly module (no \\0asm header)");
  // Reads a LEB128 at |pos|, never at or past |limit|.
  auto leb = [&](size_t& pos, size_t limit) -> Result<uint64_t> {
    uint64_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos >= limit) break;
      uint8_t b = wasm[pos++];
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return Error("malformed LEB128 in the module's section headers");
  };
  std::map<std::string, Bytes> out;
  size_t pos = 8;
  while (pos < wasm.size()) {
    uint8_t id = wasm[pos++];
    CHORUS_ASSIGN_OR_RETURN(uint64_t size, leb(pos, wasm.size()));
    if (size > wasm.size() - pos) return Error("a section of the module runs past its end");
    size_t end = pos + size;
    if (id == 0) {
      size_t p = pos;
      CHORUS_ASSIGN_OR_RETURN(uint64_t n, leb(p, end));
      if (n > end - p) return Error("a custom section name runs past its section");
      std::string name(reinterpret_cast<const char*>(wasm.data() + p), n);
      p += n;
      out[name] = Bytes(wasm.begin() + p, wasm.begin() + end);
    }
    pos = end;
  }
  return out;
}

// Copies |ref| of |src| into |dst| (for annotations, whose types live in their own table).
TypeRef import_type(const TypeTable& src, TypeRef ref, TypeTable& dst, std::map<uint32_t, TypeRef>& memo) {
  if (ref.is_prim()) return ref;
  if (auto it = memo.find(ref.as_index()); it != memo.end()) return it->second;
  TypeRef slot = dst.reserve();
  memo[ref.as_index()] = slot;
  candid::TypeEntry e = src.at(ref);
  if (e.kind == candid::Kind::kOpt || e.kind == candid::Kind::kVec) e.inner = import_type(src, e.inner, dst, memo);
  for (auto& f : e.fields) f.type = import_type(src, f.type, dst, memo);
  for (auto& a : e.args) a = import_type(src, a, dst, memo);
  for (auto& r : e.results) r = import_type(src, r, dst, memo);
  for (auto& m : e.methods) m.type = import_type(src, m.type, dst, memo);
  dst.set(slot, std::move(e));
  return slot;
}

// The type a text value implies on its own.
Result<TypeRef> infer_type(const TextValue& v, TypeTable& table, size_t depth = 0) {
  if (depth > 100) return Error("the argument nests too deeply");
  if (v.annotation_table) {
    std::map<uint32_t, TypeRef> memo;
    return import_type(*v.annotation_table, v.annotation, table, memo);
  }
  switch (v.tag) {
    case TextValue::Tag::kNumber: {
      const std::string& t = v.text;
      bool is_float = t.find_first_of(".eE") != std::string::npos && t.rfind("0x", 0) != 0 && t.rfind("-0x", 0) != 0;
      if (is_float) return TypeRef::prim(Prim::kFloat64);
      bool signed_literal = !t.empty() && (t[0] == '-' || t[0] == '+');
      return TypeRef::prim(signed_literal ? Prim::kInt : Prim::kNat);
    }
    case TextValue::Tag::kText: return TypeRef::prim(Prim::kText);
    case TextValue::Tag::kBool: return TypeRef::prim(Prim::kBool);
    case TextValue::Tag::kNull: return TypeRef::prim(Prim::kNull);
    case TextValue::Tag::kPrincipal: return TypeRef::prim(Prim::kPrincipal);
    case TextValue::Tag::kBlob: return table.add_vec(TypeRef::prim(Prim::kNat8));
    case TextValue::Tag::kOpt: {
      CHORUS_ASSIGN_OR_RETURN(TypeRef inner, infer_type(v.items.at(0), table, depth + 1));
      return table.add_opt(inner);
    }
    case TextValue::Tag::kVec: {
      if (v.items.empty()) return table.add_vec(TypeRef::prim(Prim::kReserved));
      CHORUS_ASSIGN_OR_RETURN(TypeRef inner, infer_type(v.items[0], table, depth + 1));
      return table.add_vec(inner);
    }
    case TextValue::Tag::kRecord:
    case TextValue::Tag::kVariant: {
      std::vector<candid::Field> fields;
      for (size_t i = 0; i < v.items.size(); ++i) {
        CHORUS_ASSIGN_OR_RETURN(TypeRef t, infer_type(v.items[i], table, depth + 1));
        fields.push_back(candid::Field{v.ids.at(i), t});
      }
      return v.tag == TextValue::Tag::kRecord ? table.add_record(std::move(fields))
                                              : table.add_variant(std::move(fields));
    }
    case TextValue::Tag::kService:
    case TextValue::Tag::kFunc:
      return Error("service and func values need their type: annotate them, e.g. (service \"…\" : service {})");
  }
  return Error("unsupported value");
}

Result<std::vector<TextValue>> parse_text_args(std::string_view text) {
  std::string t(text);
  if (t.find_first_not_of(" \t\r\n") == std::string::npos) return std::vector<TextValue>();
  // A single value without the parentheses of an argument list is accepted, as dfx does.
  size_t first = t.find_first_not_of(" \t\r\n");
  if (t[first] != '(') t = "(" + t + ")";
  CHORUS_ASSIGN_OR_RETURN(candid::TextParser p, candid::TextParser::create(t));
  auto args = p.parse_args();
  if (!args.ok()) return args.error().with_context("cannot parse the Candid arguments");
  if (!p.at_end()) return Error("unexpected text after the Candid arguments " + p.where());
  return args;
}

Result<Bytes> encode_at(const std::vector<TextValue>& values, const TypeTable& table,
                        const std::vector<TypeRef>& types, const std::string& what) {
  if (values.size() > types.size()) {
    return Error(what + " takes " + std::to_string(types.size()) + " argument(s), " +
                 std::to_string(values.size()) + " given");
  }
  auto typed = candid::args_at_types(values, table, types);
  if (!typed.ok()) return typed.error().with_context("the arguments do not fit " + what);
  return candid::encode(table, types, *typed);
}

std::string signature_text(const candid::ArgTypes& t, const candid::FieldNames& names) {
  (void)names;
  std::string s = "(";
  for (size_t i = 0; i < t.types.size(); ++i) s += (i ? ", " : "") + t.table.to_text(t.types[i]);
  return s + ")";
}

nlohmann::json to_json(const candid::Value& v, const candid::FieldNames* names, size_t depth = 0) {
  using candid::ValueKind;
  if (depth > 200) return "…";
  auto label = [&](uint32_t id) {
    if (names) {
      if (auto it = names->find(id); it != names->end()) return it->second;
    }
    return std::to_string(id);
  };
  auto big = [](const BigInt& b) -> nlohmann::json {
    if (auto u = b.to_u64(); u && *u < (uint64_t{1} << 53)) return *u;
    if (auto i = b.to_i64(); i && *i > -(int64_t{1} << 53) && *i < (int64_t{1} << 53)) return *i;
    return b.to_decimal();  // beyond what JSON numbers hold exactly
  };
  switch (v.kind()) {
    case ValueKind::kNull:
    case ValueKind::kReserved: return nullptr;
    case ValueKind::kBool: return v.bool_value();
    case ValueKind::kNat:
    case ValueKind::kInt: return big(v.big_value());
    case ValueKind::kNat8:
    case ValueKind::kNat16:
    case ValueKind::kNat32: return v.nat_value();
    case ValueKind::kNat64: return big(BigInt::from_u64(v.nat_value()));
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32: return v.int_value();
    case ValueKind::kInt64: return big(BigInt::from_i64(v.int_value()));
    case ValueKind::kFloat32:
    case ValueKind::kFloat64: return v.float_value();
    case ValueKind::kText: return v.text_value();
    case ValueKind::kPrincipal:
    case ValueKind::kService: return v.principal_value().to_text();
    case ValueKind::kFunc: return nlohmann::json{{"service", v.func_value().service.to_text()}, {"method", v.func_value().method}};
    case ValueKind::kOpt: return v.has_value() ? to_json(v.opt_value(), names, depth + 1) : nlohmann::json(nullptr);
    case ValueKind::kBlob: return to_hex(v.blob_value());
    case ValueKind::kVec: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& x : v.items()) a.push_back(to_json(x, names, depth + 1));
      return a;
    }
    case ValueKind::kRecord: {
      bool tuple = !v.fields().empty();
      for (size_t i = 0; i < v.fields().size(); ++i) tuple = tuple && v.fields()[i].id == i;
      if (tuple) {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& f : v.fields()) a.push_back(to_json(f.value, names, depth + 1));
        return a;
      }
      nlohmann::json o = nlohmann::json::object();
      for (const auto& f : v.fields()) o[label(f.id)] = to_json(f.value, names, depth + 1);
      return o;
    }
    case ValueKind::kVariant: {
      const auto& f = v.fields().at(0);
      return nlohmann::json{{label(f.id), to_json(f.value, names, depth + 1)}};
    }
  }
  return nullptr;
}

// Candid text as dfx prints replies: numbers annotated with their type ("33 : nat32"), so that
// the text reads back at the same type without an interface. Leaves go through print_value.
class AnnotatedPrinter {
 public:
  AnnotatedPrinter(const TypeTable& table, const candid::FieldNames* names) : table_(table), names_(names) {}

  void print(std::string& out, const candid::Value& v, TypeRef t, size_t depth = 0) {
    using candid::ValueKind;
    const candid::TypeEntry* e = t.is_prim() || !table_.is_valid(t) ? nullptr : &table_.at(t);
    if (depth > 200) {
      out += "…";
      return;
    }
    const char* number = nullptr;
    switch (v.kind()) {
      case ValueKind::kNat: number = "nat"; break;
      case ValueKind::kInt: number = "int"; break;
      case ValueKind::kNat8: number = "nat8"; break;
      case ValueKind::kNat16: number = "nat16"; break;
      case ValueKind::kNat32: number = "nat32"; break;
      case ValueKind::kNat64: number = "nat64"; break;
      case ValueKind::kInt8: number = "int8"; break;
      case ValueKind::kInt16: number = "int16"; break;
      case ValueKind::kInt32: number = "int32"; break;
      case ValueKind::kInt64: number = "int64"; break;
      case ValueKind::kFloat32: number = "float32"; break;
      case ValueKind::kFloat64: number = "float64"; break;
      default: break;
    }
    if (number != nullptr) {
      out += candid::print_value(v, table_, t) + " : " + number;
      return;
    }
    switch (v.kind()) {
      case ValueKind::kOpt:
        if (!v.has_value()) {
          out += "null";
          return;
        }
        out += "opt ";
        print(out, v.opt_value(), e != nullptr && e->kind == candid::Kind::kOpt ? e->inner : TypeRef(), depth + 1);
        return;
      case ValueKind::kVec: {
        TypeRef inner = e != nullptr && e->kind == candid::Kind::kVec ? e->inner : TypeRef();
        out += "vec {";
        for (size_t i = 0; i < v.items().size(); ++i) {
          out += i == 0 ? " " : "; ";
          print(out, v.items()[i], inner, depth + 1);
        }
        out += v.items().empty() ? "}" : " }";
        return;
      }
      case ValueKind::kRecord:
      case ValueKind::kVariant: {
        bool record = v.is(ValueKind::kRecord);
        const auto& fields = v.fields();
        const std::vector<candid::Field>* types = nullptr;
        if (e != nullptr && e->kind == (record ? candid::Kind::kRecord : candid::Kind::kVariant)) types = &e->fields;
        bool tuple = record && !fields.empty();
        for (size_t i = 0; tuple && i < fields.size(); ++i) tuple = fields[i].id == i;
        out += record ? "record {" : "variant {";
        for (size_t i = 0; i < fields.size(); ++i) {
          const candid::FieldValue& f = fields[i];
          TypeRef ft;
          if (types != nullptr) {
            for (const candid::Field& x : *types) {
              if (x.id == f.id) ft = x.type;
            }
          }
          out += i == 0 ? " " : "; ";
          if (!tuple) {
            out += label(f.id);
            if (!record && f.value.is(ValueKind::kNull) && ft.is(Prim::kNull)) continue;
            out += " = ";
          }
          print(out, f.value, ft, depth + 1);
        }
        out += fields.empty() ? "}" : " }";
        return;
      }
      default: out += candid::print_value(v, table_, t, names_);
    }
  }

 private:
  std::string label(uint32_t id) const {
    if (names_ != nullptr) {
      if (auto it = names_->find(id); it != names_->end()) {
        const std::string& n = it->second;
        bool plain = !n.empty() && !std::isdigit(static_cast<unsigned char>(n[0]));
        for (char ch : n) plain = plain && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
        static const char* const kKeywords[] = {"blob", "bool", "composite_query", "empty", "false", "float32",
            "float64", "func", "import", "int", "int8", "int16", "int32", "int64", "nat", "nat8", "nat16",
            "nat32", "nat64", "null", "oneway", "opt", "principal", "query", "record", "reserved", "service",
            "text", "true", "type", "variant", "vec"};
        for (const char* k : kKeywords) plain = plain && n != k;
        if (plain) return n;
        std::string quoted = "\"";
        for (char ch : n) {
          if (ch == '"' || ch == '\\') quoted.push_back('\\');
          quoted.push_back(ch);
        }
        return quoted + "\"";
      }
    }
    return std::to_string(id);
  }

  const TypeTable& table_;
  const candid::FieldNames* names_;
};

std::string print_annotated(const candid::Args& args, const candid::FieldNames* names) {
  AnnotatedPrinter p(args.table, names);
  std::string out = "(";
  for (size_t i = 0; i < args.values.size(); ++i) {
    if (i) out += ", ";
    p.print(out, args.values[i], args.types[i]);
  }
  return out + ")";
}

}  // namespace

Result<std::optional<std::string>> module_candid_service(ByteView wasm) {
  CHORUS_ASSIGN_OR_RETURN(auto sections, custom_sections(wasm));
  for (const char* name : {"icp:public candid:service", "icp:private candid:service"}) {
    if (auto it = sections.find(name); it != sections.end()) {
      return std::optional<std::string>(std::string(as_chars(it->second)));
    }
  }
  return std::optional<std::string>();
}

Result<bool> module_has_eop_marker(ByteView wasm) {
  CHORUS_ASSIGN_OR_RETURN(auto sections, custom_sections(wasm));
  return sections.count("icp:public enhanced-orthogonal-persistence") > 0 ||
         sections.count("icp:private enhanced-orthogonal-persistence") > 0;
}

Result<bool> method_is_query(const candid::ServiceInterface& iface, std::string_view method) {
  auto m = iface.method(method);
  if (!m.ok()) {
    std::string list;
    for (const auto& n : iface.method_names()) list += (list.empty() ? "" : ", ") + n;
    return Error("the canister's interface has no method '" + std::string(method) + "'; it has: " + list);
  }
  return m->is_query();
}

Result<Bytes> encode_untyped_args(std::string_view text) {
  CHORUS_ASSIGN_OR_RETURN(std::vector<TextValue> values, parse_text_args(text));
  TypeTable table;
  std::vector<TypeRef> types;
  for (const TextValue& v : values) {
    CHORUS_ASSIGN_OR_RETURN(TypeRef t, infer_type(v, table));
    types.push_back(t);
  }
  return encode_at(values, table, types, "the arguments");
}

Result<Bytes> encode_method_args(const candid::ServiceInterface* iface, std::string_view method,
                                 std::string_view text) {
  if (iface == nullptr) return encode_untyped_args(text);
  CHORUS_ASSIGN_OR_RETURN(std::vector<TextValue> values, parse_text_args(text));
  auto m = iface->method(method);
  if (!m.ok()) {
    CHORUS_ASSIGN_OR_RETURN(bool q, method_is_query(*iface, method));  // the error that lists methods
    (void)q;
    return m.error();
  }
  return encode_at(values, m->args.table, m->args.types,
                   std::string(method) + " " + signature_text(m->args, iface->field_names()));
}

Result<Bytes> encode_init_args(const candid::ServiceInterface* iface, std::string_view text) {
  if (iface == nullptr) return encode_untyped_args(text);
  CHORUS_ASSIGN_OR_RETURN(std::vector<TextValue> values, parse_text_args(text));
  candid::ArgTypes t = iface->init_arg_types();
  return encode_at(values, t.table, t.types, "the installation " + signature_text(t, iface->field_names()));
}

Result<std::string> format_reply(const candid::ServiceInterface* iface, std::string_view method,
                                 ByteView reply, OutputFormat format) {
  if (format == OutputFormat::kRaw) return to_hex(reply);
  const candid::FieldNames* names = nullptr;
  candid::Args args;
  if (iface != nullptr) {
    CHORUS_ASSIGN_OR_RETURN(candid::MethodType m, iface->method(method));
    auto values = candid::decode(reply, m.results);
    if (!values.ok()) return values.error().with_context("the reply does not match " + std::string(method) + "'s result types");
    args.table = m.results.table;
    args.types = m.results.types;
    args.values = std::move(*values);
    names = &iface->field_names();
  } else {
    auto any = candid::decode_any(reply);
    if (!any.ok()) return any.error().with_context("the reply is not a Candid message (try --output raw)");
    args = std::move(*any);
  }
  if (format == OutputFormat::kCandid) return print_annotated(args, names);
  nlohmann::json out;
  if (args.values.size() == 1) {
    out = to_json(args.values[0], names);
  } else {
    out = nlohmann::json::array();
    for (const auto& v : args.values) out.push_back(to_json(v, names));
  }
  return out.dump(2);
}

}  // namespace chorus::cli
