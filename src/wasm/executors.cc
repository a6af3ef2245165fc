#include "wasm/executors.h"

#include "wasm/interpreter.h"
#include "wasm/jit_executor.h"
#include "wasm/register_interpreter.h"

namespace chorus::wasm {

Status check_arguments(const FuncType& type, std::span<const Value> args) {
  if (args.size() != type.params.size()) {
    return Error("expected " + std::to_string(type.params.size()) + " arguments, got " +
                 std::to_string(args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type != type.params[i]) {
      return Error(std::string("argument ") + std::to_string(i) + " is " +
                   to_string(args[i].type) + ", expected " + to_string(type.params[i]));
    }
  }
  return ok_status();
}

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
