// The baseline JIT: a third Executor that compiles register code (register_translate.h) into x86-64
// machine code with asmjit, one operation at a time, over the same frame slots the register
// interpreter uses. Results, traps and instruction counts are those of the interpreters.
//
// Design (jit_executor.cc has the details):
//   - Frame slots stay in memory, on the executor's value stack; every operation loads its operands
//     from the frame and stores its result there. What the JIT removes is the dispatch: operands
//     are displacements, immediates are in the instruction stream, branches are resolved jumps.
//   - Metering: the remaining budget lives in a register, and a Charge is one compare, one branch
//     and one subtraction, with the interpreters' block boundaries and costs.
//   - Memory accesses are bounds-checked explicitly against the cached memory size (one compare
//     for the folded wasm32 forms); no signal handler is involved.
//   - Calls to functions of the same module are native calls; every Wasm call uses 16 bytes of a
//     native stack the executor owns, sized from ExecutionLimits::call_depth, and the depth is
//     counted explicitly, so deep recursion traps "call stack exhausted" at the same depth as the
//     interpreters and never touches the host's stack limit. Imports, call_indirect, host
//     functions and the rare operations (tables, bulk memory, memory.grow, conversions) go through
//     small C++ helpers.
//   - A trap leaves through one exit path that restores the native stack and reports the trap and
//     the instructions used.
//
// x86-64 only (jit_supported() says whether this build has it); modules using v128 are refused
// with kRegisterSimdUnsupported, as by the register interpreter.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "wasm/executor.h"

namespace chorus::wasm {

// Whether this build can run JitExecutor (an x86-64 host).
bool jit_supported();

struct JitContext;  // jit_executor.cc

class JitExecutor final : public Executor {
 public:
  explicit JitExecutor(const ExecutionLimits& limits = {});
  ~JitExecutor() override;

  // Register code, compiled to machine code at once (a compilation failure is reported here).
  Result<CompiledModule> translate(const Module& module) override;
  // Compiles |code| if translate() did not (register code from elsewhere).
  void prepare(CompiledModule& code) override;
  Result<std::vector<Value>> invoke(FuncInst& func, std::span<const Value> args) override;

  void set_limits(const ExecutionLimits& limits) override;
  const ExecutionLimits& limits() const override { return limits_; }
  uint64_t instructions_used() const override { return used_; }

  // Internal, for the helpers the generated code calls: runs host function |f| whose arguments
  // are at |args| (its results replace them). Returns a trap code (0: none).
  uint32_t call_host(const FuncInst& f, uint64_t* args, JitContext& ctx);

 private:
  bool ensure_stacks();

  ExecutionLimits limits_;
  uint64_t used_ = 0;
  bool running_ = false;
  std::unique_ptr<uint64_t[]> stack_;
  uint32_t stack_size_ = 0;
  // The native stack the generated code runs on: mapped, with a guard page below it.
  void* native_stack_ = nullptr;
  size_t native_stack_bytes_ = 0;
  uint32_t native_depth_ = 0;  // the call depth it was sized for
  std::vector<uint64_t> host_results_;
  std::string host_error_;
};

}  // namespace chorus::wasm
