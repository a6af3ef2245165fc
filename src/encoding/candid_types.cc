#include "encoding/candid_types.h"

#include <algorithm>

#include "base/utf8.h"

namespace chorus::candid {

bool is_prim_opcode(int64_t opcode) {
  return (opcode <= -1 && opcode >= -17) || opcode == static_cast<int64_t>(Prim::kPrincipal);
}

std::string_view prim_name(Prim p) {
  switch (p) {
    case Prim::kNull: return "null";
    case Prim::kBool: return "bool";
    case Prim::kNat: return "nat";
    case Prim::kInt: return "int";
    case Prim::kNat8: return "nat8";
    case Prim::kNat16: return "nat16";
    case Prim::kNat32: return "nat32";
    case Prim::kNat64: return "nat64";
    case Prim::kInt8: return "int8";
    case Prim::kInt16: return "int16";
    case Prim::kInt32: return "int32";
    case Prim::kInt64: return "int64";
    case Prim::kFloat32: return "float32";
    case Prim::kFloat64: return "float64";
    case Prim::kText: return "text";
    case Prim::kReserved: return "reserved";
    case Prim::kEmpty: return "empty";
    case Prim::kPrincipal: return "principal";
  }
  return "?";
}

TypeRef TypeTable::add(TypeEntry entry) {
  entries_.push_back(std::move(entry));
  return TypeRef::index(static_cast<uint32_t>(entries_.size() - 1));
}

TypeRef TypeTable::add_opt(TypeRef inner) {
  TypeEntry e;
  e.kind = Kind::kOpt;
  e.inner = inner;
  return add(std::move(e));
}

TypeRef TypeTable::add_vec(TypeRef inner) {
  TypeEntry e;
  e.kind = Kind::kVec;
  e.inner = inner;
  return add(std::move(e));
}

namespace {
void sort_fields(std::vector<Field>& fields) {
  std::sort(fields.begin(), fields.end(),
            [](const Field& a, const Field& b) { return a.id < b.id; });
}
}  // namespace

TypeRef TypeTable::add_record(std::vector<Field> fields) {
  sort_fields(fields);
  TypeEntry e;
  e.kind = Kind::kRecord;
  e.fields = std::move(fields);
  return add(std::move(e));
}

TypeRef TypeTable::add_variant(std::vector<Field> fields) {
  sort_fields(fields);
  TypeEntry e;
  e.kind = Kind::kVariant;
  e.fields = std::move(fields);
  return add(std::move(e));
}

TypeRef TypeTable::add_func(std::vector<TypeRef> args, std::vector<TypeRef> results,
                            std::vector<FuncMode> modes) {
  TypeEntry e;
  e.kind = Kind::kFunc;
  e.args = std::move(args);
  e.results = std::move(results);
  e.modes = std::move(modes);
  return add(std::move(e));
}

TypeRef TypeTable::add_service(std::vector<Method> methods) {
  std::sort(methods.begin(), methods.end(),
            [](const Method& a, const Method& b) { return a.name < b.name; });
  TypeEntry e;
  e.kind = Kind::kService;
  e.methods = std::move(methods);
  return add(std::move(e));
}

TypeRef TypeTable::reserve() { return add(TypeEntry{}); }

void TypeTable::set(TypeRef ref, TypeEntry entry) { entries_[ref.as_index()] = std::move(entry); }

bool TypeTable::is_valid(TypeRef ref) const {
  return ref.is_prim() ? is_prim_opcode(ref.code()) : ref.as_index() < entries_.size();
}

Status TypeTable::validate() const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    const TypeEntry& e = entries_[i];
    auto bad = [&](const std::string& what) {
      return Error("type table entry " + std::to_string(i) + ": " + what);
    };
    auto check_ref = [&](TypeRef r) { return is_valid(r); };
    switch (e.kind) {
      case Kind::kOpt:
      case Kind::kVec:
        if (!check_ref(e.inner)) return bad("type reference out of range");
        break;
      case Kind::kRecord:
      case Kind::kVariant:
        for (size_t f = 0; f < e.fields.size(); ++f) {
          if (!check_ref(e.fields[f].type)) return bad("field type reference out of range");
          if (f > 0 && e.fields[f - 1].id >= e.fields[f].id) {
            return bad("field ids not strictly increasing at id " + std::to_string(e.fields[f].id));
          }
        }
        break;
      case Kind::kFunc:
        for (TypeRef r : e.args) {
          if (!check_ref(r)) return bad("function argument type out of range");
        }
        for (TypeRef r : e.results) {
          if (!check_ref(r)) return bad("function result type out of range");
        }
        for (FuncMode m : e.modes) {
          if (m != FuncMode::kQuery && m != FuncMode::kOneway && m != FuncMode::kCompositeQuery) {
            return bad("unknown function annotation " + std::to_string(static_cast<int>(m)));
          }
        }
        break;
      case Kind::kService:
        for (size_t m = 0; m < e.methods.size(); ++m) {
          const Method& method = e.methods[m];
          if (!is_valid_utf8(method.name)) return bad("method name is not valid UTF-8");
          if (method.type.is_prim() || !check_ref(method.type) ||
              at(method.type).kind != Kind::kFunc) {
            return bad("method '" + method.name + "' does not have a function type");
          }
          if (m > 0 && !(e.methods[m - 1].name < method.name)) {
            return bad("method names not strictly increasing at '" + method.name + "'");
          }
        }
        break;
      case Kind::kFuture:
        if (e.future_opcode >= kOpcodeLastKnown) return bad("future type with a known opcode");
        break;
    }
  }
  return ok_status();
}

std::string TypeTable::to_text(TypeRef ref) const {
  if (ref.is_prim()) {
    return is_prim_opcode(ref.code()) ? std::string(prim_name(ref.as_prim()))
                                      : "<opcode " + std::to_string(ref.code()) + ">";
  }
  if (ref.as_index() >= entries_.size()) return "<t" + std::to_string(ref.as_index()) + "?>";
  const TypeEntry& e = at(ref);
  auto name = [&](TypeRef r) { return r.is_prim() ? to_text(r) : "t" + std::to_string(r.code()); };
  auto list = [&](const std::vector<TypeRef>& refs) {
    std::string s = "(";
    for (size_t i = 0; i < refs.size(); ++i) s += (i ? ", " : "") + name(refs[i]);
    return s + ")";
  };
  switch (e.kind) {
    case Kind::kOpt: return "opt " + name(e.inner);
    case Kind::kVec: return "vec " + name(e.inner);
    case Kind::kRecord:
    case Kind::kVariant: {
      std::string s = e.kind == Kind::kRecord ? "record {" : "variant {";
      for (const Field& f : e.fields) s += " " + std::to_string(f.id) + " : " + name(f.type) + ";";
      return s + (e.fields.empty() ? "}" : " }");
    }
    case Kind::kFunc: {
      std::string s = "func " + list(e.args) + " -> " + list(e.results);
      for (FuncMode m : e.modes) {
        s += m == FuncMode::kQuery            ? " query"
             : m == FuncMode::kOneway         ? " oneway"
             : m == FuncMode::kCompositeQuery ? " composite_query"
                                              : " ?";
      }
      return s;
    }
    case Kind::kService: {
      std::string s = "service {";
      for (const Method& m : e.methods) s += " \"" + m.name + "\" : " + name(m.type) + ";";
      return s + (e.methods.empty() ? "}" : " }");
    }
    case Kind::kFuture: return "<future type " + std::to_string(e.future_opcode) + ">";
  }
  return "?";
}

uint32_t field_hash(std::string_view name) {
  uint32_t h = 0;
  for (unsigned char c : name) h = h * 223 + c;
  return h;
}

bool is_nullable(const TypeTable& table, TypeRef ref) {
  if (ref.is_prim()) return ref.is(Prim::kNull) || ref.is(Prim::kReserved);
  return ref.as_index() < table.size() && table.at(ref).kind == Kind::kOpt;
}

}  // namespace chorus::candid
