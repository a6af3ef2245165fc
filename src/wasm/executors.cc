#include "wasm/executors.h"

#include "wasm/interpreter.h"
#include "wasm/jit_executor.h"
#include "wasm/register_interpreter.h"

namespace chorus::wasm {

ExecutorKind executor_for(const Module& module) {
  if (uses_simd(module)) return ExecutorKind::kStack;
  return jit_supported() ? ExecutorKind::kJit : ExecutorKind::kRegister;
}

std::unique_ptr<Executor> make_executor(ExecutorKind kind, const ExecutionLimits& limits) {
  if (kind == ExecutorKind::kJit && jit_supported()) return std::make_unique<JitExecutor>(limits);
  if (kind == ExecutorKind::kRegister || kind == ExecutorKind::kJit) {
    return std::make_unique<RegisterInterpreter>(limits);
  }
  return std::make_unique<Interpreter>(limits);
}

}  // namespace chorus::wasm
