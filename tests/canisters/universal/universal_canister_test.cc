// The universal canister's module (imports, exports, table) and its program interpreter, run on
// our Wasm engine. The ic0 functions here are a minimal fake written for this test (FakeIc0): just
// enough System API to feed programs in and see replies, traps, prints, stable memory and calls
// come out. It checks the canister, not the System API, which is the execution environment's.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "base/file.h"
#include "ic0_signatures.h"
#include "universal/universal_program.h"
#include "wasm/executor.h"
#include "wasm/executors.h"
#include "wasm/instance_state.h"
#include "wasm/runtime.h"
#include "wasm/validator.h"

namespace chorus::canisters {
namespace {

using wasm::Value;

Bytes le_bytes(uint64_t v, int n) {
  Bytes out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}

// What the fake System API keeps: one message's inputs and outputs, and the canister's stable
// memory and pending call (which outlive an instance, as they do across an upgrade).
struct FakeState {
  Bytes arg;
  Bytes reply;
  bool replied = false;
  std::optional<std::string> rejected;
  bool accepted = false;
  std::vector<std::string> prints;
  Bytes stable;  // whole pages
  uint32_t reject_code = 0;
  std::string reject_message;
  // The call being built and the last one performed.
  struct Call {
    Bytes callee;
    std::string method;
    uint64_t reply_fun = 0, reply_env = 0, reject_fun = 0, reject_env = 0;
    std::optional<std::pair<uint64_t, uint64_t>> cleanup;
    Bytes payload;
  };
  std::optional<Call> building;
  std::vector<Call> performed;
};

class UniversalCanister {
 public:
  // Loads the module at |path| into a fresh store, as an install or upgrade would.
  // |limits| bound each message; |memory_pages| caps the Wasm memory.
  static std::unique_ptr<UniversalCanister> load(const std::string& path, FakeState* state,
                                                 const wasm::ExecutionLimits& limits = {},
                                                 uint64_t memory_pages = wasm::kMaxMemoryPages) {
    auto bytes = read_file(path);
    EXPECT_TRUE(bytes.ok()) << path;
    if (!bytes.ok()) return nullptr;
    auto m = wasm::decode_and_validate(*bytes);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message());
    if (!m.ok()) return nullptr;
    auto c = std::unique_ptr<UniversalCanister>(new UniversalCanister(state));
    c->module_ = std::make_shared<const wasm::Module>(std::move(m).value());
    c->wasm64_ = !c->module_->memories.empty() && c->module_->memories[0].type.limits.is64;
    c->executor_ = wasm::make_executor(wasm::executor_for(*c->module_), limits);
    c->store_.set_memory_limits(memory_pages, wasm::Reservation::kGuarded);
    auto inst = c->store_.instantiate(
        c->module_, [&](const wasm::Import& im) { return c->resolve(im); }, *c->executor_);
    EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().message());
    if (!inst.ok()) return nullptr;
    c->instance_ = *inst;
    return c;
  }

  bool wasm64() const { return wasm64_; }
  const wasm::Module& module() const { return *module_; }
  wasm::Instance& instance() { return *instance_; }
  uint64_t instructions_used() const { return executor_->instructions_used(); }

  // Runs the export |name| as one message with |arg|; a trap rolls back the instance and the
  // fake's state and comes back as the error.
  Status run(const std::string& name, ByteView arg = {}) {
    auto x = instance_->find_export(name);
    if (!x || x->kind != wasm::ExternKind::kFunc) return Error("no export " + name);
    return message(*x->func, {}, arg);
  }

  // Runs the table entry |fun| with |env| as a callback message whose argument is |arg|.
  Status callback(uint64_t fun, uint64_t env, ByteView arg = {}) {
    wasm::TableInst* table = instance_->tables.at(0);
    if (fun >= table->elems.size() || table->elems[fun] == 0) return Error("no such callback");
    auto* f = reinterpret_cast<wasm::FuncInst*>(table->elems[fun]);
    Value v = wasm64_ ? Value::i64(env) : Value::i32(static_cast<uint32_t>(env));
    return message(*f, {v}, arg);
  }

 private:
  explicit UniversalCanister(FakeState* state) : s_(state) {}

  Status message(wasm::FuncInst& f, std::vector<Value> args, ByteView arg) {
    FakeState before = *s_;
    s_->arg.assign(arg.begin(), arg.end());
    s_->reply.clear();
    s_->replied = false;
    s_->rejected.reset();
    s_->accepted = false;
    s_->building.reset();
    auto tx = wasm::InstanceTransaction::begin(*instance_);
    if (!tx.ok()) return tx.error();
    auto r = executor_->invoke(f, args);
    if (!r.ok()) {
      EXPECT_TRUE(tx->rollback().ok());
      std::vector<std::string> prints = s_->prints;  // debug output survives a trap
      *s_ = before;
      s_->prints = prints;
      return std::move(r).error();
    }
    return tx->commit();
  }

  // Copies |src|[offset, offset+size) to canister memory at dst, trapping as the spec says.
  static Status copy_out(wasm::Caller& c, ByteView src, uint64_t dst, uint64_t offset,
                         uint64_t size) {
    if (offset > src.size() || size > src.size() - offset) return Error("copy out of range");
    return c.write(dst, src.subspan(offset, size));
  }
  static Result<Bytes> copy_in(wasm::Caller& c, uint64_t src, uint64_t size) {
    Bytes b(size);
    CHORUS_RETURN_IF_ERROR(c.read(src, b));
    return b;
  }

  Result<wasm::Extern> resolve(const wasm::Import& im) {
    if (im.module != "ic0") return Error("import outside ic0: " + im.module);
    const wasm::FuncType& type = module_->types.at(im.func_type);
    const std::string& n = im.name;
    FakeState* s = s_;
    // Each fake takes the argument words and fills the result word (if any).
    using Fn = std::function<Status(wasm::Caller&, std::span<const uint64_t>, uint64_t*)>;
    std::map<std::string, Fn> fakes = {
        {"msg_arg_data_size", [s](auto&, auto, uint64_t* r) { *r = s->arg.size(); return ok_status(); }},
        {"msg_arg_data_copy",
         [s](wasm::Caller& c, auto a, uint64_t*) { return copy_out(c, s->arg, a[0], a[1], a[2]); }},
        {"msg_reply_data_append",
         [s](wasm::Caller& c, auto a, uint64_t*) -> Status {
           if (s->replied || s->rejected) return Error("already responded");
           CHORUS_ASSIGN_OR_RETURN(Bytes b, copy_in(c, a[0], a[1]));
           append(s->reply, b);
           return ok_status();
         }},
        {"msg_reply",
         [s](auto&, auto, uint64_t*) -> Status {
           if (s->replied || s->rejected) return Error("already responded");
           s->replied = true;
           return ok_status();
         }},
        {"msg_reject",
         [s](wasm::Caller& c, auto a, uint64_t*) -> Status {
           if (s->replied || s->rejected) return Error("already responded");
           CHORUS_ASSIGN_OR_RETURN(Bytes b, copy_in(c, a[0], a[1]));
           s->rejected = std::string(as_chars(b));
           return ok_status();
         }},
        {"msg_reject_code", [s](auto&, auto, uint64_t* r) { *r = s->reject_code; return ok_status(); }},
        {"msg_reject_msg_size",
         [s](auto&, auto, uint64_t* r) { *r = s->reject_message.size(); return ok_status(); }},
        {"msg_reject_msg_copy",
         [s](wasm::Caller& c, auto a, uint64_t*) {
           return copy_out(c, as_bytes(s->reject_message), a[0], a[1], a[2]);
         }},
        {"accept_message",
         [s](auto&, auto, uint64_t*) -> Status {
           if (s->accepted) return Error("accept_message called twice");
           s->accepted = true;
           return ok_status();
         }},
        {"performance_counter",
         [](wasm::Caller& c, auto, uint64_t* r) { *r = c.instructions_used(); return ok_status(); }},
        {"debug_print",
         [s](wasm::Caller& c, auto a, uint64_t*) -> Status {
           CHORUS_ASSIGN_OR_RETURN(Bytes b, copy_in(c, a[0], a[1]));
           s->prints.emplace_back(as_chars(b));
           return ok_status();
         }},
        {"trap",
         [](wasm::Caller& c, auto a, uint64_t*) -> Status {
           CHORUS_ASSIGN_OR_RETURN(Bytes b, copy_in(c, a[0], a[1]));
           return Error(std::string(as_chars(b)));
         }},
        {"stable64_size",
         [s](auto&, auto, uint64_t* r) { *r = s->stable.size() / wasm::kPageSize; return ok_status(); }},
        {"stable64_grow",
         [s](auto&, auto a, uint64_t* r) {
           uint64_t old = s->stable.size() / wasm::kPageSize;
           if (a[0] > 16 - old) {  // this fake's limit: 1 MiB
             *r = ~uint64_t{0};
           } else {
             s->stable.resize((old + a[0]) * wasm::kPageSize);
             *r = old;
           }
           return ok_status();
         }},
        {"stable64_write",
         [s](wasm::Caller& c, auto a, uint64_t*) -> Status {
           if (a[0] > s->stable.size() || a[2] > s->stable.size() - a[0]) {
             return Error("stable memory out of bounds");
           }
           CHORUS_ASSIGN_OR_RETURN(Bytes b, copy_in(c, a[1], a[2]));
           std::copy(b.begin(), b.end(), s->stable.begin() + static_cast<ptrdiff_t>(a[0]));
           return ok_status();
         }},
        {"stable64_read",
         [s](wasm::Caller& c, auto a, uint64_t*) -> Status {
           if (a[1] > s->stable.size() || a[2] > s->stable.size() - a[1]) {
             return Error("stable memory out of bounds");
           }
           return c.write(a[0], ByteView(s->stable).subspan(a[1], a[2]));
         }},
        {"call_new",
         [s](wasm::Caller& c, auto a, uint64_t*) -> Status {
           FakeState::Call call;
           CHORUS_ASSIGN_OR_RETURN(call.callee, copy_in(c, a[0], a[1]));
           CHORUS_ASSIGN_OR_RETURN(Bytes method, copy_in(c, a[2], a[3]));
           call.method = std::string(as_chars(method));
           call.reply_fun = a[4];
           call.reply_env = a[5];
           call.reject_fun = a[6];
           call.reject_env = a[7];
           s->building = call;
           return ok_status();
         }},
        {"call_on_cleanup",
         [s](auto&, auto a, uint64_t*) -> Status {
           if (!s->building || s->building->cleanup) return Error("call_on_cleanup misused");
           s->building->cleanup = std::make_pair(a[0], a[1]);
           return ok_status();
         }},
        {"call_data_append",
         [s](wasm::Caller& c, auto a, uint64_t*) -> Status {
           if (!s->building) return Error("no call");
           CHORUS_ASSIGN_OR_RETURN(Bytes b, copy_in(c, a[0], a[1]));
           append(s->building->payload, b);
           return ok_status();
         }},
        {"call_perform",
         [s](auto&, auto, uint64_t* r) -> Status {
           if (!s->building) return Error("no call");
           s->performed.push_back(*s->building);
           s->building.reset();
           *r = 0;
           return ok_status();
         }},
    };
    // The deprecated 32-bit stable API behaves as the 64-bit one on the same words.
    for (const char* w : {"size", "grow", "write", "read"}) {
      fakes[std::string("stable_") + w] = fakes[std::string("stable64_") + w];
    }
    Fn fn;
    if (auto it = fakes.find(n); it != fakes.end()) {
      fn = it->second;
    } else {
      fn = [n](auto&, auto, uint64_t*) -> Status {
        return Error("ic0." + n + " is not in this test's fake");
      };
    }
    bool has_result = !type.results.empty();
    bool i32_result = has_result && type.results[0] == wasm::ValType::kI32;
    wasm::FuncInst* f = store_.add_host_function(
        type, [fn, has_result, i32_result](wasm::Caller& c, std::span<const uint64_t> args,
                                           std::span<uint64_t> results) -> Status {
          uint64_t r = 0;
          CHORUS_RETURN_IF_ERROR(fn(c, args, &r));
          if (has_result) results[0] = i32_result ? (r & 0xffffffffu) : r;
          return ok_status();
        });
    return wasm::Extern{wasm::ExternKind::kFunc, f};
  }

  FakeState* s_;
  bool wasm64_ = false;
  std::shared_ptr<const wasm::Module> module_;
  wasm::Store store_;
  std::unique_ptr<wasm::Executor> executor_;
  wasm::Instance* instance_ = nullptr;
};

class UniversalCanisterTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    canister_ = UniversalCanister::load(GetParam(), &state_);
    ASSERT_NE(canister_, nullptr);
  }

  // Runs |p| as an update and returns its reply, failing the test if it did not reply.
  std::string reply_of(const Program& p) {
    Status s = canister_->run("canister_update update", p);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
    EXPECT_TRUE(state_.replied);
    return std::string(as_chars(state_.reply));
  }
  std::string trap_of(const Program& p, const std::string& method = "canister_update update") {
    Status s = canister_->run(method, p);
    EXPECT_FALSE(s.ok());
    return s.ok() ? "" : s.error().message();
  }

  FakeState state_;
  std::unique_ptr<UniversalCanister> canister_;
};

std::string str(const Bytes& b) { return std::string(as_chars(b)); }

// --- The module --------------------------------------------------------------------------------

TEST_P(UniversalCanisterTest, ImportsAreSpecFunctionsWithTheSpecsTypes) {
  const wasm::Module& m = canister_->module();
  bool w64 = canister_->wasm64();
  EXPECT_EQ(w64, std::string(GetParam()).find("wasm64") != std::string::npos);
  std::set<std::string> names;
  for (const auto& im : m.imports) {
    ASSERT_EQ(im.module, "ic0");
    ASSERT_EQ(im.kind, wasm::ExternKind::kFunc) << im.name;
    const Ic0Signature* sig = find_ic0_signature(im.name);
    ASSERT_NE(sig, nullptr) << "not a System API function: " << im.name;
    EXPECT_FALSE(w64 && sig->wasm32_only) << im.name << " exists only in wasm32";
    EXPECT_EQ(m.types[im.func_type], ic0_func_type(*sig, w64)) << im.name;
    names.insert(im.name);
  }
  // One op per ic0 function: the canister imports every function of its flavour.
  for (const auto& sig : ic0_signatures()) {
    if (w64 && sig.wasm32_only) continue;
    EXPECT_TRUE(names.count(std::string(sig.name))) << "not imported: " << sig.name;
  }
}

TEST_P(UniversalCanisterTest, ExportsTheEntryPointsAndATable) {
  const wasm::Module& m = canister_->module();
  std::set<std::string> funcs, others;
  for (const auto& x : m.exports) {
    if (x.kind == wasm::ExternKind::kFunc) {
      funcs.insert(x.name);
      uint32_t type = m.functions.at(x.index - m.imported_functions).type_index;
      EXPECT_EQ(m.types[type], wasm::FuncType{}) << x.name << " must be () -> ()";
    } else {
      others.insert(x.name);
    }
  }
  EXPECT_EQ(funcs, (std::set<std::string>{
                       "canister_init", "canister_update update", "canister_query query",
                       "canister_composite_query composite_query", "canister_heartbeat",
                       "canister_global_timer", "canister_inspect_message",
                       "canister_pre_upgrade", "canister_post_upgrade"}));
  EXPECT_EQ(others, (std::set<std::string>{"memory", "__indirect_function_table"}));
  ASSERT_EQ(m.memories.size(), 1u);
  EXPECT_EQ(m.memories[0].type.limits.is64, canister_->wasm64());
  ASSERT_EQ(m.tables.size(), 1u);
  // The three callbacks (reply, reject, cleanup) are in the table, of type (env : I) -> ().
  wasm::FuncType callback{{canister_->wasm64() ? wasm::ValType::kI64 : wasm::ValType::kI32}, {}};
  int callbacks = 0;
  for (uint64_t e : canister_->instance().tables[0]->elems) {
    if (e && reinterpret_cast<wasm::FuncInst*>(e)->type == callback) ++callbacks;
  }
  EXPECT_EQ(callbacks, 3);
}

// --- Programs ----------------------------------------------------------------------------------

TEST_P(UniversalCanisterTest, RepliesWithABlob) {
  EXPECT_EQ(reply_of(Program().reply("hello")), "hello");
  EXPECT_EQ(reply_of(Program().reply("")), "");
}

TEST_P(UniversalCanisterTest, RawReplyAppendsPieces) {
  Program p;
  p.push_blob("ab").msg_reply_data_append().push_blob("cd").msg_reply_data_append().msg_reply();
  EXPECT_EQ(reply_of(p), "abcd");
}

TEST_P(UniversalCanisterTest, StackOps) {
  Program p;
  p.push_blob("x").push_blob("y").swap().concat()            // "yx"
      .push_i32(0x04030201).int_to_blob32().concat()         // + 01 02 03 04
      .push_i64(7).push_i64(5).int_add().int_to_blob64().concat()  // + 0c 00 .. 00
      .dup().concat().reply_blob();
  std::string one = "yx" + str(le_bytes(0x04030201, 4)) + str(le_bytes(12, 8));
  EXPECT_EQ(reply_of(p), one + one);
}

TEST_P(UniversalCanisterTest, BlobToIntAndSizeAndEq) {
  Program p;
  p.push_blob(le_bytes(0x1122334455667788, 8)).blob_to_int().int_to_blob64()
      .push_blob("abc").blob_size().int_to_blob32().concat()
      .push_blob("q").push_blob("q").eq().int_to_blob32().concat()
      .push_blob("q").push_i32(0).eq().int_to_blob32().concat()
      .reply_blob();
  EXPECT_EQ(reply_of(p), str(le_bytes(0x1122334455667788, 8)) + str(le_bytes(3, 4)) +
                             str(le_bytes(1, 4)) + str(le_bytes(0, 4)));
}

TEST_P(UniversalCanisterTest, EchoesItsArgument) {
  // The argument is the program itself, so replying msg_arg_data replies the program's bytes.
  Program p = Program().msg_arg_data().reply_blob();
  EXPECT_EQ(reply_of(p), str(p.bytes()));
  Program q = Program().msg_arg_data_size().int_to_blob32().reply_blob();
  EXPECT_EQ(reply_of(q), str(le_bytes(q.bytes().size(), 4)));
  // A partial copy: offset 1, size 2 of the argument.
  Program r = Program().push_i32(1).push_i32(2).msg_arg_data_copy().reply_blob();
  EXPECT_EQ(reply_of(r), str(Bytes(r.bytes().begin() + 1, r.bytes().begin() + 3)));
}

TEST_P(UniversalCanisterTest, PartialCopyOutOfRangeTraps) {
  EXPECT_EQ(trap_of(Program().push_i32(0).push_i32(1000).msg_arg_data_copy().reply_blob()),
            "copy out of range");
}

TEST_P(UniversalCanisterTest, TrapsWithItsMessageAndPrints) {
  EXPECT_EQ(trap_of(Program().debug_print("before").trap("boom").reply("never")), "boom");
  EXPECT_FALSE(state_.replied);
  EXPECT_EQ(state_.prints, std::vector<std::string>{"before"});
  EXPECT_EQ(trap_of(Program().push_i32(0).push_blob("no").trap_if().push_i32(1).push_blob("yes")
                        .trap_if()),
            "yes");
}

TEST_P(UniversalCanisterTest, Rejects) {
  ASSERT_TRUE(canister_->run("canister_update update", Program().reject("nope")).ok());
  EXPECT_EQ(state_.rejected, "nope");
  EXPECT_FALSE(state_.replied);
  // Responding twice is the System API's trap, passed through.
  EXPECT_EQ(trap_of(Program().reply("a").reply("b")), "already responded");
}

TEST_P(UniversalCanisterTest, MalformedProgramsTrapWithAReason) {
  EXPECT_EQ(trap_of(Program().op(static_cast<UniversalOp>(0xFF))),
            "universal canister: unknown op");
  EXPECT_EQ(trap_of(Program().op(UniversalOp::kPushBlob).raw(le_bytes(10, 4)).raw(as_bytes("abc"))),
            "universal canister: program ends inside an op");
  EXPECT_EQ(trap_of(Program().op(UniversalOp::kPushI64).raw(le_bytes(1, 4))),
            "universal canister: program ends inside an op");
  EXPECT_EQ(trap_of(Program().reply_blob()), "universal canister: stack underflow");
  EXPECT_EQ(trap_of(Program().push_i32(1).reply_blob()),
            "universal canister: expected a blob, found an integer");
  EXPECT_EQ(trap_of(Program().push_blob("x").int_to_blob32()),
            "universal canister: expected an integer, found a blob");
  EXPECT_EQ(trap_of(Program().push_i64(uint64_t{1} << 32).int_to_blob32()),
            "universal canister: integer does not fit in i32");
  EXPECT_EQ(trap_of(Program().push_blob("abc").blob_to_int()),
            "universal canister: blob_to_int needs 4 or 8 bytes");
  Program overflow;
  for (int i = 0; i < 1025; ++i) overflow.push_i32(0);
  EXPECT_EQ(trap_of(overflow), "universal canister: stack overflow");
}

TEST_P(UniversalCanisterTest, RepeatLoopsAndBurnsInstructions) {
  Program body = Program().counter_inc();
  EXPECT_EQ(reply_of(Program().repeat(body, 1000).counter_get().int_to_blob64().reply_blob()),
            str(le_bytes(1000, 8)));
  // State between messages: the counter goes on from 1000.
  EXPECT_EQ(reply_of(Program().repeat(body, 5).counter_get().int_to_blob64().reply_blob()),
            str(le_bytes(1005, 8)));
  ASSERT_TRUE(canister_->run("canister_update update", Program().repeat(Program(), 10)).ok());
  uint64_t few = canister_->instructions_used();
  ASSERT_TRUE(canister_->run("canister_update update", Program().repeat(Program(), 10000)).ok());
  uint64_t many = canister_->instructions_used();
  EXPECT_GT(many, few + 10000 * 10) << few << " vs " << many;
  // performance_counter sees the loop too.
  Program p = Program().push_i32(0).performance_counter().repeat(Program(), 1000)
                  .push_i32(0).performance_counter().swap().int_to_blob64().swap().int_to_blob64()
                  .concat().reply_blob();
  std::string r = reply_of(p);
  ASSERT_EQ(r.size(), 16u);
  uint64_t a = 0, b = 0;
  for (int i = 7; i >= 0; --i) {
    a = a << 8 | static_cast<uint8_t>(r[i]);
    b = b << 8 | static_cast<uint8_t>(r[8 + i]);
  }
  EXPECT_GT(b, a + 1000);
}

TEST_P(UniversalCanisterTest, BlobRepeat) {
  EXPECT_EQ(reply_of(Program().blob_repeat(5, 'z').reply_blob()), "zzzzz");
  std::string big = reply_of(Program().blob_repeat(300000, 7).reply_blob());
  EXPECT_EQ(big, std::string(300000, '\7'));
}

TEST_P(UniversalCanisterTest, StoredBlobPersistsAcrossMessages) {
  EXPECT_EQ(reply_of(Program().load_blob().reply_blob()), "");
  ASSERT_TRUE(canister_->run("canister_update update", Program().push_blob("kept").store_blob()).ok());
  EXPECT_EQ(reply_of(Program().load_blob().reply_blob()), "kept");
  ASSERT_TRUE(canister_->run("canister_update update", Program().push_blob("next").store_blob()).ok());
  EXPECT_EQ(reply_of(Program().load_blob().load_blob().concat().reply_blob()), "nextnext");
  // A trapping message changes nothing.
  EXPECT_EQ(trap_of(Program().push_blob("lost").store_blob().counter_inc().trap("t")), "t");
  EXPECT_EQ(reply_of(Program().load_blob().counter_get().int_to_blob32().concat().reply_blob()),
            "next" + str(le_bytes(0, 4)));
}

TEST_P(UniversalCanisterTest, ManyMessagesDoNotGrowTheHeap) {
  // Scratch memory of a message is released when it ends: 200 messages of 100 KiB each fit in
  // the memory of a few.
  Program p = Program().blob_repeat(100000, 1).blob_size().int_to_blob32().reply_blob();
  for (int i = 0; i < 200; ++i) ASSERT_EQ(reply_of(p), str(le_bytes(100000, 4)));
  EXPECT_LT(canister_->instance().memories[0]->pages(), 10u);
}

TEST_P(UniversalCanisterTest, MemoryGrow) {
  std::string r = reply_of(Program().memory_size().int_to_blob64().push_i32(3).memory_grow()
                               .int_to_blob64().concat().memory_size().int_to_blob64().concat()
                               .reply_blob());
  ASSERT_EQ(r.size(), 24u);
  uint64_t before = static_cast<uint8_t>(r[0]), old = static_cast<uint8_t>(r[8]),
           after = static_cast<uint8_t>(r[16]);
  EXPECT_EQ(old, before);
  EXPECT_EQ(after, before + 3);
  EXPECT_EQ(canister_->instance().memories[0]->pages(), after);
}

TEST_P(UniversalCanisterTest, StableMemory) {
  Program p;
  p.push_i64(1).stable64_grow().int_to_blob64()                      // old size 0
      .push_i64(10).push_blob("xyz").stable64_write()
      .push_i64(10).push_i64(3).stable64_read().concat()
      .stable64_size().int_to_blob64().concat().reply_blob();
  EXPECT_EQ(reply_of(p), str(le_bytes(0, 8)) + "xyz" + str(le_bytes(1, 8)));
  EXPECT_EQ(str(Bytes(state_.stable.begin() + 10, state_.stable.begin() + 13)), "xyz");
  // Length-prefixed blobs, growing stable memory as needed.
  ASSERT_TRUE(canister_->run("canister_update update",
                             Program().push_i64(70000).push_blob("far").stable_store_blob()).ok());
  EXPECT_EQ(state_.stable.size(), 2 * wasm::kPageSize);
  EXPECT_EQ(reply_of(Program().push_i64(70000).stable_load_blob().reply_blob()), "far");
  EXPECT_EQ(trap_of(Program().push_i64(2 * wasm::kPageSize - 1).push_i64(2).stable64_read()),
            "stable memory out of bounds");
}

TEST_P(UniversalCanisterTest, Wasm32OnlyStableApi) {
  Program p;
  p.push_i32(1).stable_grow().int_to_blob32()
      .push_i32(5).push_blob("old").stable_write()
      .push_i32(5).push_i32(3).stable_read().concat()
      .stable_size().int_to_blob32().concat().reply_blob();
  if (canister_->wasm64()) {
    EXPECT_EQ(trap_of(p), "universal canister: this function exists only in wasm32");
  } else {
    EXPECT_EQ(reply_of(p), str(le_bytes(0, 4)) + "old" + str(le_bytes(1, 4)));
  }
}

TEST_P(UniversalCanisterTest, InitRunsItsArgument) {
  ASSERT_TRUE(canister_->run("canister_init").ok());
  ASSERT_TRUE(canister_->run("canister_init", Program().push_blob("from init").store_blob()).ok());
  EXPECT_EQ(reply_of(Program().load_blob().reply_blob()), "from init");
}

TEST_P(UniversalCanisterTest, QueryAndCompositeQueryRunTheirArgument) {
  ASSERT_TRUE(canister_->run("canister_query query", Program().reply("q")).ok());
  EXPECT_EQ(str(state_.reply), "q");
  ASSERT_TRUE(canister_->run("canister_composite_query composite_query", Program().reply("cq")).ok());
  EXPECT_EQ(str(state_.reply), "cq");
}

TEST_P(UniversalCanisterTest, HeartbeatAndTimerRunTheirPrograms) {
  ASSERT_TRUE(canister_->run("canister_heartbeat").ok());  // nothing set: nothing happens
  ASSERT_TRUE(canister_->run("canister_update update",
                             Program().set_heartbeat(Program().counter_inc())
                                 .set_global_timer(Program().debug_print("timer"))).ok());
  ASSERT_TRUE(canister_->run("canister_heartbeat").ok());
  ASSERT_TRUE(canister_->run("canister_heartbeat").ok());
  ASSERT_TRUE(canister_->run("canister_global_timer").ok());
  EXPECT_EQ(reply_of(Program().counter_get().int_to_blob32().reply_blob()), str(le_bytes(2, 4)));
  EXPECT_EQ(state_.prints, std::vector<std::string>{"timer"});
  // A program may replace the program it runs from.
  ASSERT_TRUE(canister_->run("canister_update update",
                             Program().set_heartbeat(Program().set_heartbeat(Program().debug_print("second")))).ok());
  ASSERT_TRUE(canister_->run("canister_heartbeat").ok());
  ASSERT_TRUE(canister_->run("canister_heartbeat").ok());
  EXPECT_EQ(state_.prints, (std::vector<std::string>{"timer", "second"}));
}

TEST_P(UniversalCanisterTest, InspectMessageAcceptsUnlessProgrammed) {
  ASSERT_TRUE(canister_->run("canister_inspect_message").ok());
  EXPECT_TRUE(state_.accepted);
  ASSERT_TRUE(canister_->run("canister_update update",
                             Program().set_inspect_message(Program().debug_print("inspected"))).ok());
  ASSERT_TRUE(canister_->run("canister_inspect_message").ok());
  EXPECT_FALSE(state_.accepted);
  ASSERT_TRUE(canister_->run("canister_update update",
                             Program().set_inspect_message(Program().accept_message())).ok());
  ASSERT_TRUE(canister_->run("canister_inspect_message").ok());
  EXPECT_TRUE(state_.accepted);
}

TEST_P(UniversalCanisterTest, UpgradeKeepsStableMemoryAndRunsStoredPrograms) {
  // Before the upgrade: pre_upgrade saves the stored blob to stable memory at offset 100, and
  // the post-upgrade program (in stable memory) loads it back into the new heap.
  ASSERT_TRUE(canister_->run("canister_update update",
                             Program().push_blob("survivor").store_blob()
                                 .set_pre_upgrade(Program().push_i64(100).load_blob().stable_store_blob())
                                 .set_post_upgrade(Program().push_i64(100).stable_load_blob().store_blob()))
                  .ok());
  ASSERT_TRUE(canister_->run("canister_pre_upgrade").ok());
  // The upgrade: a new instance with a fresh heap, the same stable memory.
  canister_ = UniversalCanister::load(GetParam(), &state_);
  ASSERT_NE(canister_, nullptr);
  EXPECT_EQ(reply_of(Program().load_blob().reply_blob()), "");
  ASSERT_TRUE(canister_->run("canister_post_upgrade",
                             Program().push_blob("+arg").debug_print()).ok());
  EXPECT_EQ(reply_of(Program().load_blob().reply_blob()), "survivor");
  EXPECT_EQ(state_.prints, std::vector<std::string>{"+arg"});
}

TEST_P(UniversalCanisterTest, PostUpgradeWithoutStoredProgramRunsItsArgument) {
  ASSERT_TRUE(canister_->run("canister_post_upgrade", Program().counter_inc()).ok());
  ASSERT_TRUE(canister_->run("canister_post_upgrade").ok());
  EXPECT_EQ(reply_of(Program().counter_get().int_to_blob32().reply_blob()), str(le_bytes(1, 4)));
}

TEST_P(UniversalCanisterTest, CallbacksRunTheirPrograms) {
  Bytes callee = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
  Program on_reply = Program().push_blob("got ").msg_arg_data().concat().reply_blob();
  Program on_reject = Program().msg_reject_code().int_to_blob32().msg_reject_msg().concat().reply_blob();
  Program p = Program().call(callee, "greet", on_reply, on_reject).call_data_append(as_bytes("hi"))
                  .call_perform().int_to_blob32().debug_print();
  ASSERT_TRUE(canister_->run("canister_update update", p).ok());
  EXPECT_FALSE(state_.replied);  // the reply comes from the callback
  EXPECT_EQ(state_.prints, std::vector<std::string>{str(le_bytes(0, 4))});
  ASSERT_EQ(state_.performed.size(), 1u);
  FakeState::Call call = state_.performed[0];
  EXPECT_EQ(call.callee, callee);
  EXPECT_EQ(call.method, "greet");
  EXPECT_EQ(str(call.payload), "hi");
  EXPECT_EQ(call.reply_env, call.reject_env);
  EXPECT_NE(call.reply_fun, call.reject_fun);
  EXPECT_FALSE(call.cleanup);
  ASSERT_TRUE(canister_->callback(call.reply_fun, call.reply_env, as_bytes("answer")).ok());
  EXPECT_EQ(str(state_.reply), "got answer");

  // A second call, answered by a reject.
  ASSERT_TRUE(canister_->run("canister_update update", p).ok());
  ASSERT_EQ(state_.performed.size(), 2u);
  call = state_.performed[1];
  state_.reject_code = 4;
  state_.reject_message = "denied";
  ASSERT_TRUE(canister_->callback(call.reject_fun, call.reject_env).ok());
  EXPECT_EQ(str(state_.reply), str(le_bytes(4, 4)) + "denied");
}

TEST_P(UniversalCanisterTest, CleanupRunsAfterATrappingCallback) {
  Program p = Program().call(as_bytes("x"), "m", Program().trap("reply trapped"), Program())
                  .call_cleanup(Program().counter_inc().counter_inc())
                  .call_perform().drop();
  ASSERT_TRUE(canister_->run("canister_update update", p).ok());
  ASSERT_EQ(state_.performed.size(), 1u);
  FakeState::Call call = state_.performed[0];
  ASSERT_TRUE(call.cleanup);
  EXPECT_EQ(call.cleanup->second, call.reply_env);
  Status s = canister_->callback(call.reply_fun, call.reply_env, as_bytes("r"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "reply trapped");
  // The trap was rolled back, so the environment is still there for the cleanup callback.
  ASSERT_TRUE(canister_->callback(call.cleanup->first, call.cleanup->second).ok());
  EXPECT_EQ(reply_of(Program().counter_get().int_to_blob32().reply_blob()), str(le_bytes(2, 4)));
}

TEST_P(UniversalCanisterTest, CallCleanupNeedsAProgramCall) {
  EXPECT_EQ(trap_of(Program().call_cleanup(Program())),
            "universal canister: call_cleanup needs a call made by call");
}

TEST_P(UniversalCanisterTest, RawCallNewPassesIndicesThrough) {
  Program p = Program().push_blob("callee").push_blob("m").push_i32(7).push_i32(8).push_i32(9)
                  .push_i32(10).call_new().push_i32(11).push_i32(12).call_on_cleanup()
                  .call_perform().drop();
  ASSERT_TRUE(canister_->run("canister_update update", p).ok());
  ASSERT_EQ(state_.performed.size(), 1u);
  const FakeState::Call& c = state_.performed[0];
  EXPECT_EQ(str(c.callee), "callee");
  EXPECT_EQ(c.reply_fun, 7u);
  EXPECT_EQ(c.reply_env, 8u);
  EXPECT_EQ(c.reject_fun, 9u);
  EXPECT_EQ(c.reject_env, 10u);
  EXPECT_EQ(c.cleanup, std::make_pair(uint64_t{11}, uint64_t{12}));
}

TEST_P(UniversalCanisterTest, FunctionsOutsideTheFakeReachTheHost) {
  // Every other op calls its ic0 function: the fake's refusal proves the call was made.
  EXPECT_EQ(trap_of(Program().time()), "ic0.time is not in this test's fake");
  EXPECT_EQ(trap_of(Program().canister_cycle_balance128()),
            "ic0.canister_cycle_balance128 is not in this test's fake");
  EXPECT_EQ(trap_of(Program().push_blob("key").push_i32(0).cost_sign_with_ecdsa()),
            "ic0.cost_sign_with_ecdsa is not in this test's fake");
  EXPECT_EQ(trap_of(Program().push_i64(0).push_i64(5).mint_cycles128()),
            "ic0.mint_cycles128 is not in this test's fake");
}

// Programs are untrusted bytes to the canister: random ones (and random mutations of valid ones)
// must end in a reply, a reject, nothing, or a trap, never in a broken canister, so a valid
// program still works after each of them.
TEST_P(UniversalCanisterTest, RandomProgramsNeverBreakTheCanister) {
  wasm::ExecutionLimits limits;
  limits.instructions = 2'000'000;
  canister_ = UniversalCanister::load(GetParam(), &state_, limits, /*memory_pages=*/64);
  ASSERT_NE(canister_, nullptr);
  uint64_t seed = 0x9e3779b97f4a7c15;
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  Program valid = Program().push_blob("a").push_i32(3).push_blob("b").swap().drop().concat()
                      .counter_inc().load_blob().concat().store_blob().load_blob().reply_blob();
  int traps = 0;
  for (int i = 0; i < 400; ++i) {
    Bytes program;
    if (i % 2 == 0) {
      size_t n = next() % 40;
      for (size_t k = 0; k < n; ++k) {
        // Mostly real op codes, so that programs get past the first byte.
        uint64_t r = next();
        program.push_back(r % 4 == 0 ? static_cast<uint8_t>(r >> 8)
                                     : static_cast<uint8_t>((r >> 8) % 0x21));
      }
    } else {
      program = valid.bytes();
      for (int k = 0; k < 3; ++k) program[next() % program.size()] = static_cast<uint8_t>(next());
    }
    Status s = canister_->run("canister_update update", program);
    if (!s.ok()) ++traps;
    ASSERT_EQ(reply_of(Program().reply("alive")), "alive") << "after program " << i;
  }
  EXPECT_GT(traps, 100);
  EXPECT_LT(traps, 400);
}

INSTANTIATE_TEST_SUITE_P(Flavours, UniversalCanisterTest,
                         ::testing::Values(kUniversalCanisterWasm32, kUniversalCanisterWasm64),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           return std::string(p.param) == kUniversalCanisterWasm64 ? "wasm64"
                                                                                      : "wasm32";
                         });

}  // namespace
}  // namespace chorus::canisters
