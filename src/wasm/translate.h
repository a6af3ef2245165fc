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
// control transfer, call of an import or call_indirect), so the counter is checked once per block
// instead of once per instruction. Because the charge is taken when the block is entered and the
// whole block is refused if the budget does not cover it, no effect of an instruction beyond the
// limit is ever visible. A call to a function of the same module does not end its block: the
// instructions after the call, up to the block's end, are charged before the call with the rest
// (otherwise a recursive function such as fib is all tiny blocks). So while a callee runs, the
// count is the instructions executed so far plus the charged rest of the blocks that wait on such
// calls; a host function sees that count (Caller::instructions_used()), and so does the caller
// after a trap, which is also where the count after an instruction-limit trap can exceed what ran.
// Both are deterministic and the same in every executor. Blocks do end after calls of imports and
// call_indirect, whose callee may be a host function. Operations whose cost scales with a length
// (memory.grow/fill/copy/init, table.grow/fill/copy/init) charge that part themselves, before
// acting.
//
// The operation words are Op numbers as translated; an executor may rewrite them in place into its
// own handler addresses (Interpreter does, for direct-threaded dispatch, where a Charge word
// becomes a handler that charges and then runs the op after it; the words keep their places) — see
// CompiledModule::threaded — or compile them to machine code kept in CompiledModule::native
// (JitExecutor does, from register code).
#pragma once

#include <cstdint>
#include <memory>
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
  X(I32GtUBrIf, 3) X(I32LeSBrIf, 3) X(I32LeUBrIf, 3) X(I32GeSBrIf, 3) X(I32GeUBrIf, 3)           \
  X(LocalGetV128, 1) X(LocalSetV128, 1) X(LocalTeeV128, 1) X(GlobalGetV128, 1)                     \
  X(GlobalSetV128, 1) X(DropV128, 0) X(SelectV128, 0)                                              \
  CHORUS_WASM_SIMD_OPS(X, CHORUS_WASM_SIMD_AS_OP)

// The fixed-width SIMD instructions, S(X, name, immediates, 0xFD sub-opcode), in sub-opcode order.
// A v128 takes two slots (bytes 0-7, then 8-15). Loads and stores take the memory offset, lane
// loads and stores the offset and the lane, extract/replace_lane the lane; v128.const and
// i8x16.shuffle carry their 16 bytes in two words, little-endian.
#define CHORUS_WASM_SIMD_AS_OP(X, name, imm, sub) X(name, imm)
#define CHORUS_WASM_SIMD_OPS(X, S)                                                                 \
  S(X, V128Load, 1, 0x00) S(X, V128Load8x8S, 1, 0x01) S(X, V128Load8x8U, 1, 0x02)                  \
  S(X, V128Load16x4S, 1, 0x03) S(X, V128Load16x4U, 1, 0x04) S(X, V128Load32x2S, 1, 0x05)           \
  S(X, V128Load32x2U, 1, 0x06) S(X, V128Load8Splat, 1, 0x07) S(X, V128Load16Splat, 1, 0x08)        \
  S(X, V128Load32Splat, 1, 0x09) S(X, V128Load64Splat, 1, 0x0A) S(X, V128Store, 1, 0x0B)           \
  S(X, V128Const, 2, 0x0C) S(X, I8x16Shuffle, 2, 0x0D) S(X, I8x16Swizzle, 0, 0x0E)                 \
  S(X, I8x16Splat, 0, 0x0F) S(X, I16x8Splat, 0, 0x10) S(X, I32x4Splat, 0, 0x11)                    \
  S(X, I64x2Splat, 0, 0x12) S(X, F32x4Splat, 0, 0x13) S(X, F64x2Splat, 0, 0x14)                    \
  S(X, I8x16ExtractLaneS, 1, 0x15) S(X, I8x16ExtractLaneU, 1, 0x16)                                \
  S(X, I8x16ReplaceLane, 1, 0x17) S(X, I16x8ExtractLaneS, 1, 0x18)                                 \
  S(X, I16x8ExtractLaneU, 1, 0x19) S(X, I16x8ReplaceLane, 1, 0x1A)                                 \
  S(X, I32x4ExtractLane, 1, 0x1B) S(X, I32x4ReplaceLane, 1, 0x1C) S(X, I64x2ExtractLane, 1, 0x1D)  \
  S(X, I64x2ReplaceLane, 1, 0x1E) S(X, F32x4ExtractLane, 1, 0x1F) S(X, F32x4ReplaceLane, 1, 0x20)  \
  S(X, F64x2ExtractLane, 1, 0x21) S(X, F64x2ReplaceLane, 1, 0x22) S(X, I8x16Eq, 0, 0x23)           \
  S(X, I8x16Ne, 0, 0x24) S(X, I8x16LtS, 0, 0x25) S(X, I8x16LtU, 0, 0x26) S(X, I8x16GtS, 0, 0x27)   \
  S(X, I8x16GtU, 0, 0x28) S(X, I8x16LeS, 0, 0x29) S(X, I8x16LeU, 0, 0x2A) S(X, I8x16GeS, 0, 0x2B)  \
  S(X, I8x16GeU, 0, 0x2C) S(X, I16x8Eq, 0, 0x2D) S(X, I16x8Ne, 0, 0x2E) S(X, I16x8LtS, 0, 0x2F)    \
  S(X, I16x8LtU, 0, 0x30) S(X, I16x8GtS, 0, 0x31) S(X, I16x8GtU, 0, 0x32) S(X, I16x8LeS, 0, 0x33)  \
  S(X, I16x8LeU, 0, 0x34) S(X, I16x8GeS, 0, 0x35) S(X, I16x8GeU, 0, 0x36) S(X, I32x4Eq, 0, 0x37)   \
  S(X, I32x4Ne, 0, 0x38) S(X, I32x4LtS, 0, 0x39) S(X, I32x4LtU, 0, 0x3A) S(X, I32x4GtS, 0, 0x3B)   \
  S(X, I32x4GtU, 0, 0x3C) S(X, I32x4LeS, 0, 0x3D) S(X, I32x4LeU, 0, 0x3E) S(X, I32x4GeS, 0, 0x3F)  \
  S(X, I32x4GeU, 0, 0x40) S(X, F32x4Eq, 0, 0x41) S(X, F32x4Ne, 0, 0x42) S(X, F32x4Lt, 0, 0x43)     \
  S(X, F32x4Gt, 0, 0x44) S(X, F32x4Le, 0, 0x45) S(X, F32x4Ge, 0, 0x46) S(X, F64x2Eq, 0, 0x47)      \
  S(X, F64x2Ne, 0, 0x48) S(X, F64x2Lt, 0, 0x49) S(X, F64x2Gt, 0, 0x4A) S(X, F64x2Le, 0, 0x4B)      \
  S(X, F64x2Ge, 0, 0x4C) S(X, V128Not, 0, 0x4D) S(X, V128And, 0, 0x4E) S(X, V128AndNot, 0, 0x4F)   \
  S(X, V128Or, 0, 0x50) S(X, V128Xor, 0, 0x51) S(X, V128Bitselect, 0, 0x52)                        \
  S(X, V128AnyTrue, 0, 0x53) S(X, V128Load8Lane, 2, 0x54) S(X, V128Load16Lane, 2, 0x55)            \
  S(X, V128Load32Lane, 2, 0x56) S(X, V128Load64Lane, 2, 0x57) S(X, V128Store8Lane, 2, 0x58)        \
  S(X, V128Store16Lane, 2, 0x59) S(X, V128Store32Lane, 2, 0x5A) S(X, V128Store64Lane, 2, 0x5B)     \
  S(X, V128Load32Zero, 1, 0x5C) S(X, V128Load64Zero, 1, 0x5D) S(X, F32x4DemoteF64x2Zero, 0, 0x5E)  \
  S(X, F64x2PromoteLowF32x4, 0, 0x5F) S(X, I8x16Abs, 0, 0x60) S(X, I8x16Neg, 0, 0x61)              \
  S(X, I8x16Popcnt, 0, 0x62) S(X, I8x16AllTrue, 0, 0x63) S(X, I8x16Bitmask, 0, 0x64)               \
  S(X, I8x16NarrowI16x8S, 0, 0x65) S(X, I8x16NarrowI16x8U, 0, 0x66) S(X, F32x4Ceil, 0, 0x67)       \
  S(X, F32x4Floor, 0, 0x68) S(X, F32x4Trunc, 0, 0x69) S(X, F32x4Nearest, 0, 0x6A)                  \
  S(X, I8x16Shl, 0, 0x6B) S(X, I8x16ShrS, 0, 0x6C) S(X, I8x16ShrU, 0, 0x6D)                        \
  S(X, I8x16Add, 0, 0x6E) S(X, I8x16AddSatS, 0, 0x6F) S(X, I8x16AddSatU, 0, 0x70)                  \
  S(X, I8x16Sub, 0, 0x71) S(X, I8x16SubSatS, 0, 0x72) S(X, I8x16SubSatU, 0, 0x73)                  \
  S(X, F64x2Ceil, 0, 0x74) S(X, F64x2Floor, 0, 0x75) S(X, I8x16MinS, 0, 0x76)                      \
  S(X, I8x16MinU, 0, 0x77) S(X, I8x16MaxS, 0, 0x78) S(X, I8x16MaxU, 0, 0x79)                       \
  S(X, F64x2Trunc, 0, 0x7A) S(X, I8x16AvgrU, 0, 0x7B) S(X, I16x8ExtaddPairwiseI8x16S, 0, 0x7C)     \
  S(X, I16x8ExtaddPairwiseI8x16U, 0, 0x7D) S(X, I32x4ExtaddPairwiseI16x8S, 0, 0x7E)                \
  S(X, I32x4ExtaddPairwiseI16x8U, 0, 0x7F) S(X, I16x8Abs, 0, 0x80) S(X, I16x8Neg, 0, 0x81)         \
  S(X, I16x8Q15mulrSatS, 0, 0x82) S(X, I16x8AllTrue, 0, 0x83) S(X, I16x8Bitmask, 0, 0x84)          \
  S(X, I16x8NarrowI32x4S, 0, 0x85) S(X, I16x8NarrowI32x4U, 0, 0x86)                                \
  S(X, I16x8ExtendLowI8x16S, 0, 0x87) S(X, I16x8ExtendHighI8x16S, 0, 0x88)                         \
  S(X, I16x8ExtendLowI8x16U, 0, 0x89) S(X, I16x8ExtendHighI8x16U, 0, 0x8A)                         \
  S(X, I16x8Shl, 0, 0x8B) S(X, I16x8ShrS, 0, 0x8C) S(X, I16x8ShrU, 0, 0x8D)                        \
  S(X, I16x8Add, 0, 0x8E) S(X, I16x8AddSatS, 0, 0x8F) S(X, I16x8AddSatU, 0, 0x90)                  \
  S(X, I16x8Sub, 0, 0x91) S(X, I16x8SubSatS, 0, 0x92) S(X, I16x8SubSatU, 0, 0x93)                  \
  S(X, F64x2Nearest, 0, 0x94) S(X, I16x8Mul, 0, 0x95) S(X, I16x8MinS, 0, 0x96)                     \
  S(X, I16x8MinU, 0, 0x97) S(X, I16x8MaxS, 0, 0x98) S(X, I16x8MaxU, 0, 0x99)                       \
  S(X, I16x8AvgrU, 0, 0x9B) S(X, I16x8ExtmulLowI8x16S, 0, 0x9C)                                    \
  S(X, I16x8ExtmulHighI8x16S, 0, 0x9D) S(X, I16x8ExtmulLowI8x16U, 0, 0x9E)                         \
  S(X, I16x8ExtmulHighI8x16U, 0, 0x9F) S(X, I32x4Abs, 0, 0xA0) S(X, I32x4Neg, 0, 0xA1)             \
  S(X, I32x4AllTrue, 0, 0xA3) S(X, I32x4Bitmask, 0, 0xA4) S(X, I32x4ExtendLowI16x8S, 0, 0xA7)      \
  S(X, I32x4ExtendHighI16x8S, 0, 0xA8) S(X, I32x4ExtendLowI16x8U, 0, 0xA9)                         \
  S(X, I32x4ExtendHighI16x8U, 0, 0xAA) S(X, I32x4Shl, 0, 0xAB) S(X, I32x4ShrS, 0, 0xAC)            \
  S(X, I32x4ShrU, 0, 0xAD) S(X, I32x4Add, 0, 0xAE) S(X, I32x4Sub, 0, 0xB1)                         \
  S(X, I32x4Mul, 0, 0xB5) S(X, I32x4MinS, 0, 0xB6) S(X, I32x4MinU, 0, 0xB7)                        \
  S(X, I32x4MaxS, 0, 0xB8) S(X, I32x4MaxU, 0, 0xB9) S(X, I32x4DotI16x8S, 0, 0xBA)                  \
  S(X, I32x4ExtmulLowI16x8S, 0, 0xBC) S(X, I32x4ExtmulHighI16x8S, 0, 0xBD)                         \
  S(X, I32x4ExtmulLowI16x8U, 0, 0xBE) S(X, I32x4ExtmulHighI16x8U, 0, 0xBF)                         \
  S(X, I64x2Abs, 0, 0xC0) S(X, I64x2Neg, 0, 0xC1) S(X, I64x2AllTrue, 0, 0xC3)                      \
  S(X, I64x2Bitmask, 0, 0xC4) S(X, I64x2ExtendLowI32x4S, 0, 0xC7)                                  \
  S(X, I64x2ExtendHighI32x4S, 0, 0xC8) S(X, I64x2ExtendLowI32x4U, 0, 0xC9)                         \
  S(X, I64x2ExtendHighI32x4U, 0, 0xCA) S(X, I64x2Shl, 0, 0xCB) S(X, I64x2ShrS, 0, 0xCC)            \
  S(X, I64x2ShrU, 0, 0xCD) S(X, I64x2Add, 0, 0xCE) S(X, I64x2Sub, 0, 0xD1)                         \
  S(X, I64x2Mul, 0, 0xD5) S(X, I64x2Eq, 0, 0xD6) S(X, I64x2Ne, 0, 0xD7) S(X, I64x2LtS, 0, 0xD8)    \
  S(X, I64x2GtS, 0, 0xD9) S(X, I64x2LeS, 0, 0xDA) S(X, I64x2GeS, 0, 0xDB)                          \
  S(X, I64x2ExtmulLowI32x4S, 0, 0xDC) S(X, I64x2ExtmulHighI32x4S, 0, 0xDD)                         \
  S(X, I64x2ExtmulLowI32x4U, 0, 0xDE) S(X, I64x2ExtmulHighI32x4U, 0, 0xDF)                         \
  S(X, F32x4Abs, 0, 0xE0) S(X, F32x4Neg, 0, 0xE1) S(X, F32x4Sqrt, 0, 0xE3)                         \
  S(X, F32x4Add, 0, 0xE4) S(X, F32x4Sub, 0, 0xE5) S(X, F32x4Mul, 0, 0xE6) S(X, F32x4Div, 0, 0xE7)  \
  S(X, F32x4Min, 0, 0xE8) S(X, F32x4Max, 0, 0xE9) S(X, F32x4Pmin, 0, 0xEA)                         \
  S(X, F32x4Pmax, 0, 0xEB) S(X, F64x2Abs, 0, 0xEC) S(X, F64x2Neg, 0, 0xED)                         \
  S(X, F64x2Sqrt, 0, 0xEF) S(X, F64x2Add, 0, 0xF0) S(X, F64x2Sub, 0, 0xF1)                         \
  S(X, F64x2Mul, 0, 0xF2) S(X, F64x2Div, 0, 0xF3) S(X, F64x2Min, 0, 0xF4) S(X, F64x2Max, 0, 0xF5)  \
  S(X, F64x2Pmin, 0, 0xF6) S(X, F64x2Pmax, 0, 0xF7) S(X, I32x4TruncSatF32x4S, 0, 0xF8)             \
  S(X, I32x4TruncSatF32x4U, 0, 0xF9) S(X, F32x4ConvertI32x4S, 0, 0xFA)                             \
  S(X, F32x4ConvertI32x4U, 0, 0xFB) S(X, I32x4TruncSatF64x2SZero, 0, 0xFC)                         \
  S(X, I32x4TruncSatF64x2UZero, 0, 0xFD) S(X, F64x2ConvertLowI32x4S, 0, 0xFE)                      \
  S(X, F64x2ConvertLowI32x4U, 0, 0xFF)

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
  // Machine code an executor compiled from this code (JitExecutor), or null.
  std::shared_ptr<void> native;
};

// Translates every function body of a validated module.
// Without |metering| no block is charged: code for measuring what metering costs, which no
// instruction limit can stop.
Result<CompiledModule> translate(const Module& module, bool metering = true);

}  // namespace chorus::wasm
