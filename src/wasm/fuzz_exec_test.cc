#include "wasm/fuzz_exec.h"

#include <gtest/gtest.h>

#include "wasm/executor.h"
#include "wasm/test_modules.h"

namespace chorus::wasm {
namespace {

using namespace testing;  // NOLINT

Bytes func_type(const Bytes& params, const Bytes& results) {
  Bytes out{0x60};
  append(out, uleb128(params.size()));
  append(out, params);
  append(out, uleb128(results.size()));
  append(out, results);
  return out;
}

Bytes vec(std::initializer_list<Bytes> items) {
  Bytes out = uleb128(items.size());
  for (const Bytes& b : items) append(out, b);
  return out;
}

Bytes body(const Bytes& code) {
  Bytes b{0x00};  // no locals
  append(b, code);
  Bytes out = uleb128(b.size());
  append(out, b);
  return out;
}

Bytes func_export(const std::string& s, uint8_t index) { return cat({name(s), Bytes{0x00, index}}); }

// Imports fuzzing-support.log-i32 (function 0) and defines, over a mutable i32 global:
//   1 "a": (i32, i64) -> (i32, f32): logs the global, sets it to 7, returns -5 and a NaN
//   2 "b": () -> (): divides by zero
//   3 "hangLimitInitializer": sets the global to 3
//   4 "c": () -> (): loops forever
// exported as a, hangLimitInitializer, b, a2 (= a), c, d (= b).
Bytes convention_module() {
  Bytes types = vec({func_type({kI32}, {}), func_type({kI32, kI64}, {kI32, kF32}),
                     func_type({}, {})});
  Bytes imports = vec({cat({name("fuzzing-support"), name("log-i32"), Bytes{0x00, 0x00}})});
  Bytes funcs = vec({Bytes{0x01}, Bytes{0x02}, Bytes{0x02}, Bytes{0x02}});
  Bytes globals = vec({Bytes{kI32, 0x01, 0x41, 0x00, 0x0B}});
  Bytes exports = vec({func_export("a", 1), func_export("hangLimitInitializer", 3),
                       func_export("b", 2), func_export("a2", 1), func_export("c", 4),
                       func_export("d", 2)});
  Bytes code = vec({
      // global.get 0; call 0; i32.const 7; global.set 0; i32.const -5; f32.const nan:0x400001
      body({0x23, 0x00, 0x10, 0x00, 0x41, 0x07, 0x24, 0x00, 0x41, 0x7B, 0x43, 0x01, 0x00, 0xC0,
            0x7F, 0x0B}),
      // i32.const 1; i32.const 0; i32.div_u; drop
      body({0x41, 0x01, 0x41, 0x00, 0x6E, 0x1A, 0x0B}),
      // i32.const 3; global.set 0
      body({0x41, 0x03, 0x24, 0x00, 0x0B}),
      // loop br 0 end
      body({0x03, 0x40, 0x0C, 0x00, 0x0B, 0x0B}),
  });
  return module({section(1, types), section(2, imports), section(3, funcs), section(6, globals),
                 section(7, exports), section(10, code)});
}

TEST(FuzzExecTest, FollowsTheConvention) {
  FuzzExecOptions options;
  options.instructions_per_call = 10'000;
  // The reset runs before every export, so both calls of "a" log 3, not the 7 "a" leaves; the
  // endless loop is inconclusive, which ends the transcript before "d".
  EXPECT_EQ(fuzz_exec(convention_module(), options),
            "instantiate ok\n"
            "call a\n"
            "log i32:3\n"
            "=> i32:-5 f32:nan\n"
            "call hangLimitInitializer\n"
            "=>\n"
            "call b\n"
            "trap div-by-zero\n"
            "call a2\n"
            "log i32:3\n"
            "=> i32:-5 f32:nan\n"
            "call c\n"
            "inconclusive instruction limit exceeded\n");
}

TEST(FuzzExecTest, InvalidModulesAndUnknownImports) {
  EXPECT_EQ(fuzz_exec(Bytes{0x00, 0x61, 0x73}), "invalid\n");
  // (import "env" "f" (func)) is no logger.
  Bytes m = module({section(1, vec({func_type({}, {})})),
                    section(2, vec({cat({name("env"), name("f"), Bytes{0x00, 0x00}})}))});
  EXPECT_EQ(fuzz_exec(m), "instantiate link-error\n");
}

TEST(FuzzExecTest, ValuesPrintExactly) {
  EXPECT_EQ(fuzz_value_text(Value::i32(0xFFFFFFFFu)), "i32:-1");
  EXPECT_EQ(fuzz_value_text(Value::i64(0x8000000000000000u)), "i64:-9223372036854775808");
  EXPECT_EQ(fuzz_value_text(Value::f32(-0.0f)), "f32:0x80000000");
  EXPECT_EQ(fuzz_value_text(Value::f64(1.0)), "f64:0x3ff0000000000000");
  EXPECT_EQ(fuzz_value_text(Value::f64_bits(0xFFF0000000000001u)), "f64:nan");
  EXPECT_EQ(fuzz_value_text(Value::f64_bits(0x7FF0000000000000u)), "f64:0x7ff0000000000000");
  EXPECT_EQ(fuzz_value_text(Value{ValType::kFuncRef, 0}), "funcref:null");
  EXPECT_EQ(fuzz_value_text(Value{ValType::kExternRef, 8}), "externref:ref");
}

TEST(FuzzExecTest, TrapCategories) {
  EXPECT_EQ(fuzz_trap_category(kTrapUndefinedElement), "table");
  EXPECT_EQ(fuzz_trap_category(kTrapIndirectCallType), "table");
  EXPECT_EQ(fuzz_trap_category(kTrapMemoryOutOfBounds), "memory");
  EXPECT_EQ(fuzz_trap_category(kTrapIntegerOverflow), "overflow");
  EXPECT_EQ(fuzz_trap_category(kTrapInvalidConversion), "overflow");
  EXPECT_EQ(fuzz_trap_category(kTrapCallStackExhausted), "");
  EXPECT_EQ(fuzz_trap_category(kFuzzV128ToJs), "v128-to-js");
  EXPECT_EQ(fuzz_trap_category("host says no"), "other:host says no");
}

}  // namespace
}  // namespace chorus::wasm
