// The seam between the engine and whatever runs translated code: the two interpreters and the
// baseline JIT (executors.h). An Executor prepares a module's translated code once (Store::instantiate calls
// prepare()) and runs functions with limits that do not depend on the host: a metering budget, a
// call depth, and a value-stack size.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "base/result.h"
#include "wasm/runtime.h"
#include "wasm/translate.h"

namespace chorus::wasm {

struct ExecutionLimits {
  // Metering budget in cost units (translate.h); crossing it traps "instruction limit exceeded".
  uint64_t instructions = std::numeric_limits<uint64_t>::max();
  uint32_t call_depth = 10'000;     // nested Wasm calls
  uint32_t stack_slots = 1u << 20;  // 64-bit operand and local slots, all frames together
  // Whether translated code charges its blocks at all. Read when a module is translated, so it
  // holds for that module's code whatever the limits later; without it no instruction limit
  // applies. Only for measuring what metering costs (./x bench wasm).
  bool metering = true;
};

// The trap messages, as the spec test suite spells them.
inline constexpr char kTrapUnreachable[] = "unreachable";
inline constexpr char kTrapDivideByZero[] = "integer divide by zero";
inline constexpr char kTrapIntegerOverflow[] = "integer overflow";
inline constexpr char kTrapInvalidConversion[] = "invalid conversion to integer";
inline constexpr char kTrapMemoryOutOfBounds[] = "out of bounds memory access";
inline constexpr char kTrapTableOutOfBounds[] = "out of bounds table access";
inline constexpr char kTrapUndefinedElement[] = "undefined element";
inline constexpr char kTrapUninitializedElement[] = "uninitialized element";
inline constexpr char kTrapIndirectCallType[] = "indirect call type mismatch";
inline constexpr char kTrapCallStackExhausted[] = "call stack exhausted";
inline constexpr char kTrapInstructionLimit[] = "instruction limit exceeded";

// Whether |args| match |type|'s parameters, as every executor's invoke() requires: the error
// says which argument is wrong.
Status check_arguments(const FuncType& type, std::span<const Value> args);

class Executor {
 public:
  virtual ~Executor() = default;

  // Translates a validated module into the code this executor runs (compile() in runtime.h calls
  // it, then prepare()). The default is the stack code of translate.h; an executor with a code
  // form of its own overrides it.
  virtual Result<CompiledModule> translate(const Module& module) {
    return wasm::translate(module, limits().metering);
  }

  // Makes |code| runnable by this executor (called once per module, before any instance of it
  // runs). Code prepared by one executor runs only on executors of the same kind.
  virtual void prepare(CompiledModule& code) = 0;

  // Calls |func| with |args|, which must match its parameter types. A trap comes back as an Error
  // whose message is the trap's (see the constants above), or the host function's error.
  virtual Result<std::vector<Value>> invoke(FuncInst& func, std::span<const Value> args) = 0;

  virtual void set_limits(const ExecutionLimits& limits) = 0;
  virtual const ExecutionLimits& limits() const = 0;
  // Cost units charged by the last invoke, trapped or not.
  virtual uint64_t instructions_used() const = 0;
};

}  // namespace chorus::wasm
