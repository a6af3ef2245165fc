// The calling convention and transcript of differential fuzzing: `chorus-wasm fuzz-exec` prints
// it for our engine, tests/wasm_differential.mjs prints the same for V8 (node's WebAssembly) and
// compares the two, on modules made by binaryen's translate-to-fuzz (`wasm-opt -ttf`).
//
// The convention, after binaryen's own --fuzz-exec: every function import from module
// "fuzzing-support" whose name starts with "log" and that returns nothing is a logger that appends
// its arguments to the transcript; then each function export is called in export order with zero
// arguments (null for references), preceded by a silent call of `hangLimitInitializer` when the
// module exports one (it resets the hang-limit counter binaryen puts in loops and function
// entries).
// Exports with a v128 parameter or result are left out: JavaScript cannot call them. A logger with
// a v128 parameter (binaryen's log-v128) traps as "v128-to-js", as V8 throws when it would have to
// pass a v128 to JavaScript.
//
// The transcript has one event per line:
//   invalid                      the module does not decode or validate
//   instantiate <outcome>        instantiation: "ok", "link-error" or "trap <category>"
//   call NAME                    an export is called
//   log <value>...               a logger ran, with its arguments
//   => <value>...                the export returned these results
//   trap <category>              the export trapped
//   inconclusive <reason>        a resource limit was hit (metering, call depth): the engines may
//                                legitimately disagree from here on, so the transcript ends
// A value is TYPE:TEXT: i32 and i64 in signed decimal, f32 and f64 as their bit pattern in hex
// (0x and 8 or 16 digits) or "nan" for every NaN (payloads and signs are not portable across
// engines), references as "null" or "ref". Trap categories are coarse so that two engines' messages
// map onto the same ones: unreachable, div-by-zero, overflow (integer overflow
// of a division or truncation, or a truncated NaN), memory, table (any table or call_indirect
// failure), v128-to-js (see above), or "other:MESSAGE".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "wasm/executors.h"
#include "wasm/runtime.h"

namespace chorus::wasm {

inline constexpr char kFuzzLogModule[] = "fuzzing-support";
inline constexpr char kHangLimitInitializer[] = "hangLimitInitializer";
// The error of a logger given a v128.
inline constexpr char kFuzzV128ToJs[] = "a v128 cannot be passed to JavaScript";

struct FuzzExecOptions {
  // Metering budget of each export call; crossing it makes the transcript inconclusive.
  uint64_t instructions_per_call = 1'000'000'000;
  ExecutorKind executor = ExecutorKind::kStack;
};

// Runs |bytes| by the convention above and returns the transcript, each line ending in '\n'.
// Never fails: every outcome of the module is a line of the transcript.
std::string fuzz_exec(ByteView bytes, const FuzzExecOptions& options = {});

// The transcript text of a value (see above).
std::string fuzz_value_text(const Value& v);

// The trap category of one of our trap messages (executor.h), or "" for the resource limits that
// make a transcript inconclusive.
std::string fuzz_trap_category(std::string_view message);

}  // namespace chorus::wasm
