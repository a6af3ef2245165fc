// The interpreter: runs translated code (translate.h) with direct-threaded dispatch where the
// compiler supports labels as values (GCC, Clang), and a switch elsewhere.
//
// Wasm calls never recurse natively: frames live on a heap array bounded by the call-depth limit,
// locals and operands on one slot stack bounded by the stack limit, so recursion of any depth
// ends in the "call stack exhausted" trap and never touches the host stack. One Interpreter runs
// one execution at a time; it keeps its stacks between executions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "wasm/executor.h"

namespace chorus::wasm {

class Interpreter final : public Executor {
 public:
  explicit Interpreter(const ExecutionLimits& limits = {});

  void prepare(CompiledModule& code) override;
  Result<std::vector<Value>> invoke(FuncInst& func, std::span<const Value> args) override;
  void set_limits(const ExecutionLimits& limits) override;
  const ExecutionLimits& limits() const override { return limits_; }
  uint64_t instructions_used() const override { return used_; }

  enum class Trap : uint8_t;  // internal; public only for the helpers of interpreter.cc

 private:
  struct Frame {
    const uint64_t* return_pc;
    uint64_t* fp;
    Instance* instance;
  };

  // Runs |entry|, a function defined in a module, whose arguments are in the first slots of the
  // stack; leaves its results there.
  Trap run(const FuncInst* entry);
  // Calls host function |f| on the arguments at the top of the stack (|sp| is one past them) and
  // leaves its results where the arguments began. Takes |sp| by value: were its address taken,
  // the compiler would keep the interpreter's stack pointer in memory instead of a register.
  Trap call_host(const FuncInst& f, uint64_t* sp, Instance* caller);
  static const char* message(Trap t);
  void ensure_stacks();
  // One past the last slot an execution may use.
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
