// Choosing and making an executor: the stack interpreter (interpreter.h), which runs every module,
// or the register interpreter (register_interpreter.h), about 1.7× faster but without SIMD. Both
// give the same results and the same instruction counts.
#pragma once

#include <cstdint>
#include <memory>

#include "wasm/executor.h"
#include "wasm/module.h"

namespace chorus::wasm {

enum class ExecutorKind : uint8_t { kStack, kRegister, kJit };

// The register interpreter, unless |module| needs SIMD. REQUIRES: |module| was validated.
ExecutorKind executor_for(const Module& module);

// A new executor of |kind| with |limits|.
std::unique_ptr<Executor> make_executor(ExecutorKind kind, const ExecutionLimits& limits = {});

}  // namespace chorus::wasm
