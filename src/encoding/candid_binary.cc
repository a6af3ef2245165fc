#include "encoding/candid_binary.h"

#include <algorithm>
#include <bit>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "base/leb128.h"
#include "base/utf8.h"

namespace chorus::candid {
namespace {

constexpr uint64_t kMaxFieldId = 0xffffffffu;
constexpr uint64_t kBytesPerCostUnit = 16;
constexpr uint64_t kMaxReserve = 1024;

// ---------------------------------------------------------------------------------------------
// Subtyping.

class SubtypeChecker {
 public:
  // |steps| bounds the pairs of types compared; a hostile type table cannot make the check slow.
  SubtypeChecker(size_t max_depth, uint64_t steps) : max_depth_(max_depth), steps_left_(steps) {}

  bool exhausted() const { return exhausted_; }

  bool check(const TypeTable& ta, TypeRef a, const TypeTable& tb, TypeRef b) {
    if (&ta == &tb && a == b) return true;
    if (b.is(Prim::kReserved) || a.is(Prim::kEmpty)) return true;
    if (!b.is_prim() && tb.at(b).kind == Kind::kOpt) return true;
    if (a.is_prim() && b.is_prim()) {
      return a == b || (a.is(Prim::kNat) && b.is(Prim::kInt));
    }
    if (b.is(Prim::kPrincipal)) return !a.is_prim() && ta.at(a).kind == Kind::kService;
    if (a.is_prim() || b.is_prim()) return false;
    if (exhausted_ || depth_ >= max_depth_ || steps_left_ == 0) {
      exhausted_ = true;
      return false;
    }
    --steps_left_;
    // The same pair may be met in both directions (function arguments are contravariant); the
    // direction is part of the key.
    Key key{&ta, a.as_index(), b.as_index()};
    if (refuted_.count(key)) return false;
    if (assumed_.count(key)) return true;
    assumed_.insert(key);
    ++depth_;
    bool result = check_entries(ta, ta.at(a), tb, tb.at(b));
    --depth_;
    if (!result) {
      assumed_.erase(key);
      refuted_.insert(key);
    }
    return result;
  }

 private:
  using Key = std::tuple<const TypeTable*, uint32_t, uint32_t>;

  // Missing trailing arguments or results, and missing record fields, are fine when nullable.
  bool check_sequence(const TypeTable& ta, const std::vector<TypeRef>& as, const TypeTable& tb,
                      const std::vector<TypeRef>& bs) {
    for (size_t i = 0; i < bs.size(); ++i) {
      if (i < as.size()) {
        if (!check(ta, as[i], tb, bs[i])) return false;
      } else if (!is_nullable(tb, bs[i])) {
        return false;
      }
    }
    return true;
  }

  bool check_entries(const TypeTable& ta, const TypeEntry& a, const TypeTable& tb,
                     const TypeEntry& b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case Kind::kOpt:  // b is never an opt here
        return false;
      case Kind::kVec: return check(ta, a.inner, tb, b.inner);
      case Kind::kRecord: {
        size_t i = 0;
        for (const Field& fb : b.fields) {
          while (i < a.fields.size() && a.fields[i].id < fb.id) ++i;
          if (i < a.fields.size() && a.fields[i].id == fb.id) {
            if (!check(ta, a.fields[i].type, tb, fb.type)) return false;
          } else if (!is_nullable(tb, fb.type)) {
            return false;
          }
        }
        return true;
      }
      case Kind::kVariant: {
        size_t j = 0;
        for (const Field& fa : a.fields) {
          while (j < b.fields.size() && b.fields[j].id < fa.id) ++j;
          if (j == b.fields.size() || b.fields[j].id != fa.id) return false;
          if (!check(ta, fa.type, tb, b.fields[j].type)) return false;
        }
        return true;
      }
      case Kind::kFunc: {
        std::set<FuncMode> ma(a.modes.begin(), a.modes.end());
        std::set<FuncMode> mb(b.modes.begin(), b.modes.end());
        if (ma != mb) return false;
        return check_sequence(ta, a.results, tb, b.results) &&
               check_sequence(tb, b.args, ta, a.args);
      }
      case Kind::kService: {
        size_t i = 0;
        for (const Method& mb : b.methods) {
          while (i < a.methods.size() && a.methods[i].name < mb.name) ++i;
          if (i == a.methods.size() || a.methods[i].name != mb.name) return false;
          if (!check(ta, a.methods[i].type, tb, mb.type)) return false;
        }
        return true;
      }
      case Kind::kFuture: return false;
    }
    return false;
  }

  size_t max_depth_;
  uint64_t steps_left_;
  size_t depth_ = 0;
  bool exhausted_ = false;
  std::set<Key> assumed_;
  std::set<Key> refuted_;
};

// ---------------------------------------------------------------------------------------------
// Type table.

Result<TypeRef> read_type_ref(ByteReader& in, uint64_t table_size) {
  CHORUS_ASSIGN_OR_RETURN(int64_t code, read_sleb128(in));
  if (code < 0) {
    if (!is_prim_opcode(code)) {
      return Error("type opcode " + std::to_string(code) + " is not a primitive type");
    }
    return TypeRef::prim(static_cast<Prim>(code));
  }
  if (static_cast<uint64_t>(code) >= table_size) {
    return Error("type index " + std::to_string(code) + " out of range (table has " +
                 std::to_string(table_size) + " entries)");
  }
  return TypeRef::index(static_cast<uint32_t>(code));
}

// A count of items that each take at least |min_bytes| bytes, checked against what is left so
// that a huge count fails before anything is allocated.
Result<uint64_t> read_count(ByteReader& in, std::string_view what, size_t min_bytes) {
  CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_uleb128(in));
  if (n > in.remaining() / min_bytes) {
    return Error(std::string(what) + " count " + std::to_string(n) + " exceeds the input left");
  }
  return n;
}

Result<std::vector<TypeRef>> read_type_refs(ByteReader& in, uint64_t table_size,
                                            std::string_view what) {
  CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_count(in, what, 1));
  std::vector<TypeRef> refs;
  refs.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    CHORUS_ASSIGN_OR_RETURN(TypeRef r, read_type_ref(in, table_size));
    refs.push_back(r);
  }
  return refs;
}

Result<TypeEntry> read_entry(ByteReader& in, uint64_t table_size) {
  CHORUS_ASSIGN_OR_RETURN(int64_t opcode, read_sleb128(in));
  TypeEntry e;
  switch (opcode) {
    case kOpcodeOpt:
    case kOpcodeVec: {
      e.kind = opcode == kOpcodeOpt ? Kind::kOpt : Kind::kVec;
      CHORUS_ASSIGN_OR_RETURN(e.inner, read_type_ref(in, table_size));
      return e;
    }
    case kOpcodeRecord:
    case kOpcodeVariant: {
      e.kind = opcode == kOpcodeRecord ? Kind::kRecord : Kind::kVariant;
      CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_count(in, "field", 2));
      e.fields.reserve(n);
      for (uint64_t i = 0; i < n; ++i) {
        CHORUS_ASSIGN_OR_RETURN(uint64_t id, read_uleb128(in));
        if (id > kMaxFieldId) return Error("field id " + std::to_string(id) + " exceeds 32 bits");
        CHORUS_ASSIGN_OR_RETURN(TypeRef t, read_type_ref(in, table_size));
        if (!e.fields.empty() && e.fields.back().id >= id) {
          return Error("field ids not strictly increasing at id " + std::to_string(id));
        }
        e.fields.push_back(Field{static_cast<uint32_t>(id), t});
      }
      return e;
    }
    case kOpcodeFunc: {
      e.kind = Kind::kFunc;
      CHORUS_ASSIGN_OR_RETURN(e.args, read_type_refs(in, table_size, "function argument"));
      CHORUS_ASSIGN_OR_RETURN(e.results, read_type_refs(in, table_size, "function result"));
      CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_count(in, "function annotation", 1));
      for (uint64_t i = 0; i < n; ++i) {
        CHORUS_ASSIGN_OR_RETURN(uint8_t m, in.read_u8("function annotation"));
        if (m < 1 || m > 3) return Error("unknown function annotation " + std::to_string(m));
        e.modes.push_back(static_cast<FuncMode>(m));
      }
      return e;
    }
    case kOpcodeService: {
      e.kind = Kind::kService;
      CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_count(in, "method", 2));
      for (uint64_t i = 0; i < n; ++i) {
        CHORUS_ASSIGN_OR_RETURN(uint64_t len, read_count(in, "method name byte", 1));
        CHORUS_ASSIGN_OR_RETURN(ByteView name, in.read_bytes(len, "method name"));
        if (!is_valid_utf8(as_chars(name))) return Error("method name is not valid UTF-8");
        CHORUS_ASSIGN_OR_RETURN(TypeRef t, read_type_ref(in, table_size));
        e.methods.push_back(Method{std::string(as_chars(name)), t});
      }
      return e;  // sortedness and method types are checked by TypeTable::validate
    }
    default: break;
  }
  if (opcode < kOpcodeLastKnown) {
    e.kind = Kind::kFuture;
    e.future_opcode = opcode;
    CHORUS_ASSIGN_OR_RETURN(uint64_t len, read_count(in, "future type byte", 1));
    CHORUS_ASSIGN_OR_RETURN(ByteView data, in.read_bytes(len, "future type"));
    e.future_data.assign(data.begin(), data.end());
    return e;
  }
  return Error("opcode " + std::to_string(opcode) + " cannot be a type table entry");
}

Result<ArgTypes> read_header(ByteReader& in, const DecodeLimits& limits) {
  CHORUS_ASSIGN_OR_RETURN(ByteView magic, in.read_bytes(4, "magic"));
  if (as_chars(magic) != std::string_view(kMagic, 4)) {
    return Error("not a Candid message: missing \"DIDL\" magic");
  }
  ArgTypes out;
  CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_count(in, "type table entry", 2));
  if (n > limits.max_table_entries) {
    return Error("type table of " + std::to_string(n) + " entries exceeds the limit of " +
                 std::to_string(limits.max_table_entries));
  }
  for (uint64_t i = 0; i < n; ++i) {
    auto e = read_entry(in, n);
    if (!e.ok()) return e.error().with_context("type table entry " + std::to_string(i));
    out.table.add(std::move(e).value());
  }
  CHORUS_RETURN_IF_ERROR(out.table.validate());
  auto args = read_type_refs(in, n, "argument");
  if (!args.ok()) return args.error().with_context("argument types");
  out.types = std::move(args).value();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values.

constexpr size_t kMaxContextMessage = 300;

std::string short_name(const TypeTable& table, TypeRef t) {
  if (t.is_prim()) return table.to_text(t);
  static constexpr const char* kKinds[] = {"opt",  "vec",     "record",     "variant",
                                           "func", "service", "future type"};
  return std::string(kKinds[static_cast<int>(table.at(t).kind)]) + " (type " +
         std::to_string(t.as_index()) + ")";
}

// The value a nullable type reads as when it is absent.
Value absent_value(TypeRef t) {
  if (t.is(Prim::kNull)) return Value::null();
  if (t.is(Prim::kReserved)) return Value::reserved();
  return Value::none();
}

class Decoder {
 public:
  Decoder(ByteView data, const DecodeLimits& limits)
      : data_(data),
        in_(data),
        limits_(limits),
        budget_(limits.base_cost + limits.cost_per_byte * data.size()),
        subtypes_(limits.max_depth, limits.base_cost) {}

  ByteReader& in() { return in_; }

  void set_tables(const TypeTable* wire, const TypeTable* expected) {
    wire_ = wire;
    exp_ = expected;
  }

  // Top level: arguments are read like the fields of a tuple record.
  Result<std::vector<Value>> decode_args(const std::vector<TypeRef>& wire_args,
                                         std::span<const TypeRef> types) {
    std::vector<Value> out;
    out.reserve(types.size());
    for (size_t i = 0; i < types.size(); ++i) {
      if (i < wire_args.size()) {
        auto v = coerce(wire_args[i], types[i]);
        if (!v.ok()) return std::move(v).error().with_context("argument " + std::to_string(i));
        out.push_back(std::move(v).value());
      } else if (is_nullable(*exp_, types[i])) {
        out.push_back(absent_value(types[i]));
      } else {
        return Error("argument " + std::to_string(i) + " of type " + exp_->to_text(types[i]) +
                     " is missing");
      }
    }
    for (size_t i = types.size(); i < wire_args.size(); ++i) {
      auto s = skip(wire_args[i]);
      if (!s.ok()) return std::move(s).error().with_context("argument " + std::to_string(i));
    }
    if (!in_.at_end()) {
      return Error(std::to_string(in_.remaining()) + " bytes left after the last argument");
    }
    return out;
  }

  // Reads a value of wire type |w| and returns it at expected type |e|.
  Result<Value> coerce(TypeRef w, TypeRef e) {
    CHORUS_RETURN_IF_ERROR(enter());
    auto r = coerce_inner(w, e);
    --depth_;
    return r;
  }

  // Reads a value of wire type |w|, validating it, and discards it.
  Status skip(TypeRef w) {
    CHORUS_RETURN_IF_ERROR(enter());
    auto r = skip_inner(w);
    --depth_;
    return r;
  }

 private:
  Status enter() {
    if (depth_ >= limits_.max_depth) {
      return fatal("values nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    if (budget_ == 0) return fatal("decoding cost exceeds the limit for this message size");
    --budget_;
    ++depth_;
    return ok_status();
  }

  // Bulk bytes (text, blobs, big numbers) cost a little too, so that re-reading them when an opt
  // falls back to null cannot multiply the work without bound.
  Status charge_bytes(uint64_t n) {
    uint64_t cost = n / kBytesPerCostUnit;
    if (cost > budget_) return fatal("decoding cost exceeds the limit for this message size");
    budget_ -= cost;
    return ok_status();
  }

  // Most numbers on the wire fit in 63 bits (nine LEB128 bytes); reading those without the
  // arbitrary-precision path saves two allocations per value. Returns the value and the length.
  std::optional<std::pair<uint64_t, size_t>> small_leb128() const {
    size_t pos = in_.position();
    uint64_t v = 0;
    for (size_t i = 0; i < 9 && pos + i < data_.size(); ++i) {
      uint8_t b = data_[pos + i];
      v |= uint64_t{static_cast<uint8_t>(b & 0x7f)} << (7 * i);
      if ((b & 0x80) == 0) return std::pair{v, i + 1};
    }
    return std::nullopt;
  }

  Result<BigInt> read_nat() {
    if (auto small = small_leb128()) {
      (void)in_.read_bytes(small->second);
      return BigInt::from_u64(small->first);
    }
    size_t start = in_.position();
    auto n = read_uleb128_big(in_);
    CHORUS_RETURN_IF_ERROR(charge_bytes(in_.position() - start));
    return n;
  }

  Result<BigInt> read_int() {
    if (auto small = small_leb128()) {
      auto [v, length] = *small;
      if ((data_[in_.position() + length - 1] & 0x40) != 0) v |= ~uint64_t{0} << (7 * length);
      (void)in_.read_bytes(length);
      return BigInt::from_i64(static_cast<int64_t>(v));
    }
    size_t start = in_.position();
    auto n = read_sleb128_big(in_);
    CHORUS_RETURN_IF_ERROR(charge_bytes(in_.position() - start));
    return n;
  }

  // Resource limits are not type mismatches: an opt must not turn them into null.
  Error fatal(const std::string& message) {
    fatal_ = true;
    return Error(message);
  }

  const TypeEntry* wire_entry(TypeRef w) const { return w.is_prim() ? nullptr : &wire_->at(w); }
  const TypeEntry* exp_entry(TypeRef e) const { return e.is_prim() ? nullptr : &exp_->at(e); }

  // Under an opt, errors are made and dropped for every value that does not fit, so they must
  // stay cheap: types are named briefly, and the path is only prefixed while the message is short
  // (a failure deep down would otherwise copy a growing message at every level).
  Error mismatch(TypeRef w, TypeRef e) const {
    return Error("cannot read a value of type " + short_name(*wire_, w) + " as " +
                 short_name(*exp_, e));
  }

  static Error in_context(Error error, const char* what, uint64_t index) {
    if (error.message().size() > kMaxContextMessage) return error;
    return error.with_context(what + std::to_string(index));
  }

  void seek(size_t pos) {
    in_ = ByteReader(data_);
    (void)in_.read_bytes(pos);
  }

  // The opt rule: a value that does not coerce is validated at its wire type and reads as null.
  Result<Value> attempt(TypeRef w, TypeRef e) {
    size_t pos = in_.position();
    auto v = coerce(w, e);
    if (v.ok()) return Value::some(std::move(v).value());
    if (fatal_) return std::move(v).error();
    seek(pos);
    CHORUS_RETURN_IF_ERROR(skip(w));
    return Value::none();
  }

  Result<Value> coerce_inner(TypeRef w, TypeRef e) {
    if (e.is(Prim::kReserved)) {
      CHORUS_RETURN_IF_ERROR(skip(w));
      return Value::reserved();
    }
    const TypeEntry* ee = exp_entry(e);
    const TypeEntry* we = wire_entry(w);
    if (ee != nullptr && ee->kind == Kind::kFuture) {
      CHORUS_RETURN_IF_ERROR(skip(w));
      return Value::reserved();
    }
    if (ee != nullptr && ee->kind == Kind::kOpt) {
      if (w.is(Prim::kNull) || w.is(Prim::kReserved)) return Value::none();
      if (we != nullptr && we->kind == Kind::kOpt) {
        CHORUS_ASSIGN_OR_RETURN(uint8_t tag, in_.read_u8("opt tag"));
        if (tag == 0) return Value::none();
        if (tag != 1) return Error("invalid opt tag " + std::to_string(tag));
        return attempt(we->inner, ee->inner);
      }
      return attempt(w, ee->inner);
    }
    if (w.is(Prim::kEmpty)) return Error("there is no value of type empty");
    if (ee == nullptr) return coerce_prim(w, e);
    if (we == nullptr || we->kind != ee->kind) return mismatch(w, e);
    switch (ee->kind) {
      case Kind::kVec: return coerce_vec(*we, *ee);
      case Kind::kRecord: return coerce_record(*we, *ee);
      case Kind::kVariant: {
        CHORUS_ASSIGN_OR_RETURN(uint64_t index, read_uleb128(in_));
        if (index >= we->fields.size()) {
          return Error("variant index " + std::to_string(index) + " out of range");
        }
        const Field& wf = we->fields[index];
        auto it = std::lower_bound(ee->fields.begin(), ee->fields.end(), wf.id,
                                   [](const Field& f, uint32_t id) { return f.id < id; });
        if (it == ee->fields.end() || it->id != wf.id) {
          return Error("variant case " + std::to_string(wf.id) + " is not in the expected type");
        }
        auto v = coerce(wf.type, it->type);
        if (!v.ok()) return in_context(std::move(v).error(), "variant case ", wf.id);
        return Value::variant(wf.id, std::move(v).value());
      }
      case Kind::kFunc: {
        CHORUS_RETURN_IF_ERROR(check_subtype(w, e));
        CHORUS_ASSIGN_OR_RETURN(uint8_t tag, in_.read_u8("func reference tag"));
        if (tag != 1) return Error("unsupported func reference tag " + std::to_string(tag));
        CHORUS_ASSIGN_OR_RETURN(Principal p, read_principal());
        CHORUS_ASSIGN_OR_RETURN(std::string method, read_text());
        return Value::func(p, std::move(method));
      }
      case Kind::kService: {
        CHORUS_RETURN_IF_ERROR(check_subtype(w, e));
        CHORUS_ASSIGN_OR_RETURN(Principal p, read_principal());
        return Value::service(p);
      }
      case Kind::kOpt:
      case Kind::kFuture: break;  // handled above
    }
    return mismatch(w, e);
  }

  Status check_subtype(TypeRef w, TypeRef e) {
    bool ok = subtypes_.check(*wire_, w, *exp_, e);
    if (subtypes_.exhausted()) return fatal("subtype check exceeds its limits");
    if (!ok) return mismatch(w, e);
    return ok_status();
  }

  Result<Value> coerce_prim(TypeRef w, TypeRef e) {
    Prim p = e.as_prim();
    if (p == Prim::kPrincipal) {
      const TypeEntry* we = wire_entry(w);
      if (!w.is(Prim::kPrincipal) && !(we != nullptr && we->kind == Kind::kService)) {
        return mismatch(w, e);
      }
      CHORUS_ASSIGN_OR_RETURN(Principal pr, read_principal());
      return Value::principal(pr);
    }
    if (p == Prim::kInt && w.is(Prim::kNat)) {
      CHORUS_ASSIGN_OR_RETURN(BigInt n, read_nat());
      return Value::integer(std::move(n));
    }
    if (w != e) return mismatch(w, e);
    switch (p) {
      case Prim::kNull: return Value::null();
      case Prim::kBool: {
        CHORUS_ASSIGN_OR_RETURN(bool b, read_bool());
        return Value::boolean(b);
      }
      case Prim::kNat: {
        CHORUS_ASSIGN_OR_RETURN(BigInt n, read_nat());
        return Value::nat(std::move(n));
      }
      case Prim::kInt: {
        CHORUS_ASSIGN_OR_RETURN(BigInt n, read_int());
        return Value::integer(std::move(n));
      }
      case Prim::kNat8: {
        CHORUS_ASSIGN_OR_RETURN(uint8_t v, in_.read_le<uint8_t>("nat8"));
        return Value::nat8(v);
      }
      case Prim::kNat16: {
        CHORUS_ASSIGN_OR_RETURN(uint16_t v, in_.read_le<uint16_t>("nat16"));
        return Value::nat16(v);
      }
      case Prim::kNat32: {
        CHORUS_ASSIGN_OR_RETURN(uint32_t v, in_.read_le<uint32_t>("nat32"));
        return Value::nat32(v);
      }
      case Prim::kNat64: {
        CHORUS_ASSIGN_OR_RETURN(uint64_t v, in_.read_le<uint64_t>("nat64"));
        return Value::nat64(v);
      }
      case Prim::kInt8: {
        CHORUS_ASSIGN_OR_RETURN(uint8_t v, in_.read_le<uint8_t>("int8"));
        return Value::int8(static_cast<int8_t>(v));
      }
      case Prim::kInt16: {
        CHORUS_ASSIGN_OR_RETURN(uint16_t v, in_.read_le<uint16_t>("int16"));
        return Value::int16(static_cast<int16_t>(v));
      }
      case Prim::kInt32: {
        CHORUS_ASSIGN_OR_RETURN(uint32_t v, in_.read_le<uint32_t>("int32"));
        return Value::int32(static_cast<int32_t>(v));
      }
      case Prim::kInt64: {
        CHORUS_ASSIGN_OR_RETURN(uint64_t v, in_.read_le<uint64_t>("int64"));
        return Value::int64(static_cast<int64_t>(v));
      }
      case Prim::kFloat32: {
        CHORUS_ASSIGN_OR_RETURN(uint32_t v, in_.read_le<uint32_t>("float32"));
        return Value::float32(std::bit_cast<float>(v));
      }
      case Prim::kFloat64: {
        CHORUS_ASSIGN_OR_RETURN(uint64_t v, in_.read_le<uint64_t>("float64"));
        return Value::float64(std::bit_cast<double>(v));
      }
      case Prim::kText: {
        CHORUS_ASSIGN_OR_RETURN(std::string s, read_text());
        return Value::text(std::move(s));
      }
      case Prim::kEmpty: return Error("there is no value of type empty");
      case Prim::kReserved:
      case Prim::kPrincipal: break;  // handled above
    }
    return mismatch(w, e);
  }

  Result<Value> coerce_vec(const TypeEntry& we, const TypeEntry& ee) {
    CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_uleb128(in_));
    if (ee.inner.is(Prim::kNat8)) {
      if (we.inner.is(Prim::kNat8)) {
        if (n > in_.remaining()) return Error("blob length exceeds the input left");
        CHORUS_RETURN_IF_ERROR(charge_bytes(n));
        CHORUS_ASSIGN_OR_RETURN(ByteView b, in_.read_bytes(n, "blob"));
        return Value::blob(Bytes(b.begin(), b.end()));
      }
      Bytes out;
      for (uint64_t i = 0; i < n; ++i) {
        CHORUS_ASSIGN_OR_RETURN(Value v, coerce(we.inner, ee.inner));
        out.push_back(static_cast<uint8_t>(v.nat_value()));
      }
      return Value::blob(std::move(out));
    }
    std::vector<Value> items;
    // Reserve no more than a little: the count is untrusted and elements may take no bytes.
    items.reserve(std::min<uint64_t>(n, kMaxReserve));
    for (uint64_t i = 0; i < n; ++i) {
      auto v = coerce(we.inner, ee.inner);
      if (!v.ok()) return in_context(std::move(v).error(), "vec element ", i);
      items.push_back(std::move(v).value());
    }
    return Value::vec(std::move(items));
  }

  Result<Value> coerce_record(const TypeEntry& we, const TypeEntry& ee) {
    std::vector<FieldValue> out;
    out.reserve(ee.fields.size());
    size_t j = 0;
    auto missing = [&](const Field& f) -> Status {
      if (!is_nullable(*exp_, f.type)) {
        return Error("record field " + std::to_string(f.id) + " is missing");
      }
      out.push_back(FieldValue{f.id, absent_value(f.type)});
      return ok_status();
    };
    for (const Field& wf : we.fields) {
      while (j < ee.fields.size() && ee.fields[j].id < wf.id) {
        CHORUS_RETURN_IF_ERROR(missing(ee.fields[j]));
        ++j;
      }
      if (j < ee.fields.size() && ee.fields[j].id == wf.id) {
        auto v = coerce(wf.type, ee.fields[j].type);
        if (!v.ok()) return in_context(std::move(v).error(), "field ", wf.id);
        out.push_back(FieldValue{wf.id, std::move(v).value()});
        ++j;
      } else {
        CHORUS_RETURN_IF_ERROR(skip(wf.type));
      }
    }
    for (; j < ee.fields.size(); ++j) CHORUS_RETURN_IF_ERROR(missing(ee.fields[j]));
    return Value::record(std::move(out));
  }

  Status skip_inner(TypeRef w) {
    if (w.is_prim()) {
      switch (w.as_prim()) {
        case Prim::kNull:
        case Prim::kReserved: return ok_status();
        case Prim::kBool: {
          auto b = read_bool();
          if (!b.ok()) return std::move(b).error();
          return ok_status();
        }
        case Prim::kNat:
        case Prim::kInt: return skip_leb128();
        case Prim::kNat8:
        case Prim::kInt8: return skip_bytes(1);
        case Prim::kNat16:
        case Prim::kInt16: return skip_bytes(2);
        case Prim::kNat32:
        case Prim::kInt32:
        case Prim::kFloat32: return skip_bytes(4);
        case Prim::kNat64:
        case Prim::kInt64:
        case Prim::kFloat64: return skip_bytes(8);
        case Prim::kText: {
          auto s = read_text();
          if (!s.ok()) return std::move(s).error();
          return ok_status();
        }
        case Prim::kEmpty: return Error("there is no value of type empty");
        case Prim::kPrincipal: {
          auto p = read_principal();
          if (!p.ok()) return std::move(p).error();
          return ok_status();
        }
      }
      return Error("unknown primitive type");
    }
    const TypeEntry& we = wire_->at(w);
    switch (we.kind) {
      case Kind::kOpt: {
        CHORUS_ASSIGN_OR_RETURN(uint8_t tag, in_.read_u8("opt tag"));
        if (tag == 0) return ok_status();
        if (tag != 1) return Error("invalid opt tag " + std::to_string(tag));
        return skip(we.inner);
      }
      case Kind::kVec: {
        CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_uleb128(in_));
        for (uint64_t i = 0; i < n; ++i) CHORUS_RETURN_IF_ERROR(skip(we.inner));
        return ok_status();
      }
      case Kind::kRecord:
        for (const Field& f : we.fields) CHORUS_RETURN_IF_ERROR(skip(f.type));
        return ok_status();
      case Kind::kVariant: {
        CHORUS_ASSIGN_OR_RETURN(uint64_t index, read_uleb128(in_));
        if (index >= we.fields.size()) {
          return Error("variant index " + std::to_string(index) + " out of range");
        }
        return skip(we.fields[index].type);
      }
      case Kind::kFunc: {
        CHORUS_ASSIGN_OR_RETURN(uint8_t tag, in_.read_u8("func reference tag"));
        if (tag != 1) return Error("unsupported func reference tag " + std::to_string(tag));
        CHORUS_RETURN_IF_ERROR(read_principal());
        CHORUS_RETURN_IF_ERROR(read_text());
        return ok_status();
      }
      case Kind::kService: CHORUS_RETURN_IF_ERROR(read_principal()); return ok_status();
      case Kind::kFuture: {
        CHORUS_ASSIGN_OR_RETURN(uint64_t m, read_uleb128(in_));
        CHORUS_RETURN_IF_ERROR(read_uleb128(in_));
        if (m > in_.remaining()) return Error("future type value exceeds the input left");
        CHORUS_RETURN_IF_ERROR(charge_bytes(m));
        return skip_bytes(m);
      }
    }
    return Error("unknown type kind");
  }

  Result<bool> read_bool() {
    CHORUS_ASSIGN_OR_RETURN(uint8_t b, in_.read_u8("bool"));
    if (b > 1) return Error("invalid bool byte " + std::to_string(b));
    return b == 1;
  }

  Status skip_bytes(uint64_t n) {
    CHORUS_RETURN_IF_ERROR(in_.read_bytes(n, "value"));
    return ok_status();
  }

  // Numbers skipped obey the same length limit as numbers decoded.
  Status skip_leb128() {
    for (size_t n = 1;; ++n) {
      CHORUS_ASSIGN_OR_RETURN(uint8_t b, in_.read_u8("LEB128 number"));
      if ((b & 0x80) == 0) return charge_bytes(n);
      if (n >= kDefaultMaxBigLeb128Bytes) {
        return Error("LEB128 number longer than " + std::to_string(n) + " bytes");
      }
    }
  }

  Result<std::string> read_text() {
    CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_uleb128(in_));
    if (n > in_.remaining()) {
      return Error("text length " + std::to_string(n) + " exceeds the input left");
    }
    CHORUS_RETURN_IF_ERROR(charge_bytes(n));
    CHORUS_ASSIGN_OR_RETURN(ByteView b, in_.read_bytes(n, "text"));
    std::string_view s = as_chars(b);
    if (auto bad = find_invalid_utf8(s)) {
      return Error("text is not valid UTF-8 at byte " + std::to_string(*bad));
    }
    return std::string(s);
  }

  Result<Principal> read_principal() {
    CHORUS_ASSIGN_OR_RETURN(uint8_t tag, in_.read_u8("principal tag"));
    if (tag != 1) return Error("unsupported principal reference tag " + std::to_string(tag));
    CHORUS_ASSIGN_OR_RETURN(uint64_t n, read_uleb128(in_));
    if (n > in_.remaining()) return Error("principal length exceeds the input left");
    CHORUS_ASSIGN_OR_RETURN(ByteView b, in_.read_bytes(n, "principal"));
    return Principal::from_bytes(b);
  }

  ByteView data_;
  ByteReader in_;
  DecodeLimits limits_;
  uint64_t budget_;
  SubtypeChecker subtypes_;
  const TypeTable* wire_ = nullptr;
  const TypeTable* exp_ = nullptr;
  size_t depth_ = 0;
  bool fatal_ = false;
};

// ---------------------------------------------------------------------------------------------
// Encoding.

void write_entry(Bytes& out, const TypeEntry& e) {
  switch (e.kind) {
    case Kind::kOpt:
    case Kind::kVec:
      append_sleb128(out, e.kind == Kind::kOpt ? kOpcodeOpt : kOpcodeVec);
      append_sleb128(out, e.inner.code());
      return;
    case Kind::kRecord:
    case Kind::kVariant:
      append_sleb128(out, e.kind == Kind::kRecord ? kOpcodeRecord : kOpcodeVariant);
      append_uleb128(out, e.fields.size());
      for (const Field& f : e.fields) {
        append_uleb128(out, f.id);
        append_sleb128(out, f.type.code());
      }
      return;
    case Kind::kFunc:
      append_sleb128(out, kOpcodeFunc);
      append_uleb128(out, e.args.size());
      for (TypeRef r : e.args) append_sleb128(out, r.code());
      append_uleb128(out, e.results.size());
      for (TypeRef r : e.results) append_sleb128(out, r.code());
      append_uleb128(out, e.modes.size());
      for (FuncMode m : e.modes) out.push_back(static_cast<uint8_t>(m));
      return;
    case Kind::kService:
      append_sleb128(out, kOpcodeService);
      append_uleb128(out, e.methods.size());
      for (const Method& m : e.methods) {
        append_uleb128(out, m.name.size());
        append(out, as_bytes(m.name));
        append_sleb128(out, m.type.code());
      }
      return;
    case Kind::kFuture:
      append_sleb128(out, e.future_opcode);
      append_uleb128(out, e.future_data.size());
      append(out, e.future_data);
      return;
  }
}

void write_principal(Bytes& out, const Principal& p) {
  out.push_back(1);
  append_uleb128(out, p.size());
  append(out, p.bytes());
}

void write_text(Bytes& out, std::string_view s) {
  append_uleb128(out, s.size());
  append(out, as_bytes(s));
}

template <typename T>
void write_le(Bytes& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

class Encoder {
 public:
  explicit Encoder(const TypeTable& table) : table_(table) {}

  Status write(Bytes& out, TypeRef t, const Value& v) {
    auto wrong = [&]() {
      return Error("a " + std::string(kind_name(v.kind())) + " value does not have type " +
                   table_.to_text(t));
    };
    if (t.is_prim()) {
      switch (t.as_prim()) {
        case Prim::kReserved: return ok_status();
        case Prim::kEmpty: return Error("there is no value of type empty");
        case Prim::kNull:
          if (!v.is(ValueKind::kNull)) return wrong();
          return ok_status();
        case Prim::kBool:
          if (!v.is(ValueKind::kBool)) return wrong();
          out.push_back(v.bool_value() ? 1 : 0);
          return ok_status();
        case Prim::kNat:
          if (!v.is(ValueKind::kNat)) return wrong();
          append_uleb128(out, v.big_value());
          return ok_status();
        case Prim::kInt:
          if (!v.is(ValueKind::kInt) && !v.is(ValueKind::kNat)) return wrong();
          append_sleb128(out, v.big_value());
          return ok_status();
        case Prim::kNat8:
          if (!v.is(ValueKind::kNat8)) return wrong();
          write_le<uint8_t>(out, static_cast<uint8_t>(v.nat_value()));
          return ok_status();
        case Prim::kNat16:
          if (!v.is(ValueKind::kNat16)) return wrong();
          write_le<uint16_t>(out, static_cast<uint16_t>(v.nat_value()));
          return ok_status();
        case Prim::kNat32:
          if (!v.is(ValueKind::kNat32)) return wrong();
          write_le<uint32_t>(out, static_cast<uint32_t>(v.nat_value()));
          return ok_status();
        case Prim::kNat64:
          if (!v.is(ValueKind::kNat64)) return wrong();
          write_le<uint64_t>(out, v.nat_value());
          return ok_status();
        case Prim::kInt8:
          if (!v.is(ValueKind::kInt8)) return wrong();
          write_le<uint8_t>(out, static_cast<uint8_t>(v.int_value()));
          return ok_status();
        case Prim::kInt16:
          if (!v.is(ValueKind::kInt16)) return wrong();
          write_le<uint16_t>(out, static_cast<uint16_t>(v.int_value()));
          return ok_status();
        case Prim::kInt32:
          if (!v.is(ValueKind::kInt32)) return wrong();
          write_le<uint32_t>(out, static_cast<uint32_t>(v.int_value()));
          return ok_status();
        case Prim::kInt64:
          if (!v.is(ValueKind::kInt64)) return wrong();
          write_le<uint64_t>(out, static_cast<uint64_t>(v.int_value()));
          return ok_status();
        case Prim::kFloat32:
          if (!v.is(ValueKind::kFloat32)) return wrong();
          write_le<uint32_t>(out, std::bit_cast<uint32_t>(v.float32_value()));
          return ok_status();
        case Prim::kFloat64:
          if (!v.is(ValueKind::kFloat64)) return wrong();
          write_le<uint64_t>(out, std::bit_cast<uint64_t>(v.float_value()));
          return ok_status();
        case Prim::kText:
          if (!v.is(ValueKind::kText)) return wrong();
          if (!is_valid_utf8(v.text_value())) return Error("text is not valid UTF-8");
          write_text(out, v.text_value());
          return ok_status();
        case Prim::kPrincipal:
          if (!v.is(ValueKind::kPrincipal)) return wrong();
          write_principal(out, v.principal_value());
          return ok_status();
      }
      return wrong();
    }
    const TypeEntry& e = table_.at(t);
    switch (e.kind) {
      case Kind::kOpt:
        if (!v.is(ValueKind::kOpt)) return wrong();
        if (!v.has_value()) {
          out.push_back(0);
          return ok_status();
        }
        out.push_back(1);
        return write(out, e.inner, v.opt_value());
      case Kind::kVec:
        if (v.is(ValueKind::kBlob)) {
          if (!e.inner.is(Prim::kNat8)) return wrong();
          append_uleb128(out, v.blob_value().size());
          append(out, v.blob_value());
          return ok_status();
        }
        if (!v.is(ValueKind::kVec)) return wrong();
        append_uleb128(out, v.items().size());
        for (const Value& item : v.items()) CHORUS_RETURN_IF_ERROR(write(out, e.inner, item));
        return ok_status();
      case Kind::kRecord: {
        if (!v.is(ValueKind::kRecord) || v.fields().size() != e.fields.size()) return wrong();
        for (size_t i = 0; i < e.fields.size(); ++i) {
          if (v.fields()[i].id != e.fields[i].id) return wrong();
          CHORUS_RETURN_IF_ERROR(write(out, e.fields[i].type, v.fields()[i].value));
        }
        return ok_status();
      }
      case Kind::kVariant: {
        if (!v.is(ValueKind::kVariant) || v.fields().size() != 1) return wrong();
        const FieldValue& fv = v.fields()[0];
        for (size_t i = 0; i < e.fields.size(); ++i) {
          if (e.fields[i].id == fv.id) {
            append_uleb128(out, i);
            return write(out, e.fields[i].type, fv.value);
          }
        }
        return wrong();
      }
      case Kind::kFunc:
        if (!v.is(ValueKind::kFunc)) return wrong();
        out.push_back(1);
        write_principal(out, v.func_value().service);
        if (!is_valid_utf8(v.func_value().method)) return Error("method name is not valid UTF-8");
        write_text(out, v.func_value().method);
        return ok_status();
      case Kind::kService:
        if (!v.is(ValueKind::kService)) return wrong();
        write_principal(out, v.principal_value());
        return ok_status();
      case Kind::kFuture:
        // The value's content is unknown; an empty one (no bytes, no references) stands for it.
        out.push_back(0);
        out.push_back(0);
        return ok_status();
    }
    return wrong();
  }

 private:
  const TypeTable& table_;
};

Status check_types(const TypeTable& table, std::span<const TypeRef> types) {
  CHORUS_RETURN_IF_ERROR(table.validate());
  for (TypeRef t : types) {
    if (!table.is_valid(t))
      return Error("type reference " + std::to_string(t.code()) + " is invalid");
  }
  return ok_status();
}

}  // namespace

Result<Bytes> encode(const TypeTable& table, std::span<const TypeRef> types,
                     std::span<const Value> values) {
  CHORUS_RETURN_IF_ERROR(check_types(table, types));
  if (types.size() != values.size()) {
    return Error(std::to_string(values.size()) + " values for " + std::to_string(types.size()) +
                 " types");
  }
  Bytes out = to_bytes(std::string_view(kMagic, 4));
  append_uleb128(out, table.size());
  for (const TypeEntry& e : table.entries()) write_entry(out, e);
  append_uleb128(out, types.size());
  for (TypeRef t : types) append_sleb128(out, t.code());
  Encoder enc(table);
  for (size_t i = 0; i < types.size(); ++i) {
    auto s = enc.write(out, types[i], values[i]);
    if (!s.ok()) return std::move(s).error().with_context("argument " + std::to_string(i));
  }
  return out;
}

Result<ArgTypes> decode_types(ByteView message, const DecodeLimits& limits) {
  ByteReader in(message);
  return read_header(in, limits);
}

Result<std::vector<Value>> decode(ByteView message, const TypeTable& table,
                                  std::span<const TypeRef> types, const DecodeLimits& limits) {
  auto expected = check_types(table, types);
  if (!expected.ok()) return std::move(expected).error().with_context("expected types");
  Decoder d(message, limits);
  CHORUS_ASSIGN_OR_RETURN(ArgTypes wire, read_header(d.in(), limits));
  d.set_tables(&wire.table, &table);
  return d.decode_args(wire.types, types);
}

Result<Args> decode_any(ByteView message, const DecodeLimits& limits) {
  Decoder d(message, limits);
  CHORUS_ASSIGN_OR_RETURN(ArgTypes wire, read_header(d.in(), limits));
  Args out;
  out.table = std::move(wire.table);
  out.types = std::move(wire.types);
  d.set_tables(&out.table, &out.table);
  CHORUS_ASSIGN_OR_RETURN(out.values, d.decode_args(out.types, out.types));
  return out;
}

bool is_subtype(const TypeTable& table1, TypeRef t1, const TypeTable& table2, TypeRef t2) {
  SubtypeChecker checker(512, uint64_t{1} << 20);
  return checker.check(table1, t1, table2, t2);
}

}  // namespace chorus::candid
