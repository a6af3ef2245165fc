// Translation of validated function bodies into register code, the form RegisterInterpreter runs.
//
// The operand-stack height at every instruction of a validated body is static, so every stack
// position is a fixed slot of the frame: a frame is [locals][operand slots], and the value at
// stack position i lives in slot num_locals + i. Each register operation names its operands and
// its result as frame-slot indices (`I32Add d, a, b`: fp[d] = fp[a] + fp[b]); the moves that
// dominate stack code (local.get/set/tee, constants) mostly disappear:
//   - local.get and constants push a compile-time reference ("local x", "constant c") and emit no
//     code; an operation reads the local's slot directly, and a constant second operand selects
//     the operation's immediate form (`I32AddC d, a, c`).
//   - a result consumed at once by local.set/tee x is written to x directly.
//   - an i32 comparison feeding br_if or if becomes one compare-and-branch.
//   - `i32.add` of a local and a constant is kept pending too, and folds into a load or store
//     that uses it as its address (`Load32AC d, a, k, o`).
// A pending reference is copied into its own slot before anything overwrites the local, and all
// of them at every block, loop, if, else and end, so that control-flow joins find every value in
// its slot. Branches copy the values they carry to the target's slots before jumping.
//
// Metering is exactly that of translate.h: the same Charge blocks with the same costs (every Wasm
// instruction is charged, including those that emit nothing here), the same dynamic costs. Code
// lives in CompiledModule like the stack code, with the same CompiledFunction fields, so Store
// and Instance need not know which form they hold; only RegisterInterpreter runs it.
//
// Modules using v128 anywhere are refused with kRegisterSimdUnsupported.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/result.h"
#include "wasm/module.h"
#include "wasm/translate.h"

namespace chorus::wasm {

inline constexpr char kRegisterSimdUnsupported[] =
    "SIMD (v128) is unsupported by this executor (the register interpreter)";

// Operand notation: d a result slot, a/b/c operand slots, k a 64-bit immediate in slot form,
// t a branch target (relative to the word holding it), o a memory offset, i an index.
// X(name, number of immediate words).
#define CHORUS_WASM_REG_CONTROL_OPS(X)                                                          \
  X(Unreachable, 0) X(Charge, 1) /* k */ X(Jump, 1) /* t */ X(BrIf, 2) /* a t */              \
  X(BrIfEqz, 2) /* a t */ X(BrTable, 0) /* a n src (t keep dst)*(n+1): variable */              \
  X(Return, 2) /* n src */ X(Call, 2) /* i base */ X(CallInternal, 2) /* i base */              \
  X(CallIndirect, 4) /* type table a base */ X(Copy, 2) /* d a */ X(Const, 2) /* d k */        \
  X(Select, 4) /* d a b c */ X(GlobalGet, 2) /* d i */ X(GlobalSet, 2) /* a i */                \
  X(TableGet, 3) /* d a table */ X(TableSet, 3) /* a b table */ X(TableSize, 2) /* d table */  \
  X(TableGrow, 4) /* d init n table */ X(TableFill, 4) /* i v n table */                        \
  X(TableCopy, 5) /* d s n dst src */ X(TableInit, 5) /* d s n seg table */ X(ElemDrop, 1)      \
  X(Load32, 3) /* d a o */ X(Load64, 3) X(I32Load8S, 3) X(I32Load8U, 3) X(I32Load16S, 3)        \
  X(I32Load16U, 3) X(I64Load8S, 3) X(I64Load16S, 3) X(I64Load32S, 3)                           \
  X(Store8, 3) /* a v o */ X(Store16, 3) X(Store32, 3) X(Store64, 3) X(MemorySize, 1) /* d */  \
  X(MemoryGrow, 2) /* d n */ X(MemoryFill, 3) /* d v n */ X(MemoryCopy, 3) /* d s n */         \
  X(MemoryInit, 4) /* d s n seg */ X(DataDrop, 1) X(RefFunc, 2) /* d i */                    \
  /* i32 address = local + constant, folded into the access (memory32 only, as i32 addresses */ \
  /* are): loads d a k o, stores a k v o; the address is u32(fp[a] + k) + o. */                 \
  X(Load32AC, 4) X(Load64AC, 4) X(I32Load8SAC, 4) X(I32Load8UAC, 4) X(I32Load16SAC, 4)         \
  X(I32Load16UAC, 4) X(I64Load8SAC, 4) X(I64Load16SAC, 4) X(I64Load32SAC, 4) X(Store8AC, 4)    \
  X(Store16AC, 4) X(Store32AC, 4) X(Store64AC, 4)

// The i32 comparisons that fuse with a branch: `<name>BrIf a b t` and `<name>BrIfC a k t`.
#define CHORUS_WASM_REG_CMP_OPS(X) \
  X(I32Eq) X(I32Ne) X(I32LtS) X(I32LtU) X(I32GtS) X(I32GtU) X(I32LeS) X(I32LeU) X(I32GeS) X(I32GeU)

// The numeric instructions 0x45..0xC4 in opcode order: U unary (`name d a`), B binary
// (`name d a b` and `nameC d a k`), N no code (the slot already holds the right bits).
#define CHORUS_WASM_REG_NUMERIC_OPS(X)                                                          \
  X(I32Eqz, U) X(I32Eq, B) X(I32Ne, B) X(I32LtS, B) X(I32LtU, B) X(I32GtS, B) X(I32GtU, B)      \
  X(I32LeS, B) X(I32LeU, B) X(I32GeS, B) X(I32GeU, B) X(I64Eqz, U) X(I64Eq, B) X(I64Ne, B)      \
  X(I64LtS, B) X(I64LtU, B) X(I64GtS, B) X(I64GtU, B) X(I64LeS, B) X(I64LeU, B) X(I64GeS, B)    \
  X(I64GeU, B) X(F32Eq, B) X(F32Ne, B) X(F32Lt, B) X(F32Gt, B) X(F32Le, B) X(F32Ge, B)          \
  X(F64Eq, B) X(F64Ne, B) X(F64Lt, B) X(F64Gt, B) X(F64Le, B) X(F64Ge, B) X(I32Clz, U)          \
  X(I32Ctz, U) X(I32Popcnt, U) X(I32Add, B) X(I32Sub, B) X(I32Mul, B) X(I32DivS, B)             \
  X(I32DivU, B) X(I32RemS, B) X(I32RemU, B) X(I32And, B) X(I32Or, B) X(I32Xor, B) X(I32Shl, B) \
  X(I32ShrS, B) X(I32ShrU, B) X(I32Rotl, B) X(I32Rotr, B) X(I64Clz, U) X(I64Ctz, U)             \
  X(I64Popcnt, U) X(I64Add, B) X(I64Sub, B) X(I64Mul, B) X(I64DivS, B) X(I64DivU, B)           \
  X(I64RemS, B) X(I64RemU, B) X(I64And, B) X(I64Or, B) X(I64Xor, B) X(I64Shl, B) X(I64ShrS, B) \
  X(I64ShrU, B) X(I64Rotl, B) X(I64Rotr, B) X(F32Abs, U) X(F32Neg, U) X(F32Ceil, U)             \
  X(F32Floor, U) X(F32Trunc, U) X(F32Nearest, U) X(F32Sqrt, U) X(F32Add, B) X(F32Sub, B)        \
  X(F32Mul, B) X(F32Div, B) X(F32Min, B) X(F32Max, B) X(F32Copysign, B) X(F64Abs, U)            \
  X(F64Neg, U) X(F64Ceil, U) X(F64Floor, U) X(F64Trunc, U) X(F64Nearest, U) X(F64Sqrt, U)       \
  X(F64Add, B) X(F64Sub, B) X(F64Mul, B) X(F64Div, B) X(F64Min, B) X(F64Max, B)                 \
  X(F64Copysign, B) X(I32WrapI64, U) X(I32TruncF32S, U) X(I32TruncF32U, U) X(I32TruncF64S, U)  \
  X(I32TruncF64U, U) X(I64ExtendI32S, U) X(I64ExtendI32U, N) X(I64TruncF32S, U)                 \
  X(I64TruncF32U, U) X(I64TruncF64S, U) X(I64TruncF64U, U) X(F32ConvertI32S, U)                 \
  X(F32ConvertI32U, U) X(F32ConvertI64S, U) X(F32ConvertI64U, U) X(F32DemoteF64, U)             \
  X(F64ConvertI32S, U) X(F64ConvertI32U, U) X(F64ConvertI64S, U) X(F64ConvertI64U, U)           \
  X(F64PromoteF32, U) X(I32ReinterpretF32, N) X(I64ReinterpretF64, N) X(F32ReinterpretI32, N)   \
  X(F64ReinterpretI64, N) X(I32Extend8S, U) X(I32Extend16S, U) X(I64Extend8S, U)                \
  X(I64Extend16S, U) X(I64Extend32S, U)

// 0xFC 0..7, in sub-opcode order; all unary.
#define CHORUS_WASM_REG_SAT_OPS(X)                                                        \
  X(I32TruncSatF32S) X(I32TruncSatF32U) X(I32TruncSatF64S) X(I32TruncSatF64U)            \
  X(I64TruncSatF32S) X(I64TruncSatF32U) X(I64TruncSatF64S) X(I64TruncSatF64U)


enum class RegOp : uint64_t {
#define CHORUS_WASM_REG_ENUM(name, imm) k##name,
#define CHORUS_WASM_REG_ENUM_CMP(name) k##name##BrIf, k##name##BrIfC,
#define CHORUS_WASM_REG_ENUM_U(name) k##name,
#define CHORUS_WASM_REG_ENUM_B(name) k##name, k##name##C,
#define CHORUS_WASM_REG_ENUM_N(name)
#define CHORUS_WASM_REG_ENUM_NUM(name, kind) CHORUS_WASM_REG_ENUM_##kind(name)
  CHORUS_WASM_REG_CONTROL_OPS(CHORUS_WASM_REG_ENUM)
  CHORUS_WASM_REG_CMP_OPS(CHORUS_WASM_REG_ENUM_CMP)
  CHORUS_WASM_REG_NUMERIC_OPS(CHORUS_WASM_REG_ENUM_NUM)
  CHORUS_WASM_REG_SAT_OPS(CHORUS_WASM_REG_ENUM_U)
#undef CHORUS_WASM_REG_ENUM
#undef CHORUS_WASM_REG_ENUM_CMP
#undef CHORUS_WASM_REG_ENUM_U
#undef CHORUS_WASM_REG_ENUM_B
#undef CHORUS_WASM_REG_ENUM_N
#undef CHORUS_WASM_REG_ENUM_NUM
  kCount
};

const char* to_string(RegOp op);

// The number of words of the operation at |code| (the operation word included), which must still
// hold its RegOp number.
size_t reg_op_words(const uint64_t* code);

// Translates every function body of a validated module into register code. Fails with
// kRegisterSimdUnsupported for modules that use v128.
// |metering| as for translate() in translate.h.
Result<CompiledModule> translate_registers(const Module& module, bool metering = true);

}  // namespace chorus::wasm
