// Candid types (CAND spec/Candid.md, "Type Structure" and "Binary Format"). A type is a TypeRef:
// either a primitive opcode or an index into a TypeTable whose entries are the constructed types.
// The wire format describes argument types exactly like this, so decoded type tables and the
// tables built for expected types share one representation, and recursive types are just entries
// that refer to themselves.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace chorus::candid {

// The primitive types, by their wire opcode (SLEB128, one byte each).
enum class Prim : int8_t {
  kNull = -1,
  kBool = -2,
  kNat = -3,
  kInt = -4,
  kNat8 = -5,
  kNat16 = -6,
  kNat32 = -7,
  kNat64 = -8,
  kInt8 = -9,
  kInt16 = -10,
  kInt32 = -11,
  kInt64 = -12,
  kFloat32 = -13,
  kFloat64 = -14,
  kText = -15,
  kReserved = -16,
  kEmpty = -17,
  kPrincipal = -24,
};

// Opcodes of the constructed types; they only appear as type table entries.
inline constexpr int64_t kOpcodeOpt = -18;
inline constexpr int64_t kOpcodeVec = -19;
inline constexpr int64_t kOpcodeRecord = -20;
inline constexpr int64_t kOpcodeVariant = -21;
inline constexpr int64_t kOpcodeFunc = -22;
inline constexpr int64_t kOpcodeService = -23;
// Opcodes below this are reserved for future types, which a decoder must be able to skip.
inline constexpr int64_t kOpcodeLastKnown = -24;

bool is_prim_opcode(int64_t opcode);
std::string_view prim_name(Prim p);

class TypeRef {
 public:
  TypeRef() : code_(static_cast<int64_t>(Prim::kNull)) {}
  static TypeRef prim(Prim p) { return TypeRef(static_cast<int64_t>(p)); }
  static TypeRef index(uint32_t i) { return TypeRef(static_cast<int64_t>(i)); }

  bool is_prim() const { return code_ < 0; }
  bool is(Prim p) const { return code_ == static_cast<int64_t>(p); }
  // REQUIRES: is_prim().
  Prim as_prim() const { return static_cast<Prim>(code_); }
  // REQUIRES: !is_prim().
  uint32_t as_index() const { return static_cast<uint32_t>(code_); }
  // The SLEB128 value written on the wire.
  int64_t code() const { return code_; }

  friend bool operator==(TypeRef, TypeRef) = default;

 private:
  explicit TypeRef(int64_t code) : code_(code) {}
  int64_t code_;
};

// A record field or variant case. Ids are the field-name hash, or a number given directly.
struct Field {
  uint32_t id = 0;
  TypeRef type;
  friend bool operator==(const Field&, const Field&) = default;
};

struct Method {
  std::string name;  // valid UTF-8
  TypeRef type;      // refers to a func entry
  friend bool operator==(const Method&, const Method&) = default;
};

enum class FuncMode : uint8_t { kQuery = 1, kOneway = 2, kCompositeQuery = 3 };

enum class Kind : uint8_t { kOpt, kVec, kRecord, kVariant, kFunc, kService, kFuture };

// One constructed type. Only the members of its kind are used; a plain struct keeps tables easy
// to build by hand and cheap to compare.
struct TypeEntry {
  Kind kind = Kind::kRecord;
  TypeRef inner;                 // kOpt, kVec
  std::vector<Field> fields;     // kRecord, kVariant: strictly increasing ids
  std::vector<TypeRef> args;     // kFunc
  std::vector<TypeRef> results;  // kFunc
  std::vector<FuncMode> modes;   // kFunc: as written (the set matters, not the order)
  std::vector<Method> methods;   // kService: strictly increasing names (bytewise)
  int64_t future_opcode = 0;     // kFuture: the unknown opcode, below kOpcodeLastKnown
  Bytes future_data;             // kFuture: the opaque type description

  friend bool operator==(const TypeEntry&, const TypeEntry&) = default;
};

class TypeTable {
 public:
  // Appends an entry and returns a reference to it. Entries may refer to indices not added yet,
  // which is how recursive types are built; validate() checks them once the table is complete.
  TypeRef add(TypeEntry entry);
  TypeRef add_opt(TypeRef inner);
  TypeRef add_vec(TypeRef inner);
  TypeRef add_record(std::vector<Field> fields);   // sorted here
  TypeRef add_variant(std::vector<Field> fields);  // sorted here
  TypeRef add_func(std::vector<TypeRef> args, std::vector<TypeRef> results,
                   std::vector<FuncMode> modes = {});
  TypeRef add_service(std::vector<Method> methods);  // sorted here
  // Reserves an index whose entry is filled in later with set().
  TypeRef reserve();
  void set(TypeRef ref, TypeEntry entry);

  size_t size() const { return entries_.size(); }
  const TypeEntry& at(TypeRef ref) const { return entries_[ref.as_index()]; }
  const std::vector<TypeEntry>& entries() const { return entries_; }

  // Every reference in range and of the right kind, ids and names sorted and unique, method
  // names valid UTF-8, only known function annotations.
  Status validate() const;
  // A reference is valid in this table: a primitive opcode or an index in range.
  bool is_valid(TypeRef ref) const;

  // Candid text syntax of |ref|, with table entries written as "tN" references to keep recursive
  // types finite; for error messages and tests.
  std::string to_text(TypeRef ref) const;

  friend bool operator==(const TypeTable&, const TypeTable&) = default;

 private:
  std::vector<TypeEntry> entries_;
};

// A tuple of types, as a message's arguments or a method's parameters have, with their table.
struct ArgTypes {
  TypeTable table;
  std::vector<TypeRef> types;
  friend bool operator==(const ArgTypes&, const ArgTypes&) = default;
};

// The field id of a textual field name: h = h * 223 + byte over the UTF-8 bytes, mod 2^32.
uint32_t field_hash(std::string_view name);

// True for the types whose values may be absent from a record or argument list (they then read
// as null): null, reserved and every opt type.
bool is_nullable(const TypeTable& table, TypeRef ref);

}  // namespace chorus::candid
