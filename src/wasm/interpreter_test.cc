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
        uint8_t* p = caller.memory_span(addr, 1);
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

TEST_F(InterpreterTest, SimdModulesAreRefusedByName) {
  // (func (result i32) (i32x4.extract_lane 0 (v128.const i32x4 7 0 0 0)))
  Bytes body{0xFD, 0x0C, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFD, 0x1B, 0x00, 0x0B};
  auto m = decode_and_validate(function_module({}, {kI32}, no_locals(), body));
  ASSERT_TRUE(m.ok()) << m.error().message();
  auto inst = store_.instantiate(std::make_shared<const Module>(std::move(m).value()), no_imports,
                                 interpreter_);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().message(), kSimdNotImplemented);
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

}  // namespace
}  // namespace chorus::wasm
