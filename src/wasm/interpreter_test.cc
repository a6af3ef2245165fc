#include "wasm/interpreter.h"

#include <gtest/gtest.h>

#include <memory>

#include "wasm/host.h"
#include "wasm/test_modules.h"
#include "wasm/validator.h"

namespace chorus::wasm {
namespace {

using namespace testing;  // NOLINT

Result<Extern> no_imports(const Import& im) { return Error("unknown import " + im.name); }

class InterpreterTest : public ::testing::Test {
 protected:
  // Instantiates |bytes|; the first defined function is then func().
  void load(const Bytes& bytes, const ImportResolver& imports = no_imports) {
    auto m = decode_and_validate(bytes);
    ASSERT_TRUE(m.ok()) << m.error().message();
    auto inst = store_.instantiate(std::make_shared<const Module>(std::move(m).value()), imports,
                                   interpreter_);
    ASSERT_TRUE(inst.ok()) << inst.error().message();
    inst_ = *inst;
  }
  FuncInst& func() { return *inst_->funcs[inst_->module->imported_functions]; }
  Result<std::vector<Value>> call(std::vector<Value> args) {
    return interpreter_.invoke(func(), args);
  }
  uint32_t call_i32(std::vector<Value> args) {
    auto r = call(std::move(args));
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (!r.ok() || r->empty()) return 0xDEADBEEF;
    return (*r)[0].as_u32();
  }
  std::string trap_of(std::vector<Value> args) {
    auto r = call(std::move(args));
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error().message();
  }

  Store store_;
  Interpreter interpreter_;
  Instance* inst_ = nullptr;
};

// (func (param i32) (result i32)
//   (if (result i32) (i32.lt_s (local.get 0) (i32.const 2)) (then (local.get 0))
//     (else (i32.add (call 0 (i32.sub (local.get 0) (i32.const 1)))
//                    (call 0 (i32.sub (local.get 0) (i32.const 2)))))))
const Bytes kFib{0x20, 0x00, 0x41, 0x02, 0x48, 0x04, kI32, 0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01,
                 0x6B, 0x10, 0x00, 0x20, 0x00, 0x41, 0x02, 0x6B, 0x10, 0x00, 0x6A, 0x0B, 0x0B};

TEST_F(InterpreterTest, RecursiveFibonacci) {
  load(function_module({kI32}, {kI32}, no_locals(), kFib));
  EXPECT_EQ(call_i32({Value::i32(0)}), 0u);
  EXPECT_EQ(call_i32({Value::i32(1)}), 1u);
  EXPECT_EQ(call_i32({Value::i32(20)}), 6765u);
}

TEST_F(InterpreterTest, LoopWithBranches) {
  // (local $i i32) (local $s i32)
  // block loop  i >= n br_if 1;  s = s * 31 + i;  i += 1;  br 0  end end  s
  Bytes body{0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4F, 0x0D, 0x01, 0x20,
             0x02, 0x41, 0x1F, 0x6C, 0x20, 0x01, 0x6A, 0x21, 0x02, 0x20, 0x01, 0x41,
             0x01, 0x6A, 0x21, 0x01, 0x0C, 0x00, 0x0B, 0x0B, 0x20, 0x02, 0x0B};
  load(function_module({kI32}, {kI32}, Bytes{0x01, 0x02, kI32}, body));
  uint32_t s = 0;
  for (uint32_t i = 0; i < 1000; ++i) s = s * 31 + i;
  EXPECT_EQ(call_i32({Value::i32(1000)}), s);
  EXPECT_EQ(call_i32({Value::i32(0)}), 0u);
}

TEST_F(InterpreterTest, IntegerTraps) {
  // local.get 0 local.get 1 i32.div_s
  load(function_module({kI32, kI32}, {kI32}, no_locals(),
                       Bytes{0x20, 0x00, 0x20, 0x01, 0x6D, 0x0B}));
  EXPECT_EQ(call_i32({Value::i32(7), Value::i32(2)}), 3u);
  EXPECT_EQ(trap_of({Value::i32(7), Value::i32(0)}), kTrapDivideByZero);
  EXPECT_EQ(trap_of({Value::i32(0x80000000u), Value::i32(0xFFFFFFFFu)}), kTrapIntegerOverflow);
}

TEST_F(InterpreterTest, UnreachableTraps) {
  load(function_module({}, {}, no_locals(), Bytes{0x00, 0x0B}));
  EXPECT_EQ(trap_of({}), kTrapUnreachable);
}

TEST_F(InterpreterTest, MemoryBoundsAreChecked) {
  // (i32.load offset=0 (local.get 0)) on one page
  load(function_module({kI32}, {kI32}, no_locals(), Bytes{0x20, 0x00, 0x28, 0x02, 0x00, 0x0B},
                       {memory_section()}));
  EXPECT_EQ(call_i32({Value::i32(65532)}), 0u);
  EXPECT_EQ(trap_of({Value::i32(65533)}), kTrapMemoryOutOfBounds);
  EXPECT_EQ(trap_of({Value::i32(0xFFFFFFFFu)}), kTrapMemoryOutOfBounds);
}

TEST_F(InterpreterTest, FloatNaNsAreCanonical) {
  // f32.div of the arguments
  load(function_module({kF32, kF32}, {kF32}, no_locals(),
                       Bytes{0x20, 0x00, 0x20, 0x01, 0x95, 0x0B}));
  EXPECT_EQ(call_i32({Value::f32(0.0f), Value::f32(0.0f)}), 0x7FC00000u);
  // A NaN with a payload and the sign bit set comes out canonical too.
  EXPECT_EQ(call_i32({Value::f32_bits(0xFFA00001u), Value::f32(1.0f)}), 0x7FC00000u);
  EXPECT_EQ(call_i32({Value::f32(1.0f), Value::f32(4.0f)}), Value::f32(0.25f).as_u32());
}

TEST_F(InterpreterTest, DeepRecursionTrapsWithoutNativeRecursion) {
  // (func (call 0)): unbounded recursion.
  load(function_module({}, {}, no_locals(), Bytes{0x10, 0x00, 0x0B}));
  EXPECT_EQ(trap_of({}), kTrapCallStackExhausted);
  // A depth far beyond what native recursion could survive on a small host stack is fine
  // when the value stack allows it, and the limit still holds.
  ExecutionLimits limits;
  limits.call_depth = 2'000'000;
  limits.stack_slots = 1u << 23;
  interpreter_.set_limits(limits);
  EXPECT_EQ(trap_of({}), kTrapCallStackExhausted);
  // The value-stack limit applies on its own: few slots, deep call limit.
  limits.stack_slots = 1000;
  interpreter_.set_limits(limits);
  EXPECT_EQ(trap_of({}), kTrapCallStackExhausted);
}

TEST_F(InterpreterTest, FibonacciRecursesDeeplyEnough) {
  load(function_module({kI32}, {kI32}, no_locals(), kFib));
  ExecutionLimits limits;
  limits.call_depth = 10;
  interpreter_.set_limits(limits);
  // fib(n) nests n - 1 calls below its entry.
  EXPECT_EQ(call_i32({Value::i32(11)}), 89u);
  EXPECT_EQ(trap_of({Value::i32(12)}), kTrapCallStackExhausted);
  // Not even the argument fits: refused before anything is written.
  limits.stack_slots = 0;
  interpreter_.set_limits(limits);
  EXPECT_EQ(trap_of({Value::i32(1)}), kTrapCallStackExhausted);
  limits.stack_slots = 1;  // the argument, and fib(1) needs one operand slot more
  interpreter_.set_limits(limits);
  EXPECT_EQ(trap_of({Value::i32(1)}), kTrapCallStackExhausted);
  limits.stack_slots = 8;
  interpreter_.set_limits(limits);
  EXPECT_EQ(call_i32({Value::i32(1)}), 1u);
}

TEST_F(InterpreterTest, MeteringCountsExactly) {
  // local.get 0 local.get 1 i32.add: three instructions, one basic block.
  load(function_module({kI32, kI32}, {kI32}, no_locals(),
                       Bytes{0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B}));
  EXPECT_EQ(call_i32({Value::i32(1), Value::i32(2)}), 3u);
  EXPECT_EQ(interpreter_.instructions_used(), 3u);
  ExecutionLimits limits;
  limits.instructions = 3;
  interpreter_.set_limits(limits);
  EXPECT_EQ(call_i32({Value::i32(1), Value::i32(2)}), 3u);
  limits.instructions = 2;
  interpreter_.set_limits(limits);
  EXPECT_EQ(trap_of({Value::i32(1), Value::i32(2)}), kTrapInstructionLimit);
  EXPECT_EQ(interpreter_.instructions_used(), 0u);  // the block was refused as a whole
}

TEST_F(InterpreterTest, MeteringStopsAnInfiniteLoop) {
  // loop: global-free counter in memory, so every iteration has a visible effect:
  // (loop (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))) (br 0))
  Bytes body{0x03, 0x40, 0x41, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x41,
             0x01, 0x6A, 0x36, 0x02, 0x00, 0x0C, 0x00, 0x0B, 0x0B};
  load(function_module({}, {}, no_locals(), body, {memory_section()}));
  ExecutionLimits limits;
  limits.instructions = 10'000;
  interpreter_.set_limits(limits);
  EXPECT_EQ(trap_of({}), kTrapInstructionLimit);
  uint64_t used = interpreter_.instructions_used();
  EXPECT_LE(used, 10'000u);
  // Each iteration costs 7 units (const, const, load, const, add, store, br); no store of an
  // iteration that was not fully paid for is visible.
  uint32_t count;
  std::memcpy(&count, inst_->memories[0]->data(), 4);
  EXPECT_EQ(count, 10'000u / 7);
  EXPECT_EQ(used, count * 7u);
}

TEST_F(InterpreterTest, MeteringIsExactAtEveryBudgetWhenBlocksFollowEachOther) {
  // nop, then the loop above: the nop's block (1 unit) is directly followed by the loop's (7
  // units), whose head is also the target of the br. The interpreter folds each block's charge
  // into its first operation, here once into the next block's charge; every budget must still
  // stop at the same block with the same count and no unpaid store visible.
  Bytes body{0x01, 0x03, 0x40, 0x41, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x41,
             0x01, 0x6A, 0x36, 0x02, 0x00, 0x0C, 0x00, 0x0B, 0x0B};
  load(function_module({}, {}, no_locals(), body, {memory_section()}));
  for (uint64_t budget = 0; budget <= 30; ++budget) {
    SCOPED_TRACE(budget);
    std::memset(inst_->memories[0]->data(), 0, 4);
    ExecutionLimits limits;
    limits.instructions = budget;
    interpreter_.set_limits(limits);
    EXPECT_EQ(trap_of({}), kTrapInstructionLimit);
    uint64_t iterations = budget == 0 ? 0 : (budget - 1) / 7;
    EXPECT_EQ(interpreter_.instructions_used(), budget == 0 ? 0 : 1 + 7 * iterations);
    uint32_t count;
    std::memcpy(&count, inst_->memories[0]->data(), 4);
    EXPECT_EQ(count, iterations);
  }
}

TEST_F(InterpreterTest, BulkMemoryIsMeteredByLength) {
  // (memory.fill (i32.const 0) (i32.const 7) (local.get 0))
  Bytes body{0x41, 0x00, 0x41, 0x07, 0x20, 0x00, 0xFC, 0x0B, 0x00, 0x0B};
  load(function_module({kI32}, {}, no_locals(), body, {memory_section()}));
  ASSERT_TRUE(call({Value::i32(16)}).ok());
  uint64_t small = interpreter_.instructions_used();
  ASSERT_TRUE(call({Value::i32(65536)}).ok());
  EXPECT_EQ(interpreter_.instructions_used(), small - 1 + 65536 / kBulkBytesPerUnit);
  EXPECT_EQ(inst_->memories[0]->data()[65535], 7);
  EXPECT_EQ(trap_of({Value::i32(65537)}), kTrapMemoryOutOfBounds);
}

// A module importing "env" "f" of type [i32] -> [i32] and exporting nothing; its function
// calls the import with its argument.
Bytes host_calling_module() {
  Bytes type{0x01, 0x60, 0x01, kI32, 0x01, kI32};
  Bytes import = cat({Bytes{0x01}, name("env"), name("f"), Bytes{0x00, 0x00}});
  Bytes code{0x01, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0B};
  return module({section(1, type), section(2, import), section(3, Bytes{0x01, 0x00}),
                 memory_section(), section(10, code)});
}

TEST_F(InterpreterTest, HostFunctionsSeeMemoryAndCanTrap) {
  FuncInst* host = add_host_function<uint32_t, uint32_t>(
      store_, [](Caller& caller, uint32_t addr) -> Result<uint32_t> {
        // The block up to and including the call: local.get 0 (1) and the call (kCostCall).
        if (caller.instructions_used() != 1 + kCostCall) return Error("wrong instruction count");
        uint8_t* p = caller.memory_span_for_write(addr, 1);
        if (p == nullptr) return Error("host: address out of bounds");
        *p = 42;
        return addr + 1;
      });
  EXPECT_EQ(host->type, (FuncType{{ValType::kI32}, {ValType::kI32}}));
  load(host_calling_module(), [&](const Import& im) -> Result<Extern> {
    if (im.module != "env" || im.name != "f") return Error("unknown import");
    Extern x;
    x.func = host;
    return x;
  });
  EXPECT_EQ(call_i32({Value::i32(100)}), 101u);
  EXPECT_EQ(inst_->memories[0]->data()[100], 42);
  EXPECT_EQ(trap_of({Value::i32(70000)}), "host: address out of bounds");
}

TEST_F(InterpreterTest, ImportsAreTypeChecked) {
  // The raw binding: slot words in and out.
  FuncInst* wrong = store_.add_host_function(
      FuncType{{ValType::kI64}, {}},
      [](Caller&, std::span<const uint64_t>, std::span<uint64_t>) { return ok_status(); });
  auto m = decode_and_validate(host_calling_module());
  ASSERT_TRUE(m.ok());
  auto inst = store_.instantiate(
      std::make_shared<const Module>(std::move(m).value()),
      [&](const Import&) -> Result<Extern> {
        Extern x;
        x.func = wrong;
        return x;
      },
      interpreter_);
  ASSERT_FALSE(inst.ok());
  EXPECT_TRUE(inst.error().message().starts_with("incompatible import type"))
      << inst.error().message();
}

TEST_F(InterpreterTest, TypedHostFunctionsConvertValues) {
  FuncInst* f = add_host_function<double, int64_t, float>(
      store_,
      [](Caller&, int64_t a, float b) -> Result<double> { return static_cast<double>(a) * b; });
  EXPECT_EQ(f->type, (FuncType{{ValType::kI64, ValType::kF32}, {ValType::kF64}}));
  auto r = interpreter_.invoke(
      *f, std::vector<Value>{Value::i64(static_cast<uint64_t>(-3)), Value::f32(0.5f)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].bits, Value::f64(-1.5).bits);
  FuncInst* g = add_host_function<void>(store_, [](Caller&) -> Status { return Error("nope"); });
  auto t = interpreter_.invoke(*g, {});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message(), "nope");
}

TEST_F(InterpreterTest, TranslationFusesButKeepsSemantics) {
  // local.get 0; i32.const 5; i32.add; i32.const 3; i32.lt_s; br_if 0 inside a block.
  // (block (result i32) (i32.const 1) (br_if 0 (i32.lt_s (i32.add (local.get 0) (i32.const 5))
  //   (i32.const 3))) (drop) (i32.const 2))
  Bytes body{0x02, kI32, 0x41, 0x01, 0x20, 0x00, 0x41, 0x05, 0x6A, 0x41,
             0x03, 0x48, 0x0D, 0x00, 0x1A, 0x41, 0x02, 0x0B, 0x0B};
  load(function_module({kI32}, {kI32}, no_locals(), body));
  EXPECT_EQ(call_i32({Value::i32(0xFFFFFFFDu)}), 1u);  // -3 + 5 < 3
  EXPECT_EQ(call_i32({Value::i32(0)}), 2u);
}

TEST_F(InterpreterTest, NoFusionAcrossABranchTargetBehindCodelessInstructions) {
  // (if (result i32) (local.get 0) (then (i32.const 10)) (else (local.get 1))) nop
  // (i32.add (local.get 1)): the then-arm jumps to just after `end`, so the else-arm's local.get
  // must not fuse with the one after nop. Found by tests/wasm_differential.mjs (seed 201525:
  // the jump landed inside the fused instruction and crashed).
  Bytes with_nop{0x20, 0x00, 0x04, kI32, 0x41, 0x0A, 0x05, 0x20, 0x01,
                 0x0B, 0x01, 0x20, 0x01, 0x6A, 0x0B};
  load(function_module({kI32, kI32}, {kI32}, no_locals(), with_nop));
  EXPECT_EQ(call_i32({Value::i32(1), Value::i32(5)}), 15u);
  EXPECT_EQ(call_i32({Value::i32(0), Value::i32(5)}), 10u);
  // The same behind i64.extend_i32_u, which emits no code either:
  // (i64.add (i64.extend_i32_u (if ...)) (i64.extend_i32_u (local.get 1)))
  Bytes with_extend{0x20, 0x00, 0x04, kI32, 0x41, 0x0A, 0x05, 0x20, 0x01,
                    0x0B, 0xAD, 0x20, 0x01, 0xAD, 0x7C, 0x0B};
  load(function_module({kI32, kI32}, {kI64}, no_locals(), with_extend));
  auto r = call({Value::i32(1), Value::i32(5)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].as_u64(), 15u);
  r = call({Value::i32(0), Value::i32(5)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].as_u64(), 10u);
}

TEST_F(InterpreterTest, CompiledCodeIsSharedBetweenInstances) {
  auto m = decode_and_validate(function_module({kI32}, {kI32}, no_locals(), kFib));
  ASSERT_TRUE(m.ok());
  auto module = std::make_shared<const Module>(std::move(m).value());
  auto code = compile(*module, interpreter_);
  ASSERT_TRUE(code.ok()) << code.error().message();
  auto a = store_.instantiate(module, *code, no_imports, interpreter_);
  auto b = store_.instantiate(module, *code, no_imports, interpreter_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->code.get(), (*b)->code.get());
  auto r = interpreter_.invoke(*(*b)->funcs[0], std::vector<Value>{Value::i32(15)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].as_u32(), 610u);
}

// SIMD. A 0xFD instruction: the prefix and its LEB128 sub-opcode.
Bytes simd_op(uint32_t sub) { return cat({Bytes{0xFD}, uleb128(sub)}); }

// v128 lanes of 32 or 64 bits, lane 0 first.
Value v128_of32(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return Value::v128(a | uint64_t{b} << 32, c | uint64_t{d} << 32);
}
uint32_t lane32(const Value& v, int i) {
  return static_cast<uint32_t>((i < 2 ? v.bits : v.hi) >> (32 * (i % 2)));
}
uint32_t f32_bits(float f) { return Value::f32(f).as_u32(); }
uint64_t f64_bits(double d) { return Value::f64(d).bits; }

constexpr uint32_t kCanonicalNan32 = 0x7FC00000;
constexpr uint64_t kCanonicalNan64 = 0x7FF8000000000000;

class SimdTest : public InterpreterTest {
 protected:
  // (func (param v128 v128) (result v128) (OP (local.get 0) (local.get 1))), or with one operand.
  Value apply(uint32_t sub, const Value& a, const Value& b = Value::v128(0, 0), bool unary = false) {
    Bytes body = unary ? cat({Bytes{0x20, 0x00}, simd_op(sub), Bytes{0x0B}})
                       : cat({Bytes{0x20, 0x00, 0x20, 0x01}, simd_op(sub), Bytes{0x0B}});
    load(function_module({kV128, kV128}, {kV128}, no_locals(), body));
    auto r = call({a, b});
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (!r.ok() || r->size() != 1) return Value::v128(0xDEAD, 0xBEEF);
    EXPECT_EQ((*r)[0].type, ValType::kV128);
    return (*r)[0];
  }
  Value apply1(uint32_t sub, const Value& a) { return apply(sub, a, Value::v128(0, 0), true); }
};

TEST_F(SimdTest, ExtractLaneOfAConstant) {
  // (func (result i32) (i32x4.extract_lane 2 (v128.const i32x4 7 8 9 10)))
  Bytes body = cat({simd_op(0x0C), Bytes{7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 10, 0, 0, 0},
                    simd_op(0x1B), Bytes{0x02, 0x0B}});
  load(function_module({}, {kI32}, no_locals(), body));
  EXPECT_EQ(call_i32({}), 9u);
}

TEST_F(SimdTest, V128ParamsAndResultsKeepTheirSlots) {
  // (func (param i32 v128 i64) (result v128 i64 i32) (local v128)
  //   (local.set 3 (local.get 1)) (local.get 3) (local.get 2) (local.get 0))
  Bytes body{0x20, 0x01, 0x21, 0x03, 0x20, 0x03, 0x20, 0x02, 0x20, 0x00, 0x0B};
  load(function_module({kI32, kV128, kI64}, {kV128, kI64, kI32}, Bytes{0x01, 0x01, kV128}, body));
  Value v = Value::v128(0x0706050403020100, 0x0F0E0D0C0B0A0908);
  auto r = call({Value::i32(5), v, Value::i64(0x1122334455667788)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].type, ValType::kV128);
  EXPECT_EQ((*r)[0].bits, v.bits);
  EXPECT_EQ((*r)[0].hi, v.hi);
  EXPECT_EQ((*r)[1].bits, 0x1122334455667788u);
  EXPECT_EQ((*r)[2].bits, 5u);
}

TEST_F(SimdTest, V128GlobalsHoldSixteenBytes) {
  // (global (mut v128) (v128.const i64x2 1 2))
  // (func (param i64) (result v128) (global.get 0) (global.set 0 (i64x2.splat (local.get 0))))
  Bytes init = cat({simd_op(0x0C), Bytes{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}});
  Bytes globals = section(6, cat({Bytes{0x01, kV128, 0x01}, init, Bytes{0x0B}}));
  Bytes body = cat({Bytes{0x23, 0x00, 0x20, 0x00}, simd_op(0x12), Bytes{0x24, 0x00, 0x0B}});
  load(function_module({kI64}, {kV128}, no_locals(), body, {globals}));
  auto r = call({Value::i64(0xABCDEF)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].bits, 1u);
  EXPECT_EQ((*r)[0].hi, 2u);
  EXPECT_EQ(inst_->globals[0]->value, 0xABCDEFu);
  EXPECT_EQ(inst_->globals[0]->value_hi, 0xABCDEFu);
}

TEST_F(SimdTest, IntegerLanesWrapAndSaturate) {
  // i16x8.mul wraps; i8x16.add_sat_s saturates; i32x4.dot_i16x8_s wraps its one overflow.
  Value big = Value::v128(0xFFFF'8000'7FFF'FFFF, 0);
  Value mul = apply(0x95, big, big);
  EXPECT_EQ(mul.bits, 0x0001'0000'0001'0001u);
  Value sat = apply(0x6F, Value::v128(0x7F80, 0), Value::v128(0x01FF, 0));
  EXPECT_EQ(sat.bits & 0xFFFF, 0x7F80u);  // 127 + 1 -> 127, -128 + -1 -> -128
  Value min16 = Value::v128(0x8000'8000'8000'8000, 0);
  Value dot = apply(0xBA, min16, min16);
  EXPECT_EQ(lane32(dot, 0), 0x80000000u);  // 2 * 2^30 = 2^31 wraps
}

TEST_F(SimdTest, FloatArithmeticCanonicalisesNans) {
  uint32_t snan = 0x7FA00001, neg_nan = 0xFFC12345;
  float inf = std::numeric_limits<float>::infinity();
  // f32x4.add
  Value r = apply(0xE4, v128_of32(snan, neg_nan, f32_bits(1), f32_bits(inf)),
                  v128_of32(f32_bits(1), f32_bits(1), f32_bits(2), f32_bits(-inf)));
  EXPECT_EQ(lane32(r, 0), kCanonicalNan32);
  EXPECT_EQ(lane32(r, 1), kCanonicalNan32);
  EXPECT_EQ(lane32(r, 2), f32_bits(3));
  EXPECT_EQ(lane32(r, 3), kCanonicalNan32);  // inf + -inf
  // f32x4.sqrt
  r = apply1(0xE3, v128_of32(f32_bits(-1), f32_bits(4), snan, f32_bits(-0.0f)));
  EXPECT_EQ(lane32(r, 0), kCanonicalNan32);
  EXPECT_EQ(lane32(r, 1), f32_bits(2));
  EXPECT_EQ(lane32(r, 2), kCanonicalNan32);
  EXPECT_EQ(lane32(r, 3), f32_bits(-0.0f));
  // f64x2.div
  Value d = apply(0xF3, Value::v128(f64_bits(0), f64_bits(1)), Value::v128(f64_bits(0), f64_bits(2)));
  EXPECT_EQ(d.bits, kCanonicalNan64);
  EXPECT_EQ(d.hi, f64_bits(0.5));
}

TEST_F(SimdTest, MinMaxFollowWasmNotTheHost) {
  uint32_t nan_payload = 0x7F800123;
  // f32x4.min: NaN wins (canonical), -0 < +0.
  Value r = apply(0xE8, v128_of32(nan_payload, f32_bits(-0.0f), f32_bits(1), f32_bits(+0.0f)),
                  v128_of32(f32_bits(1), f32_bits(+0.0f), nan_payload, f32_bits(-0.0f)));
  EXPECT_EQ(lane32(r, 0), kCanonicalNan32);
  EXPECT_EQ(lane32(r, 1), f32_bits(-0.0f));
  EXPECT_EQ(lane32(r, 2), kCanonicalNan32);
  EXPECT_EQ(lane32(r, 3), f32_bits(-0.0f));
  // f64x2.max
  Value m = apply(0xF5, Value::v128(0x7FF0000000000001, f64_bits(-0.0)),
                  Value::v128(f64_bits(1), f64_bits(0.0)));
  EXPECT_EQ(m.bits, kCanonicalNan64);
  EXPECT_EQ(m.hi, f64_bits(0.0));
  // f32x4.pmin is a selection (b < a ? b : a): the spec keeps the operand's bits, NaN included.
  r = apply(0xEA, v128_of32(nan_payload, f32_bits(1), f32_bits(2), f32_bits(-0.0f)),
            v128_of32(f32_bits(1), nan_payload, f32_bits(1), f32_bits(0.0f)));
  EXPECT_EQ(lane32(r, 0), nan_payload);
  EXPECT_EQ(lane32(r, 1), f32_bits(1));
  EXPECT_EQ(lane32(r, 2), f32_bits(1));
  EXPECT_EQ(lane32(r, 3), f32_bits(-0.0f));
}

TEST_F(SimdTest, RoundingAndConversions) {
  // f32x4.nearest rounds half to even.
  Value r = apply1(0x6A, v128_of32(f32_bits(2.5f), f32_bits(3.5f), f32_bits(-0.5f), 0xFFA00000));
  EXPECT_EQ(lane32(r, 0), f32_bits(2));
  EXPECT_EQ(lane32(r, 1), f32_bits(4));
  EXPECT_EQ(lane32(r, 2), f32_bits(-0.0f));
  EXPECT_EQ(lane32(r, 3), kCanonicalNan32);
  // f32x4.demote_f64x2_zero: a NaN becomes canonical, overflow is infinity, the top lanes zero.
  r = apply1(0x5E, Value::v128(0xFFF0000000000001, f64_bits(1e300)));
  EXPECT_EQ(lane32(r, 0), kCanonicalNan32);
  EXPECT_EQ(lane32(r, 1), f32_bits(std::numeric_limits<float>::infinity()));
  EXPECT_EQ(r.hi, 0u);
  // f64x2.promote_low_f32x4
  Value p = apply1(0x5F, v128_of32(0xFF800001, f32_bits(1.5f), 7, 7));
  EXPECT_EQ(p.bits, kCanonicalNan64);
  EXPECT_EQ(p.hi, f64_bits(1.5));
  // i32x4.trunc_sat_f32x4_s
  r = apply1(0xF8, v128_of32(kCanonicalNan32, f32_bits(3e9f), f32_bits(-3e9f), f32_bits(-1.5f)));
  EXPECT_EQ(lane32(r, 0), 0u);
  EXPECT_EQ(lane32(r, 1), 0x7FFFFFFFu);
  EXPECT_EQ(lane32(r, 2), 0x80000000u);
  EXPECT_EQ(lane32(r, 3), 0xFFFFFFFFu);
}

TEST_F(SimdTest, DivisionAndSqrtCostMore) {
  apply(0xE4, Value::v128(0, 0), Value::v128(0, 0));  // f32x4.add
  uint64_t add = interpreter_.instructions_used();
  apply(0xE7, Value::v128(0, 0), Value::v128(0, 0));  // f32x4.div
  uint64_t div = interpreter_.instructions_used();
  EXPECT_EQ(add, 3u);  // two local.get and the add
  EXPECT_EQ(div, add - kCostDefault + kCostDivision);
}

TEST_F(SimdTest, HostFunctionsTakeV128AsTwoWords) {
  FuncInst* f = store_.add_host_function(
      FuncType{{ValType::kV128, ValType::kI32}, {ValType::kI32, ValType::kV128}},
      [](Caller&, std::span<const uint64_t> args, std::span<uint64_t> results) -> Status {
        if (args.size() != 3 || results.size() != 3) return Error("wrong word counts");
        results[0] = args[2] | 0xFFFFFFFF00000000;  // an i32 result is narrowed
        results[1] = args[1];
        results[2] = args[0];
        return ok_status();
      });
  auto r = interpreter_.invoke(*f, std::vector<Value>{Value::v128(1, 2), Value::i32(7)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].bits, 7u);
  EXPECT_EQ((*r)[1].type, ValType::kV128);
  EXPECT_EQ((*r)[1].bits, 2u);
  EXPECT_EQ((*r)[1].hi, 1u);
}

TEST_F(SimdTest, MemoryAccessesAreBoundsChecked) {
  // (func (param i32 v128) (result v128)
  //   (v128.store32_lane offset=4 2 (local.get 0) (local.get 1)) (v128.load (local.get 0)))
  Bytes body = cat({Bytes{0x20, 0x00, 0x20, 0x01}, simd_op(0x5A), Bytes{0x02, 0x04, 0x02},
                    Bytes{0x20, 0x00}, simd_op(0x00), Bytes{0x04, 0x00, 0x0B}});
  load(function_module({kI32, kV128}, {kV128}, no_locals(), body, {memory_section()}));
  Value v = v128_of32(1, 2, 0xA1B2C3D4, 4);
  auto r = call({Value::i32(100), v});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(lane32((*r)[0], 1), 0xA1B2C3D4u);  // stored at 104, lane 1 of the load at 100
  EXPECT_EQ(lane32((*r)[0], 0), 0u);
  EXPECT_EQ(inst_->memories[0]->data()[104], 0xD4);
  EXPECT_TRUE(call({Value::i32(65536 - 16), v}).ok());
  EXPECT_EQ(trap_of({Value::i32(65536 - 15), v}), kTrapMemoryOutOfBounds);  // the load
  EXPECT_EQ(trap_of({Value::i32(65536 - 7), v}), kTrapMemoryOutOfBounds);   // the lane store
}

TEST(UsesSimd, SeesInstructionsTypesAndLocals) {
  // (func (result i32) (i32x4.extract_lane 0 (v128.const i32x4 7 0 0 0))): no v128 in any type.
  Bytes body{0xFD, 0x0C, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFD, 0x1B, 0x00, 0x0B};
  auto m = decode_and_validate(function_module({}, {kI32}, no_locals(), body));
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_TRUE(uses_simd(*m));
  // A v128 local that is never used.
  m = decode_and_validate(function_module({}, {}, Bytes{0x01, 0x01, kV128}, Bytes{0x0B}));
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_TRUE(uses_simd(*m));
  m = decode_and_validate(function_module({kI32}, {kI32}, no_locals(), kFib));
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_FALSE(uses_simd(*m));
}

}  // namespace
}  // namespace chorus::wasm
