// Validation of a decoded module, following the algorithm of the spec's appendix (an operand stack
// and a control stack, with the polymorphic stack of unreachable code), for Wasm 2.0 plus memory64
// and table64. Function bodies are decoded here, in the same pass; errors the spec calls malformed
// (an unknown opcode, a truncated immediate, a missing data count section) come back as malformed.
// Instructions of proposals the IC does not enable are refused as unsupported, naming the proposal.
//
// The walk is iterative: control nesting lives on a heap vector bounded by kMaxControlDepth, so no
// input can drive native recursion.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "wasm/decoder.h"

namespace chorus::wasm {

inline constexpr uint32_t kMaxControlDepth = 10'000;  // nested block/loop/if, per function

// Validates |module| and fills Function::info of each of its functions.
Status validate(Module& module);

// decode() then validate().
Result<Module> decode_and_validate(ByteView bytes, const DecodeOptions& options = {});

}  // namespace chorus::wasm
