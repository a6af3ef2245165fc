#include "wasm/jit_executor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/hex.h"
#include "wasm/executors.h"
#include "wasm/register_interpreter.h"
#include "wasm/validator.h"

namespace chorus::wasm {
namespace {

// wat2wasm of:
// (module
//   (import "env" "peek" (func $peek (param i32) (result i32)))  ;; see Runner below
//   (import "env" "count" (func $count (result i64)))            ;; instructions_used()
//   (memory 2)
//   (func $deep (export "deep") (param i32) (result i32)
//     (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
//       (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
//   (func (export "host") (param i32 i32) (result i32)
//     (i32.store (local.get 0) (local.get 1))
//     (drop (call $peek (local.get 0)))
//     (i32.load offset=4 (local.get 0)))
//   (func (export "loop") (param i32) (result i64) (local i32)
//     (block (loop (br_if 1 (i32.ge_u (local.get 1) (local.get 0)))
//       (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br 0)))
//     (call $count))
//   (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
//   (func (export "rem64") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
//   (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
//   (func (export "load") (param i32) (result i64) (i64.load offset=1 (local.get 0)))
//   (func (export "store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
//   (func (export "fadd") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
//   (func (export "fmin") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
//   (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
constexpr char kModuleHex[] =
    "0061736d0100000001310960017f017f6000017e60027f7f017f60017f017e60027e7e017e60017c017f60027f7e0060"
    "027c7c017c60027d7d017d02180203656e76047065656b000003656e7605636f756e740001030c0b0002030204050306"
    "070800050301000207500b0464656570000204686f73740003046c6f6f7000040364697600050572656d363400060574"
    "72756e630007046c6f616400080573746f726500090466616464000a04666d696e000b0467726f77000c0a87010b1500"
    "200045047f4100054101200041016b10026a0b0b130020002001360200200010001a20002802040b1c01017f02400340"
    "200120004f0d01200141016a21010c000b0b10010b0700200020016d0b070020002001810b05002000aa0b0700200029"
    "03010b0900200020013703000b070020002001a00b070020002001960b0600200040000b";

// One store and instance per executor. env.peek(a) reads the i32 at a through the Caller and
// writes twice that at a + 4; env.count returns instructions_used().
class Runner {
 public:
  explicit Runner(ExecutorKind kind, const ExecutionLimits& limits = {})
      : executor_(make_executor(kind, limits)) {
    auto bytes = from_hex(kModuleHex);
    EXPECT_TRUE(bytes.ok());
    auto m = decode_and_validate(*bytes);
    EXPECT_TRUE(m.ok()) << m.error().message();
    FuncInst* peek = store_.add_host_function(
        FuncType{{ValType::kI32}, {ValType::kI32}},
        [](Caller& c, std::span<const uint64_t> args, std::span<uint64_t> out) -> Status {
          const uint8_t* p = c.memory_span(args[0], 4);
          if (p == nullptr) return Error("peek out of bounds");
          uint32_t v;
          std::memcpy(&v, p, 4);
          uint8_t* w = c.memory_span_for_write(args[0] + 4, 4);
          if (w == nullptr) return Error("peek out of bounds");
          uint32_t twice = v * 2;
          std::memcpy(w, &twice, 4);
          out[0] = v;
          return ok_status();
        });
    FuncInst* count = store_.add_host_function(
        FuncType{{}, {ValType::kI64}},
        [](Caller& c, std::span<const uint64_t>, std::span<uint64_t> out) -> Status {
          out[0] = c.instructions_used();
          return ok_status();
        });
    auto inst = store_.instantiate(
        std::make_shared<const Module>(std::move(m).value()),
        [peek, count](const Import& im) -> Result<Extern> {
          Extern x;
          x.func = im.name == "peek" ? peek : count;
          return x;
        },
        *executor_);
    EXPECT_TRUE(inst.ok()) << inst.error().message();
    inst_ = *inst;
  }

  // The results as decimal words, or "trap: " and the message.
  std::string call(const std::string& name, const std::vector<Value>& args) {
    auto x = inst_->find_export(name);
    if (!x) return "no export " + name;
    auto r = executor_->invoke(*x->func, args);
    used_ = executor_->instructions_used();
    if (!r.ok()) return "trap: " + r.error().message();
    std::string out;
    for (const Value& v : *r) out += std::to_string(v.bits) + " ";
    return out;
  }
  uint64_t used() const { return used_; }
  Executor& executor() { return *executor_; }
  MemoryInst& memory() { return *inst_->memories[0]; }

 private:
  Store store_;
  std::unique_ptr<Executor> executor_;
  Instance* inst_ = nullptr;
  uint64_t used_ = 0;
};

std::string trap(const char* message) { return std::string("trap: ") + message; }

class JitExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!jit_supported()) GTEST_SKIP() << "no JIT on this host";
  }
};

TEST_F(JitExecutorTest, Traps) {
  Runner r(ExecutorKind::kJit);
  EXPECT_EQ(r.call("div", {Value::i32(-7), Value::i32(2)}), std::to_string(uint32_t(-3)) + " ");
  EXPECT_EQ(r.call("div", {Value::i32(7), Value::i32(0)}), trap(kTrapDivideByZero));
  EXPECT_EQ(r.call("div", {Value::i32(0x80000000u), Value::i32(-1)}), trap(kTrapIntegerOverflow));
  EXPECT_EQ(r.call("rem64", {Value::i64(0x8000000000000000u), Value::i64(~uint64_t{0})}), "0 ");
  EXPECT_EQ(r.call("rem64", {Value::i64(5), Value::i64(0)}), trap(kTrapDivideByZero));
  EXPECT_EQ(r.call("trunc", {Value::f64(-3.9)}), std::to_string(uint32_t(-3)) + " ");
  EXPECT_EQ(r.call("trunc", {Value::f64_bits(0x7FF8000000000001u)}),
            trap(kTrapInvalidConversion));
  EXPECT_EQ(r.call("trunc", {Value::f64(3e9)}), trap(kTrapIntegerOverflow));
  // Two pages: the last 8 bytes start at 131064; offset=1 moves the access by one.
  EXPECT_EQ(r.call("load", {Value::i32(131063)}), "0 ");
  EXPECT_EQ(r.call("load", {Value::i32(131064)}), trap(kTrapMemoryOutOfBounds));
  EXPECT_EQ(r.call("load", {Value::i32(0xFFFFFFFFu)}), trap(kTrapMemoryOutOfBounds));
  EXPECT_EQ(r.call("store", {Value::i32(131065), Value::i64(1)}), trap(kTrapMemoryOutOfBounds));
}

TEST_F(JitExecutorTest, FloatsAreCanonicalAndFollowWasm) {
  Runner r(ExecutorKind::kJit);
  // A NaN operand with a payload gives the canonical NaN, whatever the host propagates.
  EXPECT_EQ(r.call("fadd", {Value::f64_bits(0x7FF4000000000001u), Value::f64(1.0)}),
            std::to_string(0x7FF8000000000000u) + " ");
  EXPECT_EQ(r.call("fadd", {Value::f64(1.5), Value::f64(2.25)}),
            std::to_string(std::bit_cast<uint64_t>(3.75)) + " ");
  // min(-0, +0) is -0.
  EXPECT_EQ(r.call("fmin", {Value::f32(0.0f), Value::f32(-0.0f)}),
            std::to_string(0x80000000u) + " ");
}

TEST_F(JitExecutorTest, DeepRecursionTrapsAtTheDepthLimit) {
  Runner r(ExecutorKind::kJit);
  EXPECT_EQ(r.call("deep", {Value::i32(5000)}), "5000 ");
  EXPECT_EQ(r.call("deep", {Value::i32(20000)}), trap(kTrapCallStackExhausted));
  // Far deeper than a host thread's stack would allow at a native frame per call: the JIT runs on
  // a stack of its own, sized from the limit.
  ExecutionLimits deep;
  deep.call_depth = 1'000'000;
  deep.stack_slots = 1u << 24;
  r.executor().set_limits(deep);
  EXPECT_EQ(r.call("deep", {Value::i32(900'000)}), "900000 ");
  EXPECT_EQ(r.call("deep", {Value::i32(2'000'000)}), trap(kTrapCallStackExhausted));
  // A small value stack is exhausted before the call depth.
  ExecutionLimits few;
  few.stack_slots = 64;
  r.executor().set_limits(few);
  EXPECT_EQ(r.call("deep", {Value::i32(1000)}), trap(kTrapCallStackExhausted));
}

// Around the limits both executors trap at the same call, with the same count.
TEST_F(JitExecutorTest, LimitsAsTheRegisterInterpreter) {
  for (uint32_t depth : {0u, 1u, 50u}) {
    for (uint32_t slots : {4u, 40u, 1000u}) {
      ExecutionLimits limits;
      limits.call_depth = depth;
      limits.stack_slots = slots;
      Runner jit(ExecutorKind::kJit, limits);
      Runner reg(ExecutorKind::kRegister, limits);
      for (uint32_t n : {0u, 1u, 2u, 10u, 49u, 50u, 51u, 400u}) {
        std::string a = jit.call("deep", {Value::i32(n)});
        EXPECT_EQ(a, reg.call("deep", {Value::i32(n)})) << depth << " " << slots << " " << n;
        EXPECT_EQ(jit.used(), reg.used()) << depth << " " << slots << " " << n;
      }
    }
  }
}

TEST_F(JitExecutorTest, HostCallsSeeMemoryAndTheCount) {
  Runner r(ExecutorKind::kJit);
  // store 21 at 100; peek reads it and writes 42 at 104; the function loads 104.
  EXPECT_EQ(r.call("host", {Value::i32(100), Value::i32(21)}), "42 ");
  EXPECT_EQ(r.call("host", {Value::i32(131068), Value::i32(1)}), "trap: peek out of bounds");
  // count() sees what ran so far: the same as the register interpreter.
  Runner reg(ExecutorKind::kRegister);
  for (uint32_t n : {0u, 1u, 7u, 1000u}) {
    std::string a = r.call("loop", {Value::i32(n)});
    EXPECT_EQ(a, reg.call("loop", {Value::i32(n)}));
    EXPECT_EQ(r.used(), reg.used());
    // The call is the function's last charged instruction (its end costs nothing).
    EXPECT_EQ(std::stoull(a), r.used());
  }
}

TEST_F(JitExecutorTest, StoresMarkTheirPages) {
  Runner r(ExecutorKind::kJit);
  ASSERT_TRUE(r.memory().linear().clear_dirty().ok());
  EXPECT_EQ(r.call("store", {Value::i32(5 * 4096 + 8), Value::i64(1)}), "");
  // An 8-byte store across a page boundary marks both pages (the out-of-line path).
  EXPECT_EQ(r.call("store", {Value::i32(9 * 4096 - 4), Value::i64(~uint64_t{0})}), "");
  // Into an already marked page (the inline path).
  EXPECT_EQ(r.call("store", {Value::i32(5 * 4096 + 100), Value::i64(2)}), "");
  EXPECT_EQ(r.memory().linear().dirty_pages(), (std::vector<uint64_t>{5, 8, 9}));
  EXPECT_EQ(r.call("load", {Value::i32(9 * 4096 - 5)}), std::to_string(~uint64_t{0}) + " ");
}

TEST_F(JitExecutorTest, GrowRefreshesTheBounds) {
  Runner r(ExecutorKind::kJit);
  EXPECT_EQ(r.call("load", {Value::i32(2 * 65536)}), trap(kTrapMemoryOutOfBounds));
  EXPECT_EQ(r.call("grow", {Value::i32(1)}), "2 ");
  EXPECT_EQ(r.call("load", {Value::i32(2 * 65536)}), "0 ");
  EXPECT_EQ(r.call("grow", {Value::i32(100000)}), std::to_string(0xFFFFFFFFu) + " ");
}

// The budget stops the JIT exactly where it stops the interpreter, for every budget.
TEST_F(JitExecutorTest, MeteringLimits) {
  Runner jit(ExecutorKind::kJit);
  Runner reg(ExecutorKind::kRegister);
  std::string full = jit.call("loop", {Value::i32(100)});
  uint64_t total = jit.used();
  ASSERT_GT(total, 100u);
  for (uint64_t budget = 0; budget <= total + 1; ++budget) {
    ExecutionLimits limits;
    limits.instructions = budget;
    jit.executor().set_limits(limits);
    reg.executor().set_limits(limits);
    std::string a = jit.call("loop", {Value::i32(100)});
    EXPECT_EQ(a, reg.call("loop", {Value::i32(100)})) << budget;
    EXPECT_EQ(jit.used(), reg.used()) << budget;
    EXPECT_LE(jit.used(), budget);
    EXPECT_EQ(a == full, budget >= total) << budget;
    if (budget < total) {
      EXPECT_EQ(a, trap(kTrapInstructionLimit));
    }
  }
}

}  // namespace
}  // namespace chorus::wasm
