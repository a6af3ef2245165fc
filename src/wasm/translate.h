// Translation of validated function bodies into the engine's internal code, once per module.
//
// The code of a function is a vector of 64-bit words: an operation followed by its immediates.
// Nothing is decoded at run time: branch targets are code indices, branches carry how many slots
// they keep and the slot height they cut the stack to (from the validator's side table), memory
// offsets are plain words, drop and select know their width. Operands live in one contiguous stack
// of 64-bit slots per execution; a frame's locals are its first slots (parameters first), its
// operands follow.
//
// Metering is by basic block: every block of straight-line code starts with a Charge operation
// carrying the summed static cost of the block (its instructions up to and including the next
// control transfer or call), so the counter is checked once per block instead of once per
// instruction. Because the charge is taken when the block is entered and the whole block is
// refused if the budget does not cover it, no effect of an instruction beyond the limit is ever
// visible. Blocks end after calls, so when a callee (or a host function) runs, the count covers
// exactly the instructions executed so far. Operations whose cost scales with a length
// (memory.grow/fill/copy/init, table.grow/fill/copy/init) charge that part themselves, before
// acting.
//
// The operation words are Op numbers as translated (the portable form a JIT would consume); an
// executor may rewrite them in place into its own handler addresses (Interpreter does, for
// direct-threaded dispatch) — see CompiledModule::threaded.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "wasm/module.h"

namespace chorus::wasm {

// X(name, immediates). Loads and stores take the memory offset; Charge the block cost; Br/BrIf
// (target, keep, height) where height is in slots from the frame base (locals included). Call
// takes a function index (imports go through the instance), CallInternal the index of a function
// defined in the same module, which runs in the caller's instance.
#define CHORUS_WASM_OPS(X)                                                                         \
  X(Unreachable, 0) X(Charge, 1) X(Br, 3) X(BrIf, 3) X(BrUnless, 1) X(Jump, 1) X(BrTable, 1)       \
  X(Return, 1) X(Call, 1) X(CallInternal, 1) X(CallIndirect, 2) X(Drop, 0) X(Select, 0)            \
  X(LocalGet, 1) X(LocalSet, 1) X(LocalTee, 1) X(GlobalGet, 1) X(GlobalSet, 1) X(TableGet, 1)      \
  X(TableSet, 1) X(TableSize, 1) X(TableGrow, 1) X(TableFill, 1) X(TableCopy, 2) X(TableInit, 2)   \
  X(ElemDrop, 1) X(Load32, 1) X(Load64, 1) X(I32Load8S, 1) X(I32Load8U, 1) X(I32Load16S, 1)        \
  X(I32Load16U, 1) X(I64Load8S, 1) X(I64Load16S, 1) X(I64Load32S, 1) X(Store8, 1) X(Store16, 1)    \
  X(Store32, 1) X(Store64, 1) X(MemorySize, 0) X(MemoryGrow, 0) X(MemoryFill, 0)                   \
  X(MemoryCopy, 0) X(MemoryInit, 1) X(DataDrop, 1) X(Const, 1) X(RefIsNull, 0) X(RefFunc, 1)       \
  X(I32Eqz, 0) X(I32Eq, 0) X(I32Ne, 0) X(I32LtS, 0) X(I32LtU, 0) X(I32GtS, 0) X(I32GtU, 0)         \
  X(I32LeS, 0) X(I32LeU, 0) X(I32GeS, 0) X(I32GeU, 0) X(I64Eqz, 0) X(I64Eq, 0) X(I64Ne, 0)         \
  X(I64LtS, 0) X(I64LtU, 0) X(I64GtS, 0) X(I64GtU, 0) X(I64LeS, 0) X(I64LeU, 0) X(I64GeS, 0)       \
  X(I64GeU, 0) X(F32Eq, 0) X(F32Ne, 0) X(F32Lt, 0) X(F32Gt, 0) X(F32Le, 0) X(F32Ge, 0)             \
  X(F64Eq, 0) X(F64Ne, 0) X(F64Lt, 0) X(F64Gt, 0) X(F64Le, 0) X(F64Ge, 0) X(I32Clz, 0)             \
  X(I32Ctz, 0) X(I32Popcnt, 0) X(I32Add, 0) X(I32Sub, 0) X(I32Mul, 0) X(I32DivS, 0)                \
  X(I32DivU, 0) X(I32RemS, 0) X(I32RemU, 0) X(I32And, 0) X(I32Or, 0) X(I32Xor, 0) X(I32Shl, 0)     \
  X(I32ShrS, 0) X(I32ShrU, 0) X(I32Rotl, 0) X(I32Rotr, 0) X(I64Clz, 0) X(I64Ctz, 0)                \
  X(I64Popcnt, 0) X(I64Add, 0) X(I64Sub, 0) X(I64Mul, 0) X(I64DivS, 0) X(I64DivU, 0)               \
  X(I64RemS, 0) X(I64RemU, 0) X(I64And, 0) X(I64Or, 0) X(I64Xor, 0) X(I64Shl, 0) X(I64ShrS, 0)     \
  X(I64ShrU, 0) X(I64Rotl, 0) X(I64Rotr, 0) X(F32Abs, 0) X(F32Neg, 0) X(F32Ceil, 0)                \
  X(F32Floor, 0) X(F32Trunc, 0) X(F32Nearest, 0) X(F32Sqrt, 0) X(F32Add, 0) X(F32Sub, 0)           \
  X(F32Mul, 0) X(F32Div, 0) X(F32Min, 0) X(F32Max, 0) X(F32Copysign, 0) X(F64Abs, 0)               \
  X(F64Neg, 0) X(F64Ceil, 0) X(F64Floor, 0) X(F64Trunc, 0) X(F64Nearest, 0) X(F64Sqrt, 0)          \
  X(F64Add, 0) X(F64Sub, 0) X(F64Mul, 0) X(F64Div, 0) X(F64Min, 0) X(F64Max, 0)                    \
  X(F64Copysign, 0) X(I32WrapI64, 0) X(I32TruncF32S, 0) X(I32TruncF32U, 0) X(I32TruncF64S, 0)      \
  X(I32TruncF64U, 0) X(I64ExtendI32S, 0) X(I64TruncF32S, 0) X(I64TruncF32U, 0)                     \
  X(I64TruncF64S, 0) X(I64TruncF64U, 0) X(F32ConvertI32S, 0) X(F32ConvertI32U, 0)                  \
  X(F32ConvertI64S, 0) X(F32ConvertI64U, 0) X(F32DemoteF64, 0) X(F64ConvertI32S, 0)                \
  X(F64ConvertI32U, 0) X(F64ConvertI64S, 0) X(F64ConvertI64U, 0) X(F64PromoteF32, 0)               \
  X(I32Extend8S, 0) X(I32Extend16S, 0) X(I64Extend8S, 0) X(I64Extend16S, 0) X(I64Extend32S, 0)     \
  X(I32TruncSatF32S, 0) X(I32TruncSatF32U, 0) X(I32TruncSatF64S, 0) X(I32TruncSatF64U, 0)          \
  X(I64TruncSatF32S, 0) X(I64TruncSatF32U, 0) X(I64TruncSatF64S, 0) X(I64TruncSatF64U, 0)          \
  X(LocalGetLocalGet, 2) X(I32AddConst, 1) X(LocalGetI32AddConst, 2) X(BrIfEqz, 3)                 \
  X(I32EqBrIf, 3) X(I32NeBrIf, 3) X(I32LtSBrIf, 3) X(I32LtUBrIf, 3) X(I32GtSBrIf, 3)               \
  X(I32GtUBrIf, 3) X(I32LeSBrIf, 3) X(I32LeUBrIf, 3) X(I32GeSBrIf, 3) X(I32GeUBrIf, 3)

enum class Op : uint64_t {
#define CHORUS_WASM_OP_ENUM(name, imm) k##name,
  CHORUS_WASM_OPS(CHORUS_WASM_OP_ENUM)
#undef CHORUS_WASM_OP_ENUM
  kCount
};

const char* to_string(Op op);

// Static costs, by instruction class. A unit is one simple instruction.
inline constexpr uint64_t kCostDefault = 1;
inline constexpr uint64_t kCostDivision = 8;  // integer div/rem, float div and sqrt
inline constexpr uint64_t kCostCall = 5;
inline constexpr uint64_t kCostMemoryGrow = 100;
inline constexpr uint64_t kCostGrowPerPage = 64;  // memory.grow, per page actually added
// The per-unit part of bulk operations: one unit per this many bytes (memory) or per element.
inline constexpr uint64_t kBulkBytesPerUnit = 16;

// Owns the code of a module: the translated words of all its functions, in chunks that are mapped
// and populated at once. A 3 MB module translates to ~25 MB of code; mapping that one 4 KiB page
// fault at a time costs more than translating it, populating a chunk costs one system call.
class CodeArena {
 public:
  CodeArena() = default;
  CodeArena(CodeArena&& other) noexcept;
  CodeArena& operator=(CodeArena&& other) noexcept;
  CodeArena(const CodeArena&) = delete;
  CodeArena& operator=(const CodeArena&) = delete;
  ~CodeArena();

  // A hint: about |words| words will be allocated; sizes the next chunk.
  void expect(uint64_t words) { expected_ = words; }
  // |words| contiguous words, zeroed, valid for the arena's lifetime (they never move).
  std::span<uint64_t> allocate(size_t words);

 private:
  struct Chunk {
    uint64_t* base;
    size_t words;
    bool mapped;  // mmap'd (else new[])
  };
  void release();

  std::vector<Chunk> chunks_;
  size_t used_ = 0;  // words used in the last chunk
  uint64_t expected_ = 0;
};

struct CompiledFunction {
  std::span<uint64_t> code;  // in the module's CodeArena
  uint32_t param_slots = 0;
  uint32_t local_slots = 0;  // parameters included
  uint32_t max_operand_slots = 0;
  uint32_t result_slots = 0;
};

struct CompiledModule {
  std::vector<CompiledFunction> functions;  // one per defined function
  CodeArena arena;                          // their code
  // Set once the operation words have been replaced by an executor's handler addresses.
  bool threaded = false;
};

// Translates every function body of a validated module. Fails (with kSimdNotImplemented) for
// modules the executor cannot run yet.
Result<CompiledModule> translate(const Module& module);

}  // namespace chorus::wasm
