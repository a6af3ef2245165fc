// The register interpreter: runs register code (register_translate.h) with direct-threaded
// dispatch where the compiler supports labels as values (GCC, Clang), and a switch elsewhere.
//
// It is a drop-in Executor beside Interpreter: the same limits, traps, metering (instruction
// counts are identical), memory and host-function behaviour. Frames are [locals][operand slots]
// on one slot stack; a call's arguments sit in consecutive slots of the caller's operand area and
// the callee's frame starts there. Wasm calls never recurse natively: frames live on a heap array
// bounded by the call-depth limit, so recursion of any depth ends in "call stack exhausted". One
// RegisterInterpreter runs one execution at a time and keeps its stacks between executions.
// Modules that use v128 are refused at translation (kRegisterSimdUnsupported).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "wasm/executor.h"

namespace chorus::wasm {

class RegisterInterpreter final : public Executor {
 public:
  explicit RegisterInterpreter(const ExecutionLimits& limits = {});

  // Register code, not the stack code of translate.h.
  Result<CompiledModule> translate(const Module& module) override;
  void prepare(CompiledModule& code) override;
  Result<std::vector<Value>> invoke(FuncInst& func, std::span<const Value> args) override;
  void set_limits(const ExecutionLimits& limits) override;
  const ExecutionLimits& limits() const override { return limits_; }
  uint64_t instructions_used() const override { return used_; }

  enum class Trap : uint8_t;  // internal; public only for the helpers of register_interpreter.cc

 private:
  struct Frame {
    const uint64_t* return_pc;
    uint64_t* fp;
    Instance* instance;
  };

  // Runs |entry|, a function defined in a module, whose arguments are in the first slots of the
  // stack; leaves its results there.
  Trap run(const FuncInst* entry);
  // Calls host function |f| whose arguments are at |args|; its results replace them.
  Trap call_host(const FuncInst& f, uint64_t* args, Instance* caller);
  static const char* message(Trap t);
  void ensure_stacks();
  uint64_t* stack_limit() const { return stack_.get() + std::min(stack_size_, limits_.stack_slots); }

  ExecutionLimits limits_;
  uint64_t used_ = 0;
  bool running_ = false;
  std::unique_ptr<uint64_t[]> stack_;
  std::unique_ptr<Frame[]> frames_;
  uint32_t stack_size_ = 0, frames_size_ = 0;
  std::vector<uint64_t> host_results_;
  std::string host_error_;
};

}  // namespace chorus::wasm
