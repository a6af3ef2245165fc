// Candid's binary format for C++ values, as a canister speaks it (Candid spec, "Binary Format" and
// "Deserialisation"). Portable C++20 without exceptions or RTTI: it builds for wasm32 inside a
// canister and natively for tests.
//
// C++ types map to Candid types by the trait Candid<T>:
//   bool                                   bool
//   unsigned / signed integers (by size)   nat8..nat64 / int8..int64
//   float, double                          float32, float64
//   ic::Nat, ic::Int (128-bit)             nat, int (decoding traps on larger numbers)
//   std::string                            text (UTF-8 checked when decoding)
//   std::vector<uint8_t>                   blob (vec nat8)
//   ic::Principal                          principal
//   std::optional<T>                       opt T
//   std::vector<T>                         vec T
//   std::map<K, V>                         vec record { K; V }
//   std::pair<A, B>, std::tuple<...>       record { A; B; ... } (a tuple)
//   CHORUS_CANDID_RECORD(S, f1, f2...)     record { f1 : F1; f2 : F2; ... } (ids hash the names)
//   std::variant<ic::Case<"a", A>, ...>    variant { a : A; ... } (ic::Case<"a"> is a : null)
//   ic::Null, ic::Reserved                 null, reserved
//
// Decoding reads the message's own type table and coerces to the expected C++ types by the spec's
// coercion rules, value by value as the spec defines them: nat reads as int, extra record fields
// and arguments are skipped, missing ones of an opt, null or reserved type read as none, a variant
// value must use a case the expected type has, an empty vec fits any vec, and an opt reads as none
// whatever value does not fit (the "opt" rule; the value is then skipped). The input is
// untrusted: the table is validated, nesting and total work are bounded, and every read is
// bounds-checked; a failure is a value (false plus Decoder::error()), never a crash.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace ic {

using Bytes = std::vector<uint8_t>;
// 128-bit integers (a GNU extension that clang and g++ share, also on wasm32).
__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

// A principal: up to 29 bytes.
struct Principal {
  Bytes bytes;
  // The textual form (CRC-32 and base32, grouped by 5 with dashes), e.g. "aaaaa-aa".
  std::string to_text() const;
  bool operator==(const Principal&) const = default;
  bool operator<(const Principal& o) const { return bytes < o.bytes; }
};

// Candid nat and int, here limited to 128 bits.
struct Nat {
  u128 value = 0;
  bool operator==(const Nat&) const = default;
};
struct Int {
  i128 value = 0;
  bool operator==(const Int&) const = default;
};
struct Null {
  bool operator==(const Null&) const = default;
};
// Any value; decoding skips it.
struct Reserved {
  bool operator==(const Reserved&) const = default;
};

// A string usable as a template argument: the name of a variant case.
template <size_t N>
struct FixedString {
  char chars[N] = {};
  constexpr FixedString(const char (&s)[N]) {
    for (size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  constexpr std::string_view view() const { return {chars, N - 1}; }
};

// One case of a variant, for use as an alternative of std::variant.
template <FixedString Name, class T = Null>
struct Case {
  T value{};
  bool operator==(const Case&) const = default;
};

namespace candid {

// The spec's field hash: h = h * 223 + byte, modulo 2^32.
constexpr uint32_t field_id(std::string_view name) {
  uint32_t h = 0;
  for (char c : name) h = h * 223 + static_cast<uint8_t>(c);
  return h;
}

// Type opcodes (the SLEB128 values of the binary format).
enum Op : int32_t {
  kNull = -1, kBool = -2, kNat = -3, kInt = -4, kNat8 = -5, kNat16 = -6, kNat32 = -7,
  kNat64 = -8, kInt8 = -9, kInt16 = -10, kInt32 = -11, kInt64 = -12, kFloat32 = -13,
  kFloat64 = -14, kText = -15, kReserved = -16, kEmpty = -17, kOpt = -18, kVec = -19,
  kRecord = -20, kVariant = -21, kFunc = -22, kService = -23, kPrincipal = -24,
};

// --- Encoding ----------------------------------------------------------------------------------

void put_leb(Bytes& out, u128 v);
void put_sleb(Bytes& out, i128 v);

// The type table being built while encoding: one entry per composite C++ type, shared by all
// values of that type and able to refer to itself (recursive types).
class TypeTable {
 public:
  // The reference of |key|'s entry, or -1 after reserving a new one that the caller fills.
  int32_t find_or_reserve(const void* key, bool& is_new);
  void set(int32_t index, Bytes entry) { entries_[static_cast<size_t>(index)] = std::move(entry); }
  void write(Bytes& out) const;

 private:
  std::vector<Bytes> entries_;
  std::vector<std::pair<const void*, int32_t>> index_;
};

class Encoder {
 public:
  TypeTable& table() { return table_; }
  Bytes& out() { return values_; }
  void add_arg_type(int32_t ref) { args_.push_back(ref); }
  // The whole message: magic, type table, argument types, values.
  Bytes finish() const;

 private:
  TypeTable table_;
  std::vector<int32_t> args_;
  Bytes values_;
};

// --- Decoding ----------------------------------------------------------------------------------

struct WireField {
  uint32_t id;
  int32_t type = 0;
};
struct WireEntry {
  int32_t op = 0;     // kOpt, kVec, kRecord, kVariant, kFunc or kService
  int32_t inner = 0;  // opt, vec
  std::vector<WireField> fields;  // record, variant (sorted by id); func/service: references
};

class Decoder {
 public:
  // Work allowed per input byte (every value decoded or skipped costs 1), beyond a base.
  static constexpr uint64_t kBaseBudget = 1 << 16;
  static constexpr uint64_t kBudgetPerByte = 4;
  static constexpr int kMaxDepth = 128;

  Decoder(const uint8_t* data, size_t size);

  // Reads the magic, the type table and the argument types. False on malformed input.
  bool read_header();
  size_t arg_count() const { return args_.size(); }
  int32_t arg_type(size_t i) const { return args_[i]; }
  bool at_end() const { return pos_ == size_; }

  // The kind of |type|: its opcode if primitive, else its table entry's opcode.
  int32_t op(int32_t type) const { return type < 0 ? type : table_[static_cast<size_t>(type)].op; }
  const WireEntry& entry(int32_t type) const { return table_[static_cast<size_t>(type)]; }
  std::string type_name(int32_t type) const;

  bool read_byte(uint8_t& b);
  bool read_bytes(size_t n, const uint8_t*& p);
  bool read_leb(u128& v);
  bool read_sleb(i128& v);
  bool read_leb64(uint64_t& v);
  // A LEB128 count that fits size_t. Callers never allocate by it up front: they read element by
  // element, each charged against the budget, so a huge count fails early.
  bool read_length(size_t& n);
  bool read_text(std::string& s);
  bool read_principal(Principal& p);

  // Skips one value of |type|, validating it as decoding would.
  bool skip(int32_t type);

  // Charges |n| units of work and checks the depth; false (with an error) when exceeded.
  bool charge(uint64_t n = 1);
  bool enter();
  void leave() { --depth_; }

  bool fail(std::string message);
  // A value whose type does not fit the expected one ("expected nat64, got text"): under an opt
  // it reads as none instead of failing.
  bool mismatch(int32_t wire, const char* expected);
  bool mismatch(std::string message);
  bool type_error() const { return type_error_; }
  const std::string& error() const { return error_; }
  void prefix_error(const std::string& prefix) { error_ = prefix + error_; }

  // Where decoding stands, to retry a value: restore() also forgets a type error.
  struct Mark {
    size_t pos;
    int depth;
  };
  Mark mark() const { return {pos_, depth_}; }
  void restore(Mark m);

 private:
  bool valid_ref(int64_t ref) const;

  const uint8_t* data_;
  size_t size_ = 0;
  size_t pos_ = 0;
  std::vector<WireEntry> table_;
  std::vector<int32_t> args_;
  uint64_t budget_ = 0;
  int depth_ = 0;
  std::string error_;
  bool type_error_ = false;
};

// --- The trait --------------------------------------------------------------------------------

// Candid<T> provides, for each supported T:
//   static int32_t type(TypeTable&)                   the type reference, adding entries
//   static void encode(Encoder&, const T&)            the value bytes
//   static bool decode(Decoder&, int32_t wire, T&)    reads a value of type |wire| as a T, or
//                                                     fails (Decoder::mismatch when it does not fit)
//   static constexpr bool kNullable                   null <: T (T is opt, null or reserved)
template <class T, class = void>
struct Candid;

template <class T>
const void* type_key() {
  static char key;  // only its address matters: one per type
  return &key;
}

template <class T>
int32_t type_of(TypeTable& table) {
  return Candid<T>::type(table);
}

template <class T>
void encode_value(Encoder& enc, const T& v) {
  Candid<T>::encode(enc, v);
}

template <class T>
bool decode_value(Decoder& dec, int32_t wire, T& out) {
  if (!dec.charge()) return false;
  if (dec.op(wire) == kEmpty) return dec.fail("a value of type empty");
  return Candid<T>::decode(dec, wire, out);
}

// Builds a composite type's entry once per table.
template <class T, class Fill>
int32_t composite_type(TypeTable& table, Fill fill) {
  bool is_new = false;
  int32_t ref = table.find_or_reserve(type_key<T>(), is_new);
  if (is_new) {
    Bytes entry;
    fill(entry);
    table.set(ref, std::move(entry));
  }
  return ref;
}

// Primitives.
template <>
struct Candid<bool> {
  static constexpr bool kNullable = false;
  static int32_t type(TypeTable&) { return kBool; }
  static void encode(Encoder& e, bool v) { e.out().push_back(v ? 1 : 0); }
  static bool decode(Decoder& d, int32_t w, bool& v) {
    if (d.op(w) != kBool) return d.mismatch(w, "bool");
    uint8_t b = 0;
    if (!d.read_byte(b)) return false;
    if (b > 1) return d.fail("bool byte is not 0 or 1");
    v = b == 1;
    return true;
  }
};

template <class T>
struct Candid<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static constexpr bool kNullable = false;
  static constexpr int32_t kOp = std::is_signed_v<T>
      ? (sizeof(T) == 1 ? kInt8 : sizeof(T) == 2 ? kInt16 : sizeof(T) == 4 ? kInt32 : kInt64)
      : (sizeof(T) == 1 ? kNat8 : sizeof(T) == 2 ? kNat16 : sizeof(T) == 4 ? kNat32 : kNat64);
  static_assert(sizeof(T) <= 8, "Candid has fixed-size integers of at most 64 bits");
  static int32_t type(TypeTable&) { return kOp; }
  static void encode(Encoder& e, T v) {
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    for (size_t i = 0; i < sizeof(T); ++i) e.out().push_back(static_cast<uint8_t>(u >> (8 * i)));
  }
  static constexpr const char* kName = std::is_signed_v<T>
      ? (sizeof(T) == 1 ? "int8" : sizeof(T) == 2 ? "int16" : sizeof(T) == 4 ? "int32" : "int64")
      : (sizeof(T) == 1 ? "nat8" : sizeof(T) == 2 ? "nat16" : sizeof(T) == 4 ? "nat32" : "nat64");
  static bool decode(Decoder& d, int32_t w, T& v) {
    if (d.op(w) != kOp) return d.mismatch(w, kName);
    return read(d, v);
  }
  static bool read(Decoder& d, T& v) {
    const uint8_t* p;
    if (!d.read_bytes(sizeof(T), p)) return false;
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u = static_cast<U>(u | (U(p[i]) << (8 * i)));
    v = static_cast<T>(u);
    return true;
  }
};

template <class T>
struct Candid<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "float or double");
  static constexpr bool kNullable = false;
  static constexpr int32_t kOp = sizeof(T) == 4 ? kFloat32 : kFloat64;
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  static int32_t type(TypeTable&) { return kOp; }
  static void encode(Encoder& e, T v) {
    Bits b;
    std::memcpy(&b, &v, sizeof b);
    Candid<Bits>::encode(e, b);
  }
  static bool decode(Decoder& d, int32_t w, T& v) {
    if (d.op(w) != kOp) return d.mismatch(w, sizeof(T) == 4 ? "float32" : "float64");
    Bits b;
    if (!Candid<Bits>::read(d, b)) return false;
    std::memcpy(&v, &b, sizeof b);
    return true;
  }
};

template <>
struct Candid<Nat> {
  static constexpr bool kNullable = false;
  static int32_t type(TypeTable&) { return kNat; }
  static void encode(Encoder& e, const Nat& v) { put_leb(e.out(), v.value); }
  static bool decode(Decoder& d, int32_t w, Nat& v) {
    if (d.op(w) != kNat) return d.mismatch(w, "nat");
    return d.read_leb(v.value);
  }
};

template <>
struct Candid<Int> {
  static constexpr bool kNullable = false;
  static int32_t type(TypeTable&) { return kInt; }
  static void encode(Encoder& e, const Int& v) { put_sleb(e.out(), v.value); }
  static bool decode(Decoder& d, int32_t w, Int& v) {
    if (d.op(w) == kInt) return d.read_sleb(v.value);
    if (d.op(w) != kNat) return d.mismatch(w, "int");  // nat <: int
    u128 n = 0;
    if (!d.read_leb(n)) return false;
    if (n >> 127) return d.fail("nat too large for a 128-bit int");
    v.value = static_cast<i128>(n);
    return true;
  }
};

template <>
struct Candid<std::string> {
  static constexpr bool kNullable = false;
  static int32_t type(TypeTable&) { return kText; }
  static void encode(Encoder& e, const std::string& s) {
    put_leb(e.out(), s.size());
    e.out().insert(e.out().end(), s.begin(), s.end());
  }
  static bool decode(Decoder& d, int32_t w, std::string& s) {
    if (d.op(w) != kText) return d.mismatch(w, "text");
    return d.read_text(s);
  }
};

template <>
struct Candid<Principal> {
  static constexpr bool kNullable = false;
  static int32_t type(TypeTable&) { return kPrincipal; }
  static void encode(Encoder& e, const Principal& p) {
    e.out().push_back(1);
    put_leb(e.out(), p.bytes.size());
    e.out().insert(e.out().end(), p.bytes.begin(), p.bytes.end());
  }
  // A service reference is a principal too (the suite's "service value decodes at principal").
  static bool decode(Decoder& d, int32_t w, Principal& p) {
    if (d.op(w) != kPrincipal && d.op(w) != kService) return d.mismatch(w, "principal");
    return d.read_principal(p);
  }
};

template <>
struct Candid<Null> {
  static constexpr bool kNullable = true;
  static int32_t type(TypeTable&) { return kNull; }
  static void encode(Encoder&, const Null&) {}
  static bool decode(Decoder& d, int32_t w, Null&) {
    return d.op(w) == kNull || d.mismatch(w, "null");
  }
};

template <>
struct Candid<Reserved> {
  static constexpr bool kNullable = true;
  static int32_t type(TypeTable&) { return kReserved; }
  static void encode(Encoder&, const Reserved&) {}
  static bool decode(Decoder& d, int32_t w, Reserved&) { return d.skip(w); }
};

// opt T, with the spec's coercions: null and reserved read as none, and so does any value that
// does not fit T (it is then skipped).
template <class T>
struct Candid<std::optional<T>> {
  static constexpr bool kNullable = true;
  static int32_t type(TypeTable& t) {
    return composite_type<std::optional<T>>(t, [&](Bytes& e) {
      put_sleb(e, kOpt);
      put_sleb(e, type_of<T>(t));
    });
  }
  static void encode(Encoder& e, const std::optional<T>& v) {
    e.out().push_back(v ? 1 : 0);
    if (v) encode_value(e, *v);
  }
  static bool decode(Decoder& d, int32_t w, std::optional<T>& v) {
    v.reset();
    int32_t op = d.op(w);
    if (op == kNull || op == kReserved) return true;
    if (op == kOpt) {
      uint8_t flag = 0;
      if (!d.read_byte(flag)) return false;
      if (flag == 0) return true;
      if (flag != 1) return d.fail("opt flag is not 0 or 1");
      return attempt(d, d.entry(w).inner, v);
    }
    // A bare value lifts into the opt, unless T itself is nullable (the spec's "not null <: t").
    if (Candid<T>::kNullable) return d.skip(w);
    return attempt(d, w, v);
  }
  static bool attempt(Decoder& d, int32_t w, std::optional<T>& v) {
    Decoder::Mark m = d.mark();
    if (!d.enter()) return false;
    if (decode_value(d, w, v.emplace())) {
      d.leave();
      return true;
    }
    if (!d.type_error()) return false;
    v.reset();
    d.restore(m);
    return d.skip(w);
  }
};

// vec T; std::vector<uint8_t> is a blob and copied in bulk.
template <class T>
struct Candid<std::vector<T>> {
  static constexpr bool kNullable = false;
  static int32_t type(TypeTable& t) {
    return composite_type<std::vector<T>>(t, [&](Bytes& e) {
      put_sleb(e, kVec);
      put_sleb(e, type_of<T>(t));
    });
  }
  static void encode(Encoder& e, const std::vector<T>& v) {
    put_leb(e.out(), v.size());
    if constexpr (std::is_same_v<T, uint8_t>) {
      e.out().insert(e.out().end(), v.begin(), v.end());
    } else {
      for (const T& x : v) encode_value(e, x);
    }
  }
  static bool decode(Decoder& d, int32_t w, std::vector<T>& v) {
    v.clear();
    if (d.op(w) != kVec) return d.mismatch(w, "vec");
    int32_t inner = d.entry(w).inner;
    size_t n = 0;
    if (!d.read_length(n)) return false;
    if constexpr (std::is_same_v<T, uint8_t>) {
      if (d.op(inner) == kNat8) {
        const uint8_t* p;
        if (!d.charge(n / 16) || !d.read_bytes(n, p)) return false;
        v.assign(p, p + n);
        return true;
      }
    }
    // Elements are coerced one by one, so an empty vec fits any vec type.
    if (!d.enter()) return false;
    for (size_t i = 0; i < n; ++i) {
      T x{};  // not emplace_back(): std::vector<bool> has no references to bind
      if (!decode_value(d, inner, x)) return false;
      v.push_back(std::move(x));
    }
    d.leave();
    return true;
  }
};

// --- Records -------------------------------------------------------------------------------------

// A record field: its Candid id and how to reach it in S.
template <class S, class M>
struct Field {
  uint32_t id;
  M S::*member;
};
template <class S, class M>
constexpr Field<S, M> field(std::string_view name, M S::*member) {
  return {field_id(name), member};
}

// Record descriptions: RecordFields<S>::get() returns a tuple of accessors, each with
// ::id, ::get(S&) and a member type, for macro-declared structs, std::pair and std::tuple.
template <class S>
auto record_fields() -> decltype(chorus_candid_fields(static_cast<const S*>(nullptr))) {
  return chorus_candid_fields(static_cast<const S*>(nullptr));
}

template <class S, class = void>
struct IsRecord : std::false_type {};
template <class S>
struct IsRecord<S, std::void_t<decltype(chorus_candid_fields(static_cast<const S*>(nullptr)))>>
    : std::true_type {};

// Record logic over a uniform view: Access<S> lists N fields, each with id(i), and visits field i
// of an object with a generic lambda.
template <class S, class Access>
struct RecordCandid {
  static constexpr size_t N = Access::kCount;
  static constexpr bool kNullable = false;

  // Field indices in increasing id order, as the binary format wants them.
  static const std::array<size_t, N>& order() {
    static const std::array<size_t, N> o = [] {
      std::array<size_t, N> a{};
      for (size_t i = 0; i < N; ++i) a[i] = i;
      for (size_t i = 1; i < N; ++i)
        for (size_t j = i; j > 0 && Access::id(a[j]) < Access::id(a[j - 1]); --j)
          std::swap(a[j], a[j - 1]);
      return a;
    }();
    return o;
  }

  static int32_t type(TypeTable& t) {
    return composite_type<S>(t, [&](Bytes& e) {
      put_sleb(e, kRecord);
      put_leb(e, N);
      for (size_t i : order()) {
        put_leb(e, Access::id(i));
        Access::visit_type(i, [&](auto* tag) {
          using M = std::remove_pointer_t<decltype(tag)>;
          put_sleb(e, type_of<M>(t));
        });
      }
    });
  }
  static void encode(Encoder& e, const S& s) {
    for (size_t i : order())
      Access::visit(i, const_cast<S&>(s), [&](auto& m) { encode_value(e, m); });
  }
  static bool decode(Decoder& d, int32_t w, S& s) {
    if (d.op(w) != kRecord) return d.mismatch(w, "record");
    const auto& fields = d.entry(w).fields;
    // A field the message lacks must be nullable (it then reads as none).
    for (size_t i = 0; i < N; ++i) {
      if (find(fields, Access::id(i))) continue;
      bool nullable = false;
      Access::visit_type(i, [&](auto* tag) {
        nullable = Candid<std::remove_pointer_t<decltype(tag)>>::kNullable;
      });
      if (!nullable) return d.mismatch("record field " + std::to_string(Access::id(i)) + " is missing");
    }
    if (!d.enter()) return false;
    const auto& ord = order();
    size_t k = 0;  // next expected field, in id order
    for (const WireField& f : fields) {
      while (k < N && Access::id(ord[k]) < f.id) {
        Access::visit(ord[k++], s, [](auto& m) { m = {}; });  // missing: nullable (checked above)
      }
      if (k < N && Access::id(ord[k]) == f.id) {
        bool ok = true;
        Access::visit(ord[k++], s, [&](auto& m) { ok = decode_value(d, f.type, m); });
        if (!ok) return false;
      } else if (!d.skip(f.type)) {
        return false;
      }
    }
    while (k < N) Access::visit(ord[k++], s, [](auto& m) { m = {}; });
    d.leave();
    return true;
  }

  static const WireField* find(const std::vector<WireField>& fields, uint32_t id) {
    for (const WireField& f : fields)
      if (f.id == id) return &f;
    return nullptr;
  }
};

// Visits element |i| of a tuple-like value with a runtime index.
template <size_t I = 0, class Tuple, class F>
void visit_index(size_t i, Tuple& t, F&& f) {
  if constexpr (I < std::tuple_size_v<std::remove_const_t<Tuple>>) {
    if (i == I) {
      f(std::get<I>(t));
      return;
    }
    visit_index<I + 1>(i, t, std::forward<F>(f));
  }
}

template <class S>
struct MacroRecordAccess {
  using Fields = decltype(record_fields<S>());
  static constexpr size_t kCount = std::tuple_size_v<Fields>;
  static uint32_t id(size_t i) {
    uint32_t r = 0;
    auto fs = record_fields<S>();
    visit_index(i, fs, [&](auto& f) { r = f.id; });
    return r;
  }
  template <class F>
  static void visit(size_t i, S& s, F&& f) {
    auto fs = record_fields<S>();
    visit_index(i, fs, [&](auto& fd) { f(s.*(fd.member)); });
  }
  template <class F>
  static void visit_type(size_t i, F&& f) {
    auto fs = record_fields<S>();
    visit_index(i, fs, [&](auto& fd) {
      using M = std::remove_reference_t<decltype(std::declval<S&>().*(fd.member))>;
      f(static_cast<M*>(nullptr));
    });
  }
};

template <class Tuple>
struct TupleAccess {
  static constexpr size_t kCount = std::tuple_size_v<Tuple>;
  static uint32_t id(size_t i) { return static_cast<uint32_t>(i); }
  template <class F>
  static void visit(size_t i, Tuple& t, F&& f) {
    visit_index(i, t, std::forward<F>(f));
  }
  template <class F>
  static void visit_type(size_t i, F&& f) {
    Tuple* none = nullptr;
    visit_types(i, f, none);
  }
  template <size_t I = 0, class F>
  static void visit_types(size_t i, F& f, Tuple* t) {
    if constexpr (I < kCount) {
      if (i == I) {
        f(static_cast<std::tuple_element_t<I, Tuple>*>(nullptr));
        return;
      }
      visit_types<I + 1>(i, f, t);
    }
  }
};

template <class S>
struct Candid<S, std::enable_if_t<IsRecord<S>::value>> : RecordCandid<S, MacroRecordAccess<S>> {};
template <class... Ts>
struct Candid<std::tuple<Ts...>> : RecordCandid<std::tuple<Ts...>, TupleAccess<std::tuple<Ts...>>> {};
template <class A, class B>
struct Candid<std::pair<A, B>> : RecordCandid<std::pair<A, B>, TupleAccess<std::pair<A, B>>> {};

// std::map<K, V> as vec record { K; V } (keys in the map's order; duplicates on decode: last wins).
template <class K, class V>
struct Candid<std::map<K, V>> {
  using Pair = std::pair<K, V>;
  static constexpr bool kNullable = false;
  static int32_t type(TypeTable& t) { return Candid<std::vector<Pair>>::type(t); }
  static void encode(Encoder& e, const std::map<K, V>& m) {
    put_leb(e.out(), m.size());
    for (const auto& [k, v] : m) {
      Pair p{k, v};
      encode_value(e, p);
    }
  }
  static bool decode(Decoder& d, int32_t w, std::map<K, V>& m) {
    m.clear();
    if (d.op(w) != kVec) return d.mismatch(w, "vec");
    size_t n = 0;
    if (!d.read_length(n)) return false;
    int32_t inner = d.entry(w).inner;
    if (!d.enter()) return false;
    for (size_t i = 0; i < n; ++i) {
      Pair p;
      if (!decode_value(d, inner, p)) return false;
      m.insert_or_assign(std::move(p.first), std::move(p.second));
    }
    d.leave();
    return true;
  }
};

// --- Variants ------------------------------------------------------------------------------------

template <class C>
struct CaseTraits;
template <FixedString Name, class T>
struct CaseTraits<Case<Name, T>> {
  using Type = T;
  static constexpr uint32_t kId = field_id(Name.view());
};

template <class... Cs>
struct Candid<std::variant<Cs...>> {
  using V = std::variant<Cs...>;
  static constexpr size_t N = sizeof...(Cs);
  static constexpr bool kNullable = false;
  static constexpr std::array<uint32_t, N> kIds = {CaseTraits<Cs>::kId...};

  static const std::array<size_t, N>& order() {
    static const std::array<size_t, N> o = [] {
      std::array<size_t, N> a{};
      for (size_t i = 0; i < N; ++i) a[i] = i;
      for (size_t i = 1; i < N; ++i)
        for (size_t j = i; j > 0 && kIds[a[j]] < kIds[a[j - 1]]; --j) std::swap(a[j], a[j - 1]);
      return a;
    }();
    return o;
  }
  template <size_t I = 0, class F>
  static void visit_type(size_t i, F&& f) {
    if constexpr (I < N) {
      if (i == I) {
        f(static_cast<std::variant_alternative_t<I, V>*>(nullptr));
        return;
      }
      visit_type<I + 1>(i, std::forward<F>(f));
    }
  }
  static int32_t type(TypeTable& t) {
    return composite_type<V>(t, [&](Bytes& e) {
      put_sleb(e, kVariant);
      put_leb(e, N);
      for (size_t i : order()) {
        put_leb(e, kIds[i]);
        visit_type(i, [&](auto* tag) {
          using C = std::remove_pointer_t<decltype(tag)>;
          put_sleb(e, type_of<typename CaseTraits<C>::Type>(t));
        });
      }
    });
  }
  static void encode(Encoder& e, const V& v) {
    const auto& ord = order();
    size_t rank = 0;
    while (ord[rank] != v.index()) ++rank;
    put_leb(e.out(), rank);
    std::visit([&](const auto& c) { encode_value(e, c.value); }, v);
  }
  static bool decode(Decoder& d, int32_t w, V& v) {
    if (d.op(w) != kVariant) return d.mismatch(w, "variant");
    const auto& fields = d.entry(w).fields;
    uint64_t tag = 0;
    if (!d.read_leb64(tag)) return false;
    if (tag >= fields.size()) return d.fail("variant index out of range");
    const WireField& f = fields[tag];
    size_t i = index_of(f.id);
    if (i == N) return d.mismatch("variant case " + std::to_string(f.id) + " is not expected");
    if (!d.enter()) return false;
    bool ok = true;
    emplace(i, v, [&](auto& c) { ok = decode_value(d, f.type, c.value); });
    d.leave();
    return ok;
  }
  template <size_t I = 0, class F>
  static void emplace(size_t i, V& v, F&& f) {
    if constexpr (I < N) {
      if (i == I) {
        f(v.template emplace<I>());
        return;
      }
      emplace<I + 1>(i, v, std::forward<F>(f));
    }
  }
  static size_t index_of(uint32_t id) {
    for (size_t i = 0; i < N; ++i)
      if (kIds[i] == id) return i;
    return N;
  }
};

// --- Messages --------------------------------------------------------------------------------------

// A message with the values |vs| as its arguments.
template <class... Ts>
Bytes encode_args(const Ts&... vs) {
  Encoder e;
  (e.add_arg_type(type_of<Ts>(e.table())), ...);
  (encode_value(e, vs), ...);
  return e.finish();
}

// Decodes a message into |out|, one C++ value per expected argument. Extra arguments are
// skipped (and validated), missing ones must be of a nullable type. False with |dec|.error().
template <class... Ts>
bool decode_args(Decoder& dec, std::tuple<Ts...>& out) {
  if (!dec.read_header()) return false;
  bool ok = true;
  size_t i = 0;
  auto one = [&](auto& v) {
    using T = std::remove_reference_t<decltype(v)>;
    if (!ok) return;
    if (i < dec.arg_count()) {
      ok = decode_value(dec, dec.arg_type(i), v);
      if (!ok) dec.prefix_error("argument " + std::to_string(i) + ": ");
    } else if (Candid<T>::kNullable) {
      v = T{};
    } else {
      ok = dec.fail("argument " + std::to_string(i) + " is missing");
    }
    ++i;
  };
  std::apply([&](auto&... vs) { (one(vs), ...); }, out);
  if (!ok) return false;
  for (; i < dec.arg_count(); ++i)
    if (!dec.skip(dec.arg_type(i))) return false;
  if (!dec.at_end()) return dec.fail("bytes left after the last argument");
  return true;
}

// The same over a byte buffer: false and |error| on failure.
template <class... Ts>
bool decode(const uint8_t* data, size_t size, std::tuple<Ts...>& out, std::string* error) {
  Decoder dec(data, size);
  bool ok = decode_args(dec, out);
  if (!ok && error) *error = dec.error();
  return ok;
}

}  // namespace candid
}  // namespace ic

// Declares the struct S (in the current namespace) a Candid record whose fields are the named
// members; each field's id is the hash of its name, so the order of the names does not matter.
#define CHORUS_CANDID_RECORD(S, ...)                                            \
  [[maybe_unused]] inline auto chorus_candid_fields(const S*) {                 \
    using ChorusRecordType = S;                                                 \
    return std::make_tuple(CHORUS_CANDID_FOR_EACH(CHORUS_CANDID_FIELD_, __VA_ARGS__)); \
  }
#define CHORUS_CANDID_FIELD_(f) ::ic::candid::field(#f, &ChorusRecordType::f)

// A FOR_EACH over up to 32 arguments, comma-separated.
#define CHORUS_CANDID_EXPAND_(...) __VA_ARGS__
#define CHORUS_CANDID_FOR_EACH(m, ...) \
  CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE_PICK_(__VA_ARGS__, CHORUS_CANDID_FE_LIST_)(m, __VA_ARGS__))
#define CHORUS_CANDID_FE_LIST_ \
  CHORUS_CANDID_FE32, CHORUS_CANDID_FE31, CHORUS_CANDID_FE30, CHORUS_CANDID_FE29, \
  CHORUS_CANDID_FE28, CHORUS_CANDID_FE27, CHORUS_CANDID_FE26, CHORUS_CANDID_FE25, \
  CHORUS_CANDID_FE24, CHORUS_CANDID_FE23, CHORUS_CANDID_FE22, CHORUS_CANDID_FE21, \
  CHORUS_CANDID_FE20, CHORUS_CANDID_FE19, CHORUS_CANDID_FE18, CHORUS_CANDID_FE17, \
  CHORUS_CANDID_FE16, CHORUS_CANDID_FE15, CHORUS_CANDID_FE14, CHORUS_CANDID_FE13, \
  CHORUS_CANDID_FE12, CHORUS_CANDID_FE11, CHORUS_CANDID_FE10, CHORUS_CANDID_FE9,  \
  CHORUS_CANDID_FE8, CHORUS_CANDID_FE7, CHORUS_CANDID_FE6, CHORUS_CANDID_FE5,     \
  CHORUS_CANDID_FE4, CHORUS_CANDID_FE3, CHORUS_CANDID_FE2, CHORUS_CANDID_FE1
#define CHORUS_CANDID_FE_PICK_(...) CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE_NTH_(__VA_ARGS__))
#define CHORUS_CANDID_FE_NTH_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, \
                              _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28,  \
                              _29, _30, _31, _32, N, ...)                                        \
  N
#define CHORUS_CANDID_FE1(m, a) m(a)
#define CHORUS_CANDID_FE2(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE1(m, __VA_ARGS__))
#define CHORUS_CANDID_FE3(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE2(m, __VA_ARGS__))
#define CHORUS_CANDID_FE4(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE3(m, __VA_ARGS__))
#define CHORUS_CANDID_FE5(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE4(m, __VA_ARGS__))
#define CHORUS_CANDID_FE6(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE5(m, __VA_ARGS__))
#define CHORUS_CANDID_FE7(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE6(m, __VA_ARGS__))
#define CHORUS_CANDID_FE8(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE7(m, __VA_ARGS__))
#define CHORUS_CANDID_FE9(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE8(m, __VA_ARGS__))
#define CHORUS_CANDID_FE10(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE9(m, __VA_ARGS__))
#define CHORUS_CANDID_FE11(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE10(m, __VA_ARGS__))
#define CHORUS_CANDID_FE12(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE11(m, __VA_ARGS__))
#define CHORUS_CANDID_FE13(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE12(m, __VA_ARGS__))
#define CHORUS_CANDID_FE14(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE13(m, __VA_ARGS__))
#define CHORUS_CANDID_FE15(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE14(m, __VA_ARGS__))
#define CHORUS_CANDID_FE16(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE15(m, __VA_ARGS__))
#define CHORUS_CANDID_FE17(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE16(m, __VA_ARGS__))
#define CHORUS_CANDID_FE18(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE17(m, __VA_ARGS__))
#define CHORUS_CANDID_FE19(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE18(m, __VA_ARGS__))
#define CHORUS_CANDID_FE20(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE19(m, __VA_ARGS__))
#define CHORUS_CANDID_FE21(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE20(m, __VA_ARGS__))
#define CHORUS_CANDID_FE22(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE21(m, __VA_ARGS__))
#define CHORUS_CANDID_FE23(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE22(m, __VA_ARGS__))
#define CHORUS_CANDID_FE24(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE23(m, __VA_ARGS__))
#define CHORUS_CANDID_FE25(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE24(m, __VA_ARGS__))
#define CHORUS_CANDID_FE26(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE25(m, __VA_ARGS__))
#define CHORUS_CANDID_FE27(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE26(m, __VA_ARGS__))
#define CHORUS_CANDID_FE28(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE27(m, __VA_ARGS__))
#define CHORUS_CANDID_FE29(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE28(m, __VA_ARGS__))
#define CHORUS_CANDID_FE30(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE29(m, __VA_ARGS__))
#define CHORUS_CANDID_FE31(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE30(m, __VA_ARGS__))
#define CHORUS_CANDID_FE32(m, a, ...) m(a), CHORUS_CANDID_EXPAND_(CHORUS_CANDID_FE31(m, __VA_ARGS__))
