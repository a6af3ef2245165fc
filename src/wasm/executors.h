// Choosing and making an executor: the stack interpreter (interpreter.h), which runs every module,
// the register interpreter (register_interpreter.h), about 1.7× faster but without SIMD, or the
// baseline JIT (jit_executor.h), which compiles register code to x86-64 machine code. All three
// give the same results and the same instruction counts.
#pragma once

#include <cstdint>
#include <memory>

#include "wasm/executor.h"
#include "wasm/module.h"

namespace chorus::wasm {

enum class ExecutorKind : uint8_t { kStack, kRegister, kJit };

// The JIT on x86-64 hosts (the register interpreter elsewhere), unless |module| needs SIMD, which
// only the stack interpreter runs. REQUIRES: |module| was validated.
ExecutorKind executor_for(const Module& module);

// A new executor of |kind| with |limits|. kJit on a host without the JIT gives the register
// interpreter.
std::unique_ptr<Executor> make_executor(ExecutorKind kind, const ExecutionLimits& limits = {});

}  // namespace chorus::wasm
