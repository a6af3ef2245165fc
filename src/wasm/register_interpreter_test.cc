#include "wasm/register_interpreter.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/hex.h"
#include "wasm/interpreter.h"
#include "wasm/jit_executor.h"
#include "wasm/register_translate.h"
#include "wasm/test_modules.h"
#include "wasm/validator.h"

namespace chorus::wasm {
namespace {

using namespace testing;  // NOLINT

// wat2wasm of this module (a host import env.count returns instructions_used()):
//   fib: recursive; sum(n): memory.fill/copy, a store loop and a load loop, load8_u;
//   hazard(x): local.tee and local.set while references to the local are pending;
//   brvals(i): br_table/br/br_if carrying values out of nested result blocks, select;
//   grow(n): memory.grow, memory.size and the host import; indirect(f, x): call_indirect;
//   deep(n): recursion n deep; floats(x): sqrt/demote/trunc_sat/min/reinterpret;
//   trapdiv(a, b): 1 + a / b.
// Source (abridged to what matters for the hazards):
//   (func $hazard (param i32) (result i32) (local $t i32)
//     (i32.add (local.get 0)
//       (i32.add (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (local.get 0)))
//     (local.set $t) (local.get $t) (local.get $t) (local.set $t (i32.const 100)) (i32.sub)
//     (global.set $g (i32.add (global.get $g) (local.get $t))) (i32.add (global.get $g)))
//   (func $brvals (param i32) (result i32) (local $x i32)
//     (local.set $x (i32.const 40))
//     (block $out (result i32) (block $b2 (result i32) (block $b1 (result i32)
//       (block $b0 (result i32) (br_table $b0 $b1 $b2 $out (local.get $x) (local.get 0)))
//       (br $out (i32.add (i32.const 1))))
//       (drop (br_if $out (local.get $x) (i32.eq (local.get 0) (i32.const 1))))
//       (i32.add (i32.const 2)))
//     (select (i32.const 7) (local.get $x) (i32.and (local.get 0) (i32.const 2))) (i32.add)))
constexpr char kModuleHex[] =
    "0061736d010000000115046000017e60017f017f60027f7f017f60017c017e020d0103656e7605636f756e740000030a"
    "090101010101020103020404017000040504010101040606017f0141070b074b090366696200010373756d0002066861"
    "7a617264000306627276616c7300040467726f77000508696e64697265637400060464656570000706666c6f61747300"
    "0807747261706469760009090a010041000b04010203040acf02091c002000410248047f200005200041016b10012000"
    "41026b10016a0b0b7001027f41e807410541e400fc0b0041d00f41e80741c000fc0a000002400340200120004f0d0120"
    "01410274200141036c360208200141016a21010c000b0b41002101024003402001200049450d01200220014102742802"
    "086a2102200141016a21010c000b0b200241da0f2d00006a0b2701017f2000200041016a220020006a6a210120012001"
    "41e40021016b230020016a240023006a0b3b01017f41282101027f027f027f027f200120000e03000102030b41016a0c"
    "020b200120004101460d011a41026a0b4107200120004102711b6a0b0b0d00200040001a3f001000a76a0b0900200120"
    "001101000b1500200045047f4100054101200041016b10076a0b0b2201017d20009fb6210120014300007a4494fc0420"
    "00440000000000000080a4bd7c0b0a004101200020016d6a0b"    ;

// One store and instance per executor, so that both see the same sequence of calls.
class Runner {
 public:
  explicit Runner(std::unique_ptr<Executor> executor) : executor_(std::move(executor)) {}

  void load(const Bytes& bytes) {
    auto m = decode_and_validate(bytes);
    ASSERT_TRUE(m.ok()) << m.error().message();
    FuncInst* count = store_.add_host_function(
        FuncType{{}, {ValType::kI64}},
        [](Caller& c, std::span<const uint64_t>, std::span<uint64_t> out) -> Status {
          out[0] = c.instructions_used();
          return ok_status();
        });
    auto inst = store_.instantiate(
        std::make_shared<const Module>(std::move(m).value()),
        [count](const Import& im) -> Result<Extern> {
          if (im.name != "count") return Error("unknown import " + im.name);
          Extern x;
          x.func = count;
          return x;
        },
        *executor_);
    ASSERT_TRUE(inst.ok()) << inst.error().message();
    inst_ = *inst;
  }

  // The results, or the trap message; with the count of instructions used.
  std::string call(const std::string& name, const std::vector<Value>& args, uint64_t& used) {
    auto x = inst_->find_export(name);
    if (!x) return "no export " + name;
    auto r = executor_->invoke(*x->func, args);
    used = executor_->instructions_used();
    if (!r.ok()) return "trap: " + r.error().message();
    std::string out;
    for (const Value& v : *r) out += std::to_string(v.bits) + " ";
    return out;
  }

  Executor& executor() { return *executor_; }

 private:
  Store store_;
  std::unique_ptr<Executor> executor_;
  Instance* inst_ = nullptr;
};

struct Call {
  std::string name;
  std::vector<Value> args;
};

std::vector<Call> calls() {
  return {
      {"fib", {Value::i32(15)}},
      {"sum", {Value::i32(50)}},
      {"hazard", {Value::i32(5)}},
      {"brvals", {Value::i32(0)}},
      {"brvals", {Value::i32(1)}},
      {"brvals", {Value::i32(2)}},
      {"brvals", {Value::i32(3)}},
      {"brvals", {Value::i32(9)}},
      {"grow", {Value::i32(1)}},
      {"indirect", {Value::i32(0), Value::i32(10)}},
      {"indirect", {Value::i32(3), Value::i32(1)}},
      {"indirect", {Value::i32(7), Value::i32(1)}},
      {"deep", {Value::i32(300)}},
      {"floats", {Value::f64(2.0)}},
      {"trapdiv", {Value::i32(7), Value::i32(2)}},
      {"trapdiv", {Value::i32(7), Value::i32(0)}},
  };
}

Bytes module_bytes() {
  auto b = from_hex(kModuleHex);
  EXPECT_TRUE(b.ok());
  return b.ok() ? *b : Bytes{};
}

// The known results on the register interpreter and on the JIT (which runs the same code).
class KnownResultsTest : public ::testing::TestWithParam<bool> {};

TEST_P(KnownResultsTest, KnownResults) {
  if (GetParam() && !jit_supported()) GTEST_SKIP() << "no JIT on this host";
  Runner r(GetParam() ? std::unique_ptr<Executor>(std::make_unique<JitExecutor>())
                      : std::make_unique<RegisterInterpreter>());
  r.load(module_bytes());
  uint64_t used = 0;
  EXPECT_EQ(r.call("fib", {Value::i32(20)}, used), "6765 ");
  // sum: 3 * (0 + ... + 49) plus the byte at 2010, copied from the filled 1000.. range.
  EXPECT_EQ(r.call("sum", {Value::i32(50)}, used), std::to_string(3 * 49 * 50 / 2 + 5) + " ");
  // hazard(5): 5 + (6 + 6) = 17 into $t; 17 - 17 = 0; $g = 7 + 100; 0 + 107.
  EXPECT_EQ(r.call("hazard", {Value::i32(5)}, used), "107 ");
  // brvals: 0 -> $b0, 40 + 1 out; 1 -> $b1, br_if out with 40; 2 -> $b2, 40 + select(7, 40,
  // 2 & 2); 3 and beyond -> $out with 40.
  EXPECT_EQ(r.call("brvals", {Value::i32(0)}, used), "41 ");
  EXPECT_EQ(r.call("brvals", {Value::i32(1)}, used), "40 ");
  EXPECT_EQ(r.call("brvals", {Value::i32(2)}, used), std::to_string(40 + 7) + " ");
  EXPECT_EQ(r.call("brvals", {Value::i32(3)}, used), "40 ");
  EXPECT_EQ(r.call("brvals", {Value::i32(9)}, used), "40 ");
  EXPECT_EQ(r.call("indirect", {Value::i32(0), Value::i32(10)}, used), "55 ");
  EXPECT_EQ(r.call("indirect", {Value::i32(7), Value::i32(1)}, used),
            std::string("trap: ") + kTrapUndefinedElement);
  EXPECT_EQ(r.call("deep", {Value::i32(1000)}, used), "1000 ");
  EXPECT_EQ(r.call("deep", {Value::i32(1'000'000)}, used),
            std::string("trap: ") + kTrapCallStackExhausted);
  EXPECT_EQ(r.call("trapdiv", {Value::i32(7), Value::i32(0)}, used),
            std::string("trap: ") + kTrapDivideByZero);
}

INSTANTIATE_TEST_SUITE_P(RegisterAndJit, KnownResultsTest, ::testing::Bool());

// Every executor computes the same results and charges exactly the same, with any budget: the
// metering blocks of register code are those of stack code, and the JIT runs register code.
TEST(RegisterInterpreterTest, SameResultsAndCountsOnEveryExecutor) {
  Runner stack(std::make_unique<Interpreter>());
  Runner reg(std::make_unique<RegisterInterpreter>());
  // Without a JIT on this host, a second register interpreter stands in.
  Runner jit(jit_supported() ? std::unique_ptr<Executor>(std::make_unique<JitExecutor>())
                             : std::make_unique<RegisterInterpreter>());
  stack.load(module_bytes());
  reg.load(module_bytes());
  jit.load(module_bytes());
  for (const Call& c : calls()) {
    uint64_t used_stack = 0, used_reg = 0, used_jit = 0;
    std::string a = stack.call(c.name, c.args, used_stack);
    std::string b = reg.call(c.name, c.args, used_reg);
    std::string j = jit.call(c.name, c.args, used_jit);
    EXPECT_EQ(a, b) << c.name;
    EXPECT_EQ(a, j) << c.name;
    EXPECT_EQ(used_stack, used_reg) << c.name;
    EXPECT_EQ(used_stack, used_jit) << c.name;
    EXPECT_GT(used_reg, 0u) << c.name;
    // Every budget up to the full count (in steps for the long calls).
    uint64_t step = std::max<uint64_t>(1, used_stack / 200);
    for (uint64_t budget = 0; budget <= used_stack + 1; budget += step) {
      ExecutionLimits limits;
      limits.instructions = budget;
      stack.executor().set_limits(limits);
      reg.executor().set_limits(limits);
      jit.executor().set_limits(limits);
      uint64_t us = 0, ur = 0, uj = 0;
      std::string x = stack.call(c.name, c.args, us);
      std::string y = reg.call(c.name, c.args, ur);
      std::string z = jit.call(c.name, c.args, uj);
      EXPECT_EQ(x, y) << c.name << " with budget " << budget;
      EXPECT_EQ(x, z) << c.name << " with budget " << budget;
      EXPECT_EQ(us, ur) << c.name << " with budget " << budget;
      EXPECT_EQ(us, uj) << c.name << " with budget " << budget;
    }
    stack.executor().set_limits({});
    reg.executor().set_limits({});
    jit.executor().set_limits({});
  }
}

// local.get and constants emit nothing, and a comparison fuses with br_if: the loop of
// `block loop (br_if 1 (i32.ge_u (local.get 1) (local.get 0))) (local.set 1 (i32.add (local.get
// 1) (i32.const 1))) (br 0) end end` is a compare-and-branch, one add and a jump.
TEST(RegisterInterpreterTest, LocalsAndConstantsEmitNoCode) {
  Bytes body{0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4F, 0x0D, 0x01, 0x20,
             0x01, 0x41, 0x01, 0x6A, 0x21, 0x01, 0x0C, 0x00, 0x0B, 0x0B, 0x20, 0x01, 0x0B};
  auto m = decode_and_validate(function_module({kI32}, {kI32}, Bytes{0x01, 0x01, kI32}, body));
  ASSERT_TRUE(m.ok()) << m.error().message();
  auto code = translate_registers(*m);
  ASSERT_TRUE(code.ok()) << code.error().message();
  std::vector<std::string> ops;
  std::span<const uint64_t> c = code->functions[0].code;
  for (size_t i = 0; i < c.size(); i += reg_op_words(&c[i])) {
    ops.push_back(to_string(static_cast<RegOp>(c[i])));
  }
  // The final local.get opens a metering block of its own and is returned from its slot; the
  // last Return is where branches to the function's end would go.
  std::vector<std::string> want{"Charge", "I32GeUBrIf", "Charge", "I32AddC",
                                "Jump",   "Charge",     "Return", "Return"};
  EXPECT_EQ(ops, want);

  RegisterInterpreter interp;
  Store store;
  auto inst = store.instantiate(std::make_shared<const Module>(std::move(m).value()),
                                [](const Import&) -> Result<Extern> { return Error("none"); },
                                interp);
  ASSERT_TRUE(inst.ok());
  auto r = interp.invoke(*(*inst)->funcs[0], std::vector<Value>{Value::i32(1000)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].as_u32(), 1000u);
}

TEST(RegisterInterpreterTest, APendingAddKeepsItsTempFromTheNextValue) {
  // (i32.xor (i32.add (i32.const 0) (i32.mul (local.get 0) (local.get 1)))
  //          (i32.mul (local.get 1) (local.get 1)))
  // The add's temp operand sits one position above the add's own; the second product is written
  // there. Found by tests/wasm_differential.mjs --executor register (seed 302432): the add read
  // the second product instead of the first.
  Bytes body{0x41, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6C, 0x6A,
             0x20, 0x01, 0x20, 0x01, 0x6C, 0x73, 0x0B};
  auto m = decode_and_validate(function_module({kI32, kI32}, {kI32}, no_locals(), body));
  ASSERT_TRUE(m.ok()) << m.error().message();
  RegisterInterpreter interp;
  Store store;
  auto inst = store.instantiate(std::make_shared<const Module>(std::move(m).value()),
                                [](const Import&) -> Result<Extern> { return Error("none"); },
                                interp);
  ASSERT_TRUE(inst.ok());
  auto r = interp.invoke(*(*inst)->funcs[0], std::vector<Value>{Value::i32(3), Value::i32(5)});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].as_u32(), (3u * 5u) ^ (5u * 5u));
}

TEST(RegisterInterpreterTest, RefusesSimd) {
  // (func (result i32) v128.const 0 i32x4.extract_lane 0)
  Bytes body{0xFD, 0x0C};
  for (int i = 0; i < 16; ++i) body.push_back(0);
  for (uint8_t b : {0xFD, 0x1B, 0x00, 0x0B}) body.push_back(b);
  auto m = decode_and_validate(function_module({}, {kI32}, no_locals(), body));
  ASSERT_TRUE(m.ok()) << m.error().message();
  RegisterInterpreter interp;
  Store store;
  auto inst = store.instantiate(std::make_shared<const Module>(std::move(m).value()),
                                [](const Import&) -> Result<Extern> { return Error("none"); },
                                interp);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().message(), kRegisterSimdUnsupported);
}

}  // namespace
}  // namespace chorus::wasm
