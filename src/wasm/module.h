// The decoded form of a WebAssembly module (Wasm 2.0 plus memory64 and table64). The module owns a
// copy of its binary; function bodies, constant expressions, data and custom sections are byte
// ranges into it, so that nothing is copied twice and an interpreter can translate bodies later.
// The validator fills in Function::info, which is all a translator needs beyond the bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace chorus::wasm {

// Value types by their binary encoding.
enum class ValType : uint8_t {
  kI32 = 0x7F,
  kI64 = 0x7E,
  kF32 = 0x7D,
  kF64 = 0x7C,
  kV128 = 0x7B,
  kFuncRef = 0x70,
  kExternRef = 0x6F,
};

const char* to_string(ValType t);
inline bool is_ref(ValType t) { return t == ValType::kFuncRef || t == ValType::kExternRef; }

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

// Limits of a table or memory, in elements or 64 KiB pages. |is64| selects the 64-bit index type
// (memory64, table64): addresses and sizes are then i64 values.
struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  bool is64 = false;
};

struct TableType {
  ValType elem = ValType::kFuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;
};

struct GlobalType {
  ValType type = ValType::kI32;
  bool is_mutable = false;
};

enum class ExternKind : uint8_t { kFunc = 0, kTable = 1, kMemory = 2, kGlobal = 3 };
const char* to_string(ExternKind k);

// A span of Module::bytes.
struct ByteRange {
  uint32_t offset = 0;
  uint32_t size = 0;
};

// A constant expression: its instructions including the final `end`.
struct ConstExpr {
  ByteRange code;
};

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t func_type = 0;  // kFunc: the type index
  TableType table;         // kTable
  MemoryType memory;       // kMemory
  GlobalType global;       // kGlobal
};

// One entry of a function's side table, recorded by the validator for every instruction that
// transfers control: `if` (when the condition is false), `else` (at the end of the then-arm), and
// each target of `br`, `br_if` and `br_table` (one entry per label, default last). Entries appear
// in the order of their instructions in the body, so a translator walking the body consumes them
// with a cursor and never searches. To take the branch: keep the top |arity| operands, drop the
// operands down to |height| (counted from the function's operand-stack base, locals excluded),
// push the kept ones back, continue at body offset |target|. A target equal to the body's size
// is the function's end (a branch to the outermost label returns). Heights and arities are given
// twice: in values, and in 8-byte slots where a v128 takes two, for an interpreter that lays the
// stack out in slots. Entries in unreachable code are recorded too; they are never taken.
struct BranchEntry {
  uint32_t pc = 0;           // body offset of the branching instruction's opcode
  uint32_t target = 0;       // body offset to continue at
  uint32_t height = 0;       // operand-stack height of the target label, in values
  uint32_t arity = 0;        // values the branch carries
  uint32_t slot_height = 0;  // the same two in slots
  uint32_t slot_arity = 0;
};

// The operand type of a `drop` or an untyped `select` (0x1B), which the instruction itself does
// not say. In unreachable code, where the type is unconstrained, i32 is recorded.
struct TypeNote {
  uint32_t pc = 0;
  ValType type = ValType::kI32;
};

// What validation learned about a function body.
struct FunctionInfo {
  uint32_t num_locals = 0;         // parameters plus declared locals
  uint32_t max_stack_height = 0;   // operand values (a v128 counts as one)
  uint32_t max_stack_slots = 0;    // operand slots (a v128 counts as two)
  uint32_t max_control_depth = 0;  // nesting of block/loop/if, the function block included
  std::vector<BranchEntry> side_table;
  std::vector<TypeNote> type_notes;  // in body order
  bool uses_simd = false;            // the body holds a SIMD (0xFD-prefixed) instruction
};

struct LocalRun {
  uint32_t count = 0;
  ValType type = ValType::kI32;
};

struct Function {
  uint32_t type_index = 0;
  std::vector<LocalRun> locals;  // declared locals, parameters excluded
  ByteRange body;                // instructions after the local declarations, through the final end
  FunctionInfo info;             // filled by validate()
};

struct Table {
  TableType type;
};

struct Memory {
  MemoryType type;
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;
};

enum class SegmentMode : uint8_t { kActive, kPassive, kDeclarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::kActive;
  ValType type = ValType::kFuncRef;
  uint32_t table = 0;  // kActive
  ConstExpr offset;    // kActive
  // Exactly one of these is used: function indices (the compact encodings) or expressions.
  bool uses_exprs = false;
  std::vector<uint32_t> functions;
  std::vector<ConstExpr> exprs;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::kActive;  // kActive or kPassive
  uint32_t memory = 0;
  ConstExpr offset;
  ByteRange init;
};

struct CustomSection {
  std::string name;
  ByteRange content;  // kept raw, including the "name" section
};

struct Module {
  Bytes bytes;  // the binary the ranges point into

  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<Function> functions;  // defined functions only; imports come first in the index space
  std::vector<Table> tables;
  std::vector<Memory> memories;
  std::vector<Global> globals;
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elements;
  std::vector<DataSegment> data;
  std::optional<uint32_t> data_count;
  std::vector<CustomSection> customs;

  uint32_t imported_functions = 0;
  uint32_t imported_tables = 0;
  uint32_t imported_memories = 0;
  uint32_t imported_globals = 0;

  ByteView view(ByteRange r) const { return ByteView(bytes).subspan(r.offset, r.size); }
};

// Whether running |m| needs SIMD: a v128 in a function type, a global, an imported global or a
// local, or a SIMD instruction in a body. An executor without SIMD can run every other module.
// REQUIRES: |m| was validated (validate() fills FunctionInfo::uses_simd).
bool uses_simd(const Module& m);

}  // namespace chorus::wasm
