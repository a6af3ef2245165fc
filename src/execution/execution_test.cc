// End-to-end tests of the execution environment through StateMachine: a hand-written canister
// (testdata/test_canister.wat, compiled by wabt's wat2wasm in the build) installed and called
// through the management canister, exactly as ingress would arrive from consensus.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "base/file.h"
#include "base/hex.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_struct.h"
#include "encoding/candid_text.h"
#include "execution/state_machine.h"
#include "state/state_codec.h"
#include "state/state_tree.h"

namespace chorus::execution {
namespace {

Bytes test_wasm() {
  auto r = read_file(CHORUS_TEST_CANISTER_WASM);
  EXPECT_TRUE(r.ok()) << "cannot read " << CHORUS_TEST_CANISTER_WASM;
  return r.ok() ? *r : Bytes();
}

uint64_t u64_of(const Bytes& b, size_t at = 0) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b.at(at + i);
  return v;
}

Bytes le64(uint64_t v) {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  return b;
}

const Principal kUser = Principal::self_authenticating(as_bytes("test user key"));

ExecutionConfig small_limits() {
  ExecutionConfig c = StateMachine::default_config();
  c.max_instructions_per_update = 2'000'000;
  c.max_instructions_per_query = 2'000'000;
  return c;
}

struct Fixture {
  StateMachine sm{small_limits()};
  Principal install(Bytes arg = {}) {
    auto id = sm.create_canister(Cycles(100'000'000'000'000), kUser);
    EXPECT_TRUE(id.ok()) << id.error().message();
    Status s = sm.install_code(*id, test_wasm(), std::move(arg), kUser);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return *id;
  }
  CallOutcome call(const Principal& c, const std::string& m, Bytes arg = {}) {
    return sm.execute_ingress(kUser, c, m, std::move(arg));
  }
  uint64_t counter(const Principal& c) {
    CallOutcome o = sm.query(kUser, c, "read", {});
    EXPECT_TRUE(o.replied) << o.describe();
    return o.replied ? u64_of(o.reply) : ~uint64_t{0};
  }
};

struct CanisterIdArg {
  Principal canister_id;
  static constexpr char kCandidType[] = "record { canister_id : principal }";
  static Result<CanisterIdArg> from_candid(const candid::RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(Principal id, r.get<Principal>("canister_id"));
    return CanisterIdArg{id};
  }
  void to_candid(candid::RecordBuilder& b) const { b.add("canister_id", canister_id); }
};

Bytes id_arg(const Principal& p) { return *candid::encode_arg(CanisterIdArg{p}); }

TEST(Execution, CounterPersistsAcrossMessages) {
  Fixture f;
  Principal c = f.install();
  for (uint64_t i = 1; i <= 3; ++i) {
    CallOutcome o = f.call(c, "inc");
    ASSERT_TRUE(o.replied) << o.describe();
    EXPECT_EQ(u64_of(o.reply), i);
  }
  EXPECT_EQ(f.counter(c), 3u);
  // A query's writes are discarded.
  CallOutcome q = f.sm.query(kUser, c, "read_and_inc", {});
  ASSERT_TRUE(q.replied);
  EXPECT_EQ(u64_of(q.reply), 4u);
  EXPECT_EQ(f.counter(c), 3u);
  // So are those of a query method called as an update.
  CallOutcome u = f.call(c, "read_and_inc");
  ASSERT_TRUE(u.replied) << u.describe();
  EXPECT_EQ(f.counter(c), 3u);
  // debug_print goes to the canister log.
  ASSERT_FALSE(f.sm.state().canister(c)->log.records.empty());
  EXPECT_EQ(as_chars(f.sm.state().canister(c)->log.records.back().content), "inc");
}

TEST(Execution, IngressHistoryIsPrunedAfterItsRetention) {
  Fixture f;
  Principal c = f.install();
  Bytes id = f.sm.submit_ingress(kUser, c, "inc", {});
  f.sm.tick();
  ASSERT_EQ(f.sm.ingress_status(id)->kind, state::IngressStatus::kReplied);
  f.sm.advance_time(4ull * 60 * 1'000'000'000);
  f.sm.tick();
  EXPECT_EQ(f.sm.ingress_status(id)->kind, state::IngressStatus::kReplied);  // within 5 minutes
  f.sm.advance_time(2ull * 60 * 1'000'000'000);
  f.sm.tick();
  ASSERT_TRUE(f.sm.ingress_status(id).has_value());
  EXPECT_EQ(f.sm.ingress_status(id)->kind, state::IngressStatus::kDone);
  EXPECT_TRUE(f.sm.ingress_status(id)->reply.empty());
  f.sm.advance_time(6ull * 60 * 1'000'000'000);
  f.sm.tick();
  EXPECT_FALSE(f.sm.ingress_status(id).has_value());
  EXPECT_TRUE(f.sm.state().ingress_history_by_time.empty() ||
              f.sm.state().ingress_history_by_time.front().first > f.sm.time() - 7ull * 60 * 1'000'000'000);
}

// The round summary names every ingress-history entry the round added, changed or removed, so
// that the state tree can be certified at the cost of the changes.
TEST(Execution, RoundSummaryNamesChangedIngressEntries) {
  Fixture f;
  Principal c = f.install();
  auto count = [](const RoundSummary& r, const Bytes& id) {
    return std::count(r.ingress_changed.begin(), r.ingress_changed.end(), id);
  };
  Bytes id = f.sm.submit_ingress(kUser, c, "inc", {});
  RoundSummary r = f.sm.tick();
  EXPECT_GE(count(r, id), 1);  // received, processing and replied within one round
  ASSERT_EQ(f.sm.ingress_status(id)->kind, state::IngressStatus::kReplied);
  r = f.sm.tick();
  EXPECT_EQ(count(r, id), 0);  // nothing happened to it
  f.sm.advance_time(6ull * 60 * 1'000'000'000);
  r = f.sm.tick();
  EXPECT_EQ(f.sm.ingress_status(id)->kind, state::IngressStatus::kDone);
  EXPECT_EQ(count(r, id), 1);
  f.sm.advance_time(6ull * 60 * 1'000'000'000);
  r = f.sm.tick();
  EXPECT_FALSE(f.sm.ingress_status(id).has_value());
  EXPECT_EQ(count(r, id), 1);
  // Exactly the new calls are named, whatever becomes of them.
  Bytes a = f.sm.submit_ingress(kUser, c, "inc", {});
  Bytes b = f.sm.submit_ingress(kUser, c, "no_such_method", {});
  r = f.sm.tick();
  std::set<Bytes> named(r.ingress_changed.begin(), r.ingress_changed.end());
  EXPECT_EQ(named, (std::set<Bytes>{a, b}));
}

// Over rounds of calls (replied, rejected, left processing) and pruning, the state tree built incrementally
// from the rounds' ingress_changed equals the one built from scratch.
TEST(Execution, IngressChangedKeepsTheIncrementalStateTreeExact) {
  Fixture f;
  Principal c = f.install();
  state::SubnetTopology topology;
  topology.subnet_id = Principal::self_authenticating(as_bytes("subnet"));
  topology.public_key_der = Bytes(133, 1);
  state::StateTreeBuilder builder(topology);
  (void)builder.build(f.sm.state(), {});
  std::mt19937_64 rng(3);
  const char* methods[] = {"inc", "trap_after_inc", "reject", "no_reply", "no_such_method"};
  for (int round = 0; round < 60; ++round) {
    for (uint64_t k = rng() % 4; k > 0; --k) (void)f.sm.submit_ingress(kUser, c, methods[rng() % 5], {});
    f.sm.advance_time((rng() % 3 == 0 ? 200ull : 1ull) * 1'000'000'000);
    RoundSummary r = f.sm.tick();
    HashTree incremental = builder.build(f.sm.state(), r.ingress_changed);
    ASSERT_EQ(incremental.digest(), state::build_state_tree(f.sm.state(), topology).digest())
        << "round " << round;
  }
  EXPECT_GT(f.sm.state().ingress_history.size(), 5u);
}

TEST(Execution, InitArgument) {
  Fixture f;
  Principal c = f.install(le64(41));
  EXPECT_EQ(f.counter(c), 41u);
  EXPECT_EQ(u64_of(f.call(c, "inc").reply), 42u);
}

TEST(Execution, TrapsRollBackAndGetTheSpecsCodes) {
  Fixture f;
  Principal c = f.install();
  f.call(c, "inc");
  Sha256Digest before = f.sm.digest();
  (void)before;
  CallOutcome t = f.call(c, "trap_after_inc");
  EXPECT_FALSE(t.replied);
  EXPECT_EQ(t.reject_code, 5u);
  EXPECT_EQ(t.error_code, "IC0503");
  EXPECT_NE(t.reject_message.find("Canister called `ic0.trap` with message: 'boom'"), std::string::npos)
      << t.reject_message;
  EXPECT_EQ(f.counter(c), 1u);

  CallOutcome spin = f.call(c, "spin");
  EXPECT_EQ(spin.error_code, "IC0522") << spin.describe();
  EXPECT_EQ(spin.reject_code, 5u);
  EXPECT_EQ(f.counter(c), 1u);

  CallOutcome nr = f.call(c, "no_reply");
  EXPECT_EQ(nr.error_code, "IC0506") << nr.describe();
  EXPECT_EQ(f.counter(c), 2u);  // no reply, but the update itself succeeded

  CallOutcome rj = f.call(c, "reject");
  EXPECT_EQ(rj.reject_code, 4u);
  EXPECT_EQ(rj.reject_message, "boom");

  CallOutcome twice = f.call(c, "reply_twice");
  EXPECT_EQ(twice.error_code, "IC0504") << twice.describe();

  CallOutcome missing = f.call(c, "nope");
  EXPECT_EQ(missing.error_code, "IC0536");
  EXPECT_EQ(missing.reject_code, 5u);

  CallOutcome violation = f.sm.query(kUser, c, "call_in_query", {});
  EXPECT_EQ(violation.error_code, "IC0504");
  EXPECT_NE(violation.reject_message.find("\"ic0.call_new\" cannot be executed in non-replicated query mode"),
            std::string::npos)
      << violation.reject_message;
}

TEST(Execution, UpgradeKeepsStableMemoryReinstallDoesNot) {
  Fixture f;
  Principal c = f.install();
  f.call(c, "inc");
  f.call(c, "inc");
  ASSERT_TRUE(f.sm.install_code(c, test_wasm(), {}, kUser, "upgrade").ok());
  EXPECT_EQ(f.counter(c), 2u);  // pre_upgrade saved it to stable memory, post_upgrade read it
  EXPECT_EQ(u64_of(f.call(c, "inc").reply), 3u);
  ASSERT_TRUE(f.sm.install_code(c, test_wasm(), {}, kUser, "reinstall").ok());
  EXPECT_EQ(f.counter(c), 0u);
  Status again = f.sm.install_code(c, test_wasm(), {}, kUser, "install");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("IC0538"), std::string::npos) << again.error().message();
}

TEST(Execution, OnlyControllersInstall) {
  Fixture f;
  auto id = f.sm.create_canister(Cycles(10'000'000'000'000), kUser);
  ASSERT_TRUE(id.ok());
  Status s = f.sm.install_code(*id, test_wasm(), {}, Principal::anonymous());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("IC0512"), std::string::npos) << s.error().message();
  EXPECT_FALSE(f.sm.state().canister(*id)->has_code());
}

TEST(Execution, BadModulesAreRefusedAndChangeNothing) {
  Fixture f;
  auto id = f.sm.create_canister(Cycles(10'000'000'000'000), kUser);
  ASSERT_TRUE(id.ok());
  Sha256Digest before = f.sm.digest();
  Bytes garbage = to_bytes("\0asm\x01\0\0\0\x05garbage");
  Status s = f.sm.install_code(*id, garbage, {}, kUser);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("IC0505"), std::string::npos) << s.error().message();
  // A module importing something other than ic0.
  Bytes wasm = test_wasm();
  std::string text(wasm.begin(), wasm.end());
  size_t at = text.find("debug_print");
  ASSERT_NE(at, std::string::npos);
  wasm[at] = 'D';  // ic0.Debug_print is no System API function
  Status bad = f.sm.install_code(*id, wasm, {}, kUser);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("invalid import: ic0.Debug_print"), std::string::npos)
      << bad.error().message();
  EXPECT_FALSE(f.sm.state().canister(*id)->has_code());
  (void)before;
}

TEST(Execution, ModulesPastTheLimitsAreRefused) {
  ExecutionConfig config = small_limits();
  config.module_limits.max_exported_methods = 5;  // the test canister exports more
  StateMachine sm(config);
  auto id = sm.create_canister(Cycles(10'000'000'000'000), kUser);
  ASSERT_TRUE(id.ok());
  Status s = sm.install_code(*id, test_wasm(), {}, kUser);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("methods, more than 5"), std::string::npos) << s.error().message();
  config = small_limits();
  config.module_limits.max_module_bytes = 1000;
  StateMachine small(config);
  id = small.create_canister(Cycles(10'000'000'000'000), kUser);
  s = small.install_code(*id, test_wasm(), {}, kUser);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("exceeds 1000 bytes"), std::string::npos) << s.error().message();
  EXPECT_FALSE(small.state().canister(*id)->has_code());
}

Bytes gzip_of(const Bytes& in) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&zs, in.size()) + 64);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(Execution, GzippedModules) {
  Fixture f;
  auto id = f.sm.create_canister(Cycles(10'000'000'000'000), kUser);
  ASSERT_TRUE(id.ok());
  Bytes gz = gzip_of(test_wasm());
  ASSERT_TRUE(f.sm.install_code(*id, gz, {}, kUser).ok());
  EXPECT_EQ(u64_of(f.call(*id, "inc").reply), 1u);
  Sha256Digest h = sha256(gz);
  EXPECT_EQ(f.sm.state().canister(*id)->execution->module_hash, h);  // the hash of what was installed
}

TEST(Execution, InterCanisterCalls) {
  Fixture f;
  Principal a = f.install();
  Principal b = f.install(le64(10));
  CallOutcome o = f.call(a, "forward", Bytes(b.bytes().begin(), b.bytes().end()));
  ASSERT_TRUE(o.replied) << o.describe();
  EXPECT_EQ(u64_of(o.reply), 11u);
  EXPECT_EQ(f.counter(b), 11u);
  // To a canister that does not exist: the reject callback sees DESTINATION_INVALID.
  Principal nobody = Principal::from_canister_index(999);
  CallOutcome r = f.call(a, "forward", Bytes(nobody.bytes().begin(), nobody.bytes().end()));
  ASSERT_TRUE(r.replied) << r.describe();
  EXPECT_EQ(r.reply, Bytes({3, 0, 0, 0}));
  // The callee trapped: CANISTER_ERROR.
  EXPECT_TRUE(f.sm.state().canister(a)->call_contexts.empty());
  EXPECT_TRUE(f.sm.state().canister(a)->callbacks.empty());
}

TEST(Execution, CyclesMoveWithCallsAndAreConserved) {
  Fixture f;
  Principal a = f.install();
  Principal b = f.install();
  const Cycles b_before = f.sm.state().canister(b)->balance;
  ASSERT_TRUE(f.call(a, "set_forward_cycles", le64(1'000'000)).replied);
  // b's inc accepts nothing, so everything is refunded to a.
  CallOutcome o = f.call(a, "forward", Bytes(b.bytes().begin(), b.bytes().end()));
  ASSERT_TRUE(o.replied) << o.describe();
  EXPECT_LE(f.sm.state().canister(b)->balance, b_before);  // b paid for executing inc
  const auto& st = f.sm.state();
  EXPECT_EQ(state::total_cycles_held(st) + st.metadata.consumed_cycles, st.metadata.minted_cycles);
}

TEST(Execution, TimersAndHeartbeats) {
  Fixture f;
  Principal c = f.install();
  ASSERT_TRUE(f.call(c, "set_timer").replied);
  f.sm.tick();
  f.sm.tick();
  CallOutcome o = f.sm.query(kUser, c, "counters", {});
  ASSERT_TRUE(o.replied);
  EXPECT_EQ(u64_of(o.reply, 16), 1u);  // the timer fired once
  EXPECT_GE(u64_of(o.reply, 8), 3u);   // a heartbeat every round
  EXPECT_EQ(f.sm.state().canister(c)->global_timer, 0u);
}


// The canister_status record's "status" variant, by decoding the reply with no expected type.
std::string status_of(StateMachine& sm, const Principal& c) {
  CallOutcome o = sm.query(kUser, Principal::management_canister(), "canister_status", id_arg(c));
  EXPECT_TRUE(o.replied) << o.describe();
  auto args = candid::decode_any(o.reply);
  EXPECT_TRUE(args.ok());
  const candid::Value* status = args->values[0].field(candid::field_hash("status"));
  EXPECT_NE(status, nullptr);
  for (const char* name : {"running", "stopping", "stopped"}) {
    if (status->fields()[0].id == candid::field_hash(name)) return name;
  }
  return "?";
}

TEST(Execution, StopStartDeleteUninstall) {
  Fixture f;
  Principal c = f.install();
  EXPECT_EQ(status_of(f.sm, c), "running");
  CallOutcome stop = f.call(Principal::management_canister(), "stop_canister", id_arg(c));
  ASSERT_TRUE(stop.replied) << stop.describe();
  EXPECT_EQ(status_of(f.sm, c), "stopped");
  CallOutcome to_stopped = f.call(c, "inc");
  EXPECT_EQ(to_stopped.error_code, "IC0508") << to_stopped.describe();
  ASSERT_TRUE(f.call(Principal::management_canister(), "start_canister", id_arg(c)).replied);
  EXPECT_EQ(u64_of(f.call(c, "inc").reply), 1u);

  CallOutcome del = f.call(Principal::management_canister(), "delete_canister", id_arg(c));
  EXPECT_EQ(del.error_code, "IC0510") << del.describe();  // not stopped
  ASSERT_TRUE(f.call(Principal::management_canister(), "uninstall_code", id_arg(c)).replied);
  EXPECT_EQ(f.call(c, "inc").error_code, "IC0537");
  ASSERT_TRUE(f.call(Principal::management_canister(), "stop_canister", id_arg(c)).replied);
  ASSERT_TRUE(f.call(Principal::management_canister(), "delete_canister", id_arg(c)).replied);
  EXPECT_EQ(f.sm.state().canister(c), nullptr);
  EXPECT_EQ(f.call(c, "inc").error_code, "IC0301");
}

// Deleting a canister answers what is still queued for it: a request in its queue is rejected
// back to the caller with its cycles, so no caller waits forever and no cycle vanishes.
TEST(Execution, DeletingACanisterAnswersItsQueue) {
  Fixture f;
  Principal a = f.install();
  Principal b = f.install();
  ASSERT_TRUE(f.call(Principal::management_canister(), "stop_canister", id_arg(b)).replied);
  // A request of a's, with cycles, waiting in stopped b's queue (as one made in the same round
  // would), and the callback and call context it belongs to.
  {
    state::ReplicatedState& st = f.sm.mutable_state();
    state::CanisterState& ca = *st.canister(a);
    const Cycles sent(5'000'000);
    ca.balance -= sent;
    state::CallContext ctx;
    ctx.origin.kind = state::CallOrigin::kSystemTask;
    ctx.responded = true;
    uint64_t ctx_id = ca.next_call_context_id++;
    ca.call_contexts.emplace(ctx_id, ctx);
    state::Callback cb;
    cb.call_context_id = ctx_id;
    cb.respondent = b;
    cb.cycles_sent = sent;
    cb.on_reply = {0, 0};
    cb.on_reject = {1, 0};
    uint64_t cb_id = ca.next_callback_id++;
    ca.callbacks.emplace(cb_id, cb);
    state::Request req;
    req.sender = a;
    req.receiver = b;
    req.method = "inc";
    req.cycles = sent;
    req.sender_callback = cb_id;
    st.canister(b)->input_queue.push_back(req);
  }
  const Cycles held_before = state::total_cycles_held(f.sm.state());
  CallOutcome del = f.call(Principal::management_canister(), "delete_canister", id_arg(b));
  ASSERT_TRUE(del.replied) << del.describe();
  EXPECT_TRUE(f.sm.state().canister(a)->callbacks.empty());  // the reject came back and ran
  EXPECT_TRUE(f.sm.state().canister(a)->call_contexts.empty());
  const auto& st = f.sm.state();
  EXPECT_EQ(state::total_cycles_held(st) + st.metadata.consumed_cycles, st.metadata.minted_cycles);
  EXPECT_LT(state::total_cycles_held(st), held_before);  // b's balance was burned with it
}

TEST(Execution, CanisterStatusDecodesAtTheIcDidType) {
  Fixture f;
  Principal c = f.install();
  CallOutcome o = f.sm.query(kUser, Principal::management_canister(), "canister_status", id_arg(c));
  ASSERT_TRUE(o.replied) << o.describe();
  // Decoding at the result type of the real ic.did (the copy in src/encoding/testdata) must work,
  // since that is what agents do.
  auto did = read_file(std::string(getenv("CHORUS_SOURCE_DIR")) + "/src/encoding/testdata/ic.did");
  ASSERT_TRUE(did.ok());
  auto ic = candid::parse_did(as_chars(*did));
  ASSERT_TRUE(ic.ok()) << ic.error().message();
  auto method = ic->method("canister_status");
  ASSERT_TRUE(method.ok());
  auto values = candid::decode(o.reply, method->results);
  ASSERT_TRUE(values.ok()) << values.error().message();
  std::string printed = candid::print_args(*values, method->results.table, method->results.types,
                                           &ic->field_names());
  EXPECT_NE(printed.find("status = variant { running }"), std::string::npos) << printed;
  EXPECT_NE(printed.find("freezing_threshold = 2592000"), std::string::npos) << printed;
  // Someone else may not see it.
  CallOutcome other = f.sm.query(Principal::anonymous(), Principal::management_canister(), "canister_status", id_arg(c));
  EXPECT_EQ(other.error_code, "IC0512") << other.describe();
}

TEST(Execution, Snapshots) {
  Fixture f;
  Principal c = f.install();
  f.call(c, "inc");
  CallOutcome take = f.call(Principal::management_canister(), "take_canister_snapshot",
                            *candid::encode_arg(CanisterIdArg{c}));
  ASSERT_TRUE(take.replied) << take.describe();
  f.call(c, "inc");
  f.call(c, "inc");
  EXPECT_EQ(f.counter(c), 3u);
  auto snap = candid::decode_any(take.reply);
  ASSERT_TRUE(snap.ok());
  Bytes sid = snap->values[0].field(candid::field_hash("id"))->blob_value();
  candid::RecordBuilder b;
  b.add("canister_id", c).add("snapshot_id", sid);
  auto t = candid::parse_arg_types("(record { canister_id : principal; snapshot_id : blob })");
  std::vector<candid::Value> v;
  v.push_back(std::move(b).build());
  Bytes load_arg = *candid::encode(t->table, t->types, v);
  CallOutcome load = f.call(Principal::management_canister(), "load_canister_snapshot", load_arg);
  ASSERT_TRUE(load.replied) << load.describe();
  EXPECT_EQ(f.counter(c), 1u);
}


// Random workloads on two independent state machines: the same batches give the same state,
// byte for byte, and no cycle appears or vanishes.
TEST(Execution, DeterministicAndConservingOverRandomWorkloads) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    StateMachine one{small_limits()}, two{small_limits()};
    std::mt19937 rng(seed);
    std::vector<Principal> ids;
    for (StateMachine* sm : {&one, &two}) {
      for (int i = 0; i < 3; ++i) {
        auto id = sm->create_canister(Cycles(50'000'000'000'000), kUser);
        ASSERT_TRUE(id.ok());
        ASSERT_TRUE(sm->install_code(*id, test_wasm(), {}, kUser).ok());
        if (sm == &one) ids.push_back(*id);
      }
    }
    const char* methods[] = {"inc", "trap_after_inc", "no_reply", "reject", "forward", "set_timer",
                             "certify", "grow_memory", "set_forward_cycles", "accept", "forward",
                             "forward", "mgmt:stop_canister", "mgmt:start_canister",
                             "mgmt:delete_canister"};
    for (int round = 0; round < 40; ++round) {
      int n = rng() % 4;
      std::vector<std::tuple<Principal, std::string, Bytes>> calls;
      for (int k = 0; k < n; ++k) {
        Principal target = ids[rng() % ids.size()];
        std::string m = methods[rng() % std::size(methods)];
        Bytes arg;
        if (m == "forward") {
          Principal callee = rng() % 4 == 0 ? Principal::from_canister_index(777) : ids[rng() % ids.size()];
          arg.assign(callee.bytes().begin(), callee.bytes().end());
        } else if (m == "set_forward_cycles") {
          arg = le64(rng() % 5'000'000);
        }
        if (m.rfind("mgmt:", 0) == 0) {
          // Stopping, starting and deleting canisters while calls with cycles are in flight.
          if (m == "mgmt:delete_canister" && rng() % 3 != 0) continue;
          calls.emplace_back(Principal::management_canister(), m.substr(5), id_arg(target));
          continue;
        }
        calls.emplace_back(target, m, arg);
      }
      const bool pause = rng() % 8 == 0;
      for (StateMachine* sm : {&one, &two}) {
        for (const auto& [t, m, a] : calls) sm->submit_ingress(kUser, t, m, a);
        sm->tick();
        if (pause) sm->advance_time(1'000'000'000);
      }
      // The same random draw decides both machines' upgrades.
      if (round % 13 == 12) {
        for (StateMachine* sm : {&one, &two}) ASSERT_TRUE(sm->install_code(ids[0], test_wasm(), {}, kUser, "upgrade").ok());
      }
      ASSERT_EQ(to_hex(one.digest()), to_hex(two.digest())) << "seed " << seed << " round " << round;
      const auto& st = one.state();
      ASSERT_EQ((state::total_cycles_held(st) + st.metadata.consumed_cycles).to_string(),
                st.metadata.minted_cycles.to_string())
          << "seed " << seed << " round " << round;
    }
    EXPECT_GT(one.state().metadata.consumed_cycles, Cycles());
  }
}

TEST(Execution, CompositeQueries) {
  Fixture f;
  Principal a = f.install();
  Principal b = f.install(le64(7));
  CallOutcome o = f.sm.query(kUser, a, "cq_read", Bytes(b.bytes().begin(), b.bytes().end()));
  ASSERT_TRUE(o.replied) << o.describe();
  EXPECT_EQ(u64_of(o.reply), 7u);
  // Composite queries cannot run replicated.
  CallOutcome u = f.call(a, "cq_read", Bytes(b.bytes().begin(), b.bytes().end()));
  EXPECT_EQ(u.error_code, "IC0536") << u.describe();
}

TEST(Execution, CleanupRunsWhenACallbackTraps) {
  Fixture f;
  Principal a = f.install();
  Principal b = f.install();
  CallOutcome o = f.call(a, "forward_cleanup", Bytes(b.bytes().begin(), b.bytes().end()));
  EXPECT_EQ(o.error_code, "IC0503") << o.describe();
  CallOutcome counts = f.sm.query(kUser, a, "cleanup_counts", {});
  ASSERT_TRUE(counts.replied);
  EXPECT_EQ(u64_of(counts.reply, 0), 1u);  // the cleanup ran and its write stayed
  EXPECT_EQ(u64_of(counts.reply, 8), 0u);  // the trapping callback's write did not
  EXPECT_EQ(f.counter(b), 1u);             // the callee's work is done regardless
  EXPECT_TRUE(f.sm.state().canister(a)->call_contexts.empty());
}

TEST(Execution, InspectMessage) {
  Fixture f;
  Principal c = f.install();
  state::Ingress in;
  in.source = kUser;
  in.receiver = c;
  in.method = "inc";
  EXPECT_TRUE(f.sm.environment().inspect_message(f.sm.state(), in).ok());
  in.method = "no_reply";
  Status s = f.sm.environment().inspect_message(f.sm.state(), in);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("rejected the message"), std::string::npos) << s.error().message();
  in.method = "nope";
  EXPECT_FALSE(f.sm.environment().inspect_message(f.sm.state(), in).ok());
}

TEST(Execution, OutOfCycles) {
  Fixture f;
  auto id = f.sm.create_canister(Cycles(1'000'000'000'000), kUser);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(f.sm.install_code(*id, test_wasm(), {}, kUser).ok());
  // A freezing threshold of ~300,000 years makes the whole balance frozen.
  candid::RecordBuilder settings;
  settings.add("freezing_threshold", std::optional<BigInt>(BigInt::from_u64(10'000'000'000'000)));
  candid::RecordBuilder arg;
  arg.add("canister_id", *id).add_value("settings", std::move(settings).build());
  auto t = candid::parse_arg_types("(record { canister_id : principal; settings : record { freezing_threshold : opt nat } })");
  std::vector<candid::Value> v;
  v.push_back(std::move(arg).build());
  CallOutcome up = f.call(Principal::management_canister(), "update_settings", *candid::encode(t->table, t->types, v));
  ASSERT_TRUE(up.replied) << up.describe();
  CallOutcome o = f.call(*id, "inc");
  EXPECT_EQ(o.error_code, "IC0207") << o.describe();
  EXPECT_EQ(o.reject_code, 2u);
}

// Checkpoints every 3 rounds; a machine started on the same folder continues from the newest.
TEST(Execution, CheckpointsEveryNRoundsAndRestart) {
  std::string root = ::testing::TempDir() + "/chorus-sm-checkpoints";
  std::filesystem::remove_all(root);
  std::vector<Principal> ids;
  std::map<uint64_t, std::string> digests;
  {
    StateMachine one{small_limits()};
    ASSERT_TRUE(one.use_checkpoints(root, 3).ok());
    for (int i = 0; i < 2; ++i) {
      auto id = one.create_canister(Cycles(50'000'000'000'000), kUser);
      ASSERT_TRUE(id.ok());
      ASSERT_TRUE(one.install_code(*id, test_wasm(), {}, kUser).ok());
      ids.push_back(*id);
    }
    for (int round = 0; round < 10; ++round) {
      one.submit_ingress(kUser, ids[round % 2], "inc", {});
      one.tick();
      const uint64_t h = one.state().metadata.batch_number;
      EXPECT_EQ(one.last_checkpoint().has_value(), h % 3 == 0) << "height " << h;
      digests[h] = to_hex(one.digest());
    }
  }  // the first machine is gone, as after a crash
  StateMachine two{small_limits()};
  ASSERT_TRUE(two.use_checkpoints(root, 3).ok());
  const uint64_t h = two.state().metadata.batch_number;
  EXPECT_EQ(h % 3, 0u);
  EXPECT_GE(h, digests.rbegin()->first - 2);
  EXPECT_EQ(to_hex(two.digest()), digests[h]);
  CallOutcome o = two.execute_ingress(kUser, ids[0], "inc", {});
  ASSERT_TRUE(o.replied) << o.describe();
  std::filesystem::remove_all(root);
}

// A state encoded for a checkpoint and decoded again is the same state, and a fresh environment
// (nothing cached: modules are reloaded from the bytes in the state) continues it identically.
TEST(Execution, EncodedStateRoundTripsAndContinues) {
  StateMachine one{small_limits()};
  std::vector<Principal> ids;
  for (int i = 0; i < 2; ++i) {
    auto id = one.create_canister(Cycles(50'000'000'000'000), kUser);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(one.install_code(*id, test_wasm(), le64(i), kUser).ok());
    ids.push_back(*id);
  }
  one.execute_ingress(kUser, ids[0], "inc", {});
  one.execute_ingress(kUser, ids[0], "grow_memory", {});
  one.submit_ingress(kUser, ids[1], "forward", Bytes(ids[0].bytes().begin(), ids[0].bytes().end()));
  one.submit_ingress(kUser, ids[1], "set_timer", {});
  one.tick();  // leaves calls in flight
  ASSERT_TRUE(one.install_code(ids[0], test_wasm(), {}, kUser, "upgrade").ok());
  one.execute_ingress(kUser, Principal::management_canister(), "take_canister_snapshot",
                      *candid::encode_arg(CanisterIdArg{ids[1]}));

  state::EncodedState enc = state::encode_state(one.state());
  EXPECT_EQ(enc.blobs.count("module/" + to_hex(sha256(test_wasm()))), 1u);  // one copy for both
  auto dec = state::decode_state(enc);
  ASSERT_TRUE(dec.ok()) << dec.error().message();
  EXPECT_EQ(to_hex(state::state_digest(*dec)), to_hex(one.digest()));

  StateMachine two{small_limits(), one.time()};
  two.mutable_state() = std::move(dec).value();
  for (int round = 0; round < 5; ++round) {
    for (StateMachine* sm : {&one, &two}) {
      sm->submit_ingress(kUser, ids[round % 2], "inc", {});
      sm->submit_ingress(kUser, ids[1], "forward", Bytes(ids[0].bytes().begin(), ids[0].bytes().end()));
      sm->tick();
    }
    ASSERT_EQ(to_hex(one.digest()), to_hex(two.digest())) << "round " << round;
  }

  // Damaged encodings are refused with the blob's name.
  state::EncodedState bad = enc;
  bad.blobs["canister/" + ids[0].to_text()].push_back(0);
  auto r = state::decode_state(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("trailing bytes"), std::string::npos) << r.error().message();
  bad = enc;
  bad.blobs["module/" + to_hex(sha256(test_wasm()))][10] ^= 1;
  r = state::decode_state(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("does not match its hash"), std::string::npos) << r.error().message();
  bad = enc;
  bad.memories.erase("canister/" + ids[0].to_text() + "/wasm");
  EXPECT_FALSE(state::decode_state(bad).ok());
  bad = enc;
  auto& blob = bad.blobs["canister/" + ids[1].to_text()];
  blob.resize(blob.size() / 2);
  r = state::decode_state(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace chorus::execution
