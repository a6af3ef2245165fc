// The execution environment running real canisters: the universal C canister (wasm32 and wasm64,
// tests/canisters/universal) for the System API's rules, and Motoko canisters compiled by the
// npm `motoko` package (tests/canisters/motoko) in both persistence modes.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/file.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"
#include "execution/state_machine.h"
#include "state/state_manager.h"
#include "universal/universal_program.h"

namespace chorus::execution {
namespace {

using canisters::Program;

const Principal kUser = Principal::self_authenticating(as_bytes("canisters test user"));

Bytes read(const std::string& path) {
  auto r = read_file(path);
  EXPECT_TRUE(r.ok()) << "cannot read " << path;
  return r.ok() ? *r : Bytes();
}

// Candid text to bytes, at |types|.
Bytes candid(const std::string& types, const std::string& text) {
  auto t = candid::parse_arg_types(types);
  EXPECT_TRUE(t.ok()) << t.error().message();
  auto v = candid::parse_args_at(text, t->table, t->types);
  EXPECT_TRUE(v.ok()) << v.error().message();
  auto b = candid::encode(t->table, t->types, *v);
  EXPECT_TRUE(b.ok());
  return *b;
}

// A reply decoded at |types| and printed, or the reject.
std::string text_of(const CallOutcome& o, const std::string& types) {
  if (!o.replied) return o.describe();
  auto t = candid::parse_arg_types(types);
  auto v = candid::decode(o.reply, t->table, t->types);
  if (!v.ok()) return "undecodable: " + v.error().message();
  return candid::print_args(*v, t->table, t->types);
}

// --- The universal canister -------------------------------------------------------------------

class Universal : public ::testing::TestWithParam<bool> {
 protected:
  std::string wasm_path() const {
    return GetParam() ? canisters::kUniversalCanisterWasm64 : canisters::kUniversalCanisterWasm32;
  }
  Principal install(Bytes init = {}) {
    auto id = sm.create_canister(Cycles(100'000'000'000'000), kUser);
    EXPECT_TRUE(id.ok());
    Status s = sm.install_code(*id, read(wasm_path()), std::move(init), kUser);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return *id;
  }
  CallOutcome update(const Principal& c, const Program& p) {
    return sm.execute_ingress(kUser, c, "update", p.bytes());
  }
  CallOutcome query(const Principal& c, const Program& p) { return sm.query(kUser, c, "query", p.bytes()); }
  StateMachine sm;
};

TEST_P(Universal, InstallsWithEveryImportAndReplies) {
  Principal c = install();
  CallOutcome o = update(c, Program().reply("hello"));
  ASSERT_TRUE(o.replied) << o.describe();
  EXPECT_EQ(as_chars(o.reply), "hello");
  CallOutcome q = query(c, Program().msg_caller().reply_blob());
  ASSERT_TRUE(q.replied) << q.describe();
  EXPECT_EQ(q.reply, Bytes(kUser.bytes().begin(), kUser.bytes().end()));
  CallOutcome self = update(c, Program().canister_self().reply_blob());
  EXPECT_EQ(self.reply, Bytes(c.bytes().begin(), c.bytes().end()));
}

TEST_P(Universal, ContextRules) {
  Principal c = install();
  struct Case {
    const char* where;
    bool in_query;
    Program program;
    const char* function;
  };
  std::vector<Case> cases;
  cases.push_back({"update", false, Program().accept_message(), "accept_message"});
  cases.push_back({"update", false, Program().msg_reject_code().int_to_blob32().reply_blob(), "msg_reject_code"});
  cases.push_back({"non-replicated query", true, Program().push_blob("x").certified_data_set(), "certified_data_set"});
  cases.push_back({"non-replicated query", true, Program().msg_cycles_available128(), "msg_cycles_available128"});
  cases.push_back({"non-replicated query", true, Program().push_i64(1).global_timer_set(), "global_timer_set"});
  for (const Case& k : cases) {
    CallOutcome o = k.in_query ? query(c, k.program) : update(c, k.program);
    EXPECT_EQ(o.error_code, "IC0504") << k.function << ": " << o.describe();
    EXPECT_NE(o.reject_message.find(std::string("\"ic0.") + k.function + "\" cannot be executed in " + k.where + " mode"),
              std::string::npos)
        << o.reject_message;
  }
  // Allowed where the spec allows them.
  CallOutcome rep = update(c, Program().in_replicated_execution().int_to_blob32().reply_blob());
  ASSERT_TRUE(rep.replied) << rep.describe();
  EXPECT_EQ(rep.reply, Bytes({1, 0, 0, 0}));
  CallOutcome nrep = query(c, Program().in_replicated_execution().int_to_blob32().reply_blob());
  ASSERT_TRUE(nrep.replied) << nrep.describe();
  EXPECT_EQ(nrep.reply, Bytes({0, 0, 0, 0}));
}

TEST_P(Universal, TrapsAndRollbacks) {
  Principal c = install();
  ASSERT_TRUE(update(c, Program().counter_inc().reply("")).replied);
  CallOutcome t = update(c, Program().counter_inc().trap("no"));
  EXPECT_EQ(t.error_code, "IC0503") << t.describe();
  CallOutcome n = query(c, Program().counter_get().int_to_blob64().reply_blob());
  ASSERT_TRUE(n.replied) << n.describe();
  EXPECT_EQ(n.reply, Bytes({1, 0, 0, 0, 0, 0, 0, 0}));
}

TEST_P(Universal, CallsBetweenCanisters) {
  Principal a = install();
  Principal b = install();
  Bytes bid(b.bytes().begin(), b.bytes().end());
  CallOutcome o = update(a, Program()
                                .call(bid, "update", Program().msg_arg_data().reply_blob(),
                                      Program().msg_reject_msg().reply_blob())
                                .call_data_append(Program().reply("from b").bytes())
                                .call_perform()
                                .drop());
  ASSERT_TRUE(o.replied) << o.describe();
  EXPECT_EQ(as_chars(o.reply), "from b");
  // The callee rejects: the reject callback sees its message.
  CallOutcome r = update(a, Program()
                                .call(bid, "update", Program().msg_arg_data().reply_blob(),
                                      Program().msg_reject_msg().reply_blob())
                                .call_data_append(Program().reject("no thanks").bytes())
                                .call_perform()
                                .drop());
  ASSERT_TRUE(r.replied) << r.describe();
  EXPECT_EQ(as_chars(r.reply), "no thanks");
}

// Issue #6: a canister with 4 GiB of stable memory that writes a few pages checkpoints in time
// proportional to those pages. The checkpoint store reports what it wrote.
TEST_P(Universal, CheckpointsCostWhatChanged) {
  std::string root = ::testing::TempDir() + "/chorus-checkpoints-" + (GetParam() ? "64" : "32");
  std::filesystem::remove_all(root);
  auto manager = state::StateManager::open(root);
  ASSERT_TRUE(manager.ok()) << manager.error().message();
  Principal c = install();
  CallOutcome grow = update(c, Program().push_i64(65536).stable64_grow().int_to_blob64().reply_blob());
  ASSERT_TRUE(grow.replied) << grow.describe();
  ASSERT_TRUE(update(c, Program().push_i64(1ull << 31).push_blob("first").stable64_write().reply("")).replied);
  auto first = manager->commit(sm.state().metadata.batch_number, sm.state(), true);
  ASSERT_TRUE(first.ok()) << first.error().message();
  // Three pages far apart in the 4 GiB.
  ASSERT_TRUE(update(c, Program()
                            .push_i64(12345 * 4096).push_blob("a").stable64_write()
                            .push_i64((1ull << 32) - 4096).push_blob("b").stable64_write()
                            .push_i64(1ull << 20).push_blob("c").stable64_write()
                            .reply(""))
                  .replied);
  auto second = manager->commit(sm.state().metadata.batch_number, sm.state(), true);
  ASSERT_TRUE(second.ok()) << second.error().message();
  ASSERT_TRUE(second->has_value());
  // The three stable pages plus the few heap pages the canister's program touched.
  RecordProperty("pages_written", std::to_string((*second)->pages_written));
  RecordProperty("bytes_written", std::to_string((*second)->bytes_written));
  EXPECT_GE((*second)->pages_written, 3u);
  EXPECT_LE((*second)->pages_written, 16u) << "pages written";
  EXPECT_LT((*second)->bytes_written, 1u << 20);

  // A restart restores exactly the checkpointed state.
  Sha256Digest at_checkpoint = sm.digest();
  auto reopened = state::StateManager::open(root);
  ASSERT_TRUE(reopened.ok());
  auto restored = reopened->restore();
  ASSERT_TRUE(restored.ok()) << restored.error().message();
  ASSERT_TRUE(restored->has_value());
  EXPECT_EQ(state::state_digest((*restored)->state), at_checkpoint);
  StateMachine again(StateMachine::default_config(), sm.time());
  again.mutable_state() = std::move((*restored)->state);
  CallOutcome read = again.query(kUser, c, "query", Program().push_i64((1ull << 32) - 4096).push_i64(1).stable64_read().reply_blob().bytes());
  ASSERT_TRUE(read.replied) << read.describe();
  EXPECT_EQ(as_chars(read.reply), "b");
  std::filesystem::remove_all(root);
}

INSTANTIATE_TEST_SUITE_P(Wasm32AndWasm64, Universal, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "wasm64" : "wasm32"; });

// --- Motoko -----------------------------------------------------------------------------------

class Motoko : public ::testing::TestWithParam<bool> {
 protected:
  bool enhanced() const { return GetParam(); }
  std::string path(const std::string& name) const {
    return std::string(CHORUS_MOTOKO_DIR) + "/" + name + (enhanced() ? "" : "_classic") + ".wasm";
  }
  Principal install(const std::string& name) {
    auto id = sm.create_canister(Cycles(100'000'000'000'000), kUser);
    EXPECT_TRUE(id.ok());
    Status s = sm.install_code(*id, read(path(name)), candid("()", "()"), kUser);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return *id;
  }
  Status upgrade(const Principal& c, const std::string& name) {
    // Enhanced orthogonal persistence keeps the Wasm memory; classic persistence goes through
    // stable memory.
    return sm.install_code(c, read(path(name)), candid("()", "()"), kUser, "upgrade", enhanced());
  }
  CallOutcome call(const Principal& c, const std::string& m, Bytes arg) {
    return sm.execute_ingress(kUser, c, m, std::move(arg));
  }
  StateMachine sm;
};

TEST_P(Motoko, CounterKeepsItsStateAcrossUpgrades) {
  Principal c = install("counter");
  EXPECT_EQ(text_of(call(c, "inc", candid("()", "()")), "(nat)"), "(1)");
  EXPECT_EQ(text_of(call(c, "add", candid("(nat)", "(41)")), "(nat)"), "(42)");
  EXPECT_EQ(text_of(sm.query(kUser, c, "get", candid("()", "()")), "(nat)"), "(42)");
  Status up = upgrade(c, "counter");
  ASSERT_TRUE(up.ok()) << up.error().message();
  EXPECT_EQ(text_of(sm.query(kUser, c, "describe", candid("()", "()")), "(text)"), "(\"count = 42\")");
  EXPECT_EQ(text_of(call(c, "inc", candid("()", "()")), "(nat)"), "(43)");
}

TEST_P(Motoko, StableVariablesAcrossAnUpgrade) {
  Principal c = install("stable_vars");
  EXPECT_EQ(text_of(call(c, "push", candid("(text)", "(\"a\")")), "(nat)"), "(1)");
  EXPECT_EQ(text_of(call(c, "push", candid("(text)", "(\"b\")")), "(nat)"), "(2)");
  ASSERT_TRUE(upgrade(c, "stable_vars").ok());
  EXPECT_EQ(text_of(sm.query(kUser, c, "all", candid("()", "()")), "(vec text)"), "(vec { \"a\"; \"b\" })");
  EXPECT_EQ(text_of(sm.query(kUser, c, "counts", candid("()", "()")), "(nat, nat)"), "(1, 0)");
}

TEST_P(Motoko, InterCanisterCalls) {
  Principal a = install("peer");
  Principal b = install("peer");
  CallOutcome o = call(a, "ping", candid("(principal, nat)", "(principal \"" + b.to_text() + "\", 5)"));
  EXPECT_EQ(text_of(o, "(nat)"), "(5)");
  // a received pings 0, 2, 4 (n = 5, 3, 1), b received 4, 2, 0.
  EXPECT_EQ(text_of(sm.query(kUser, a, "pings_received", candid("()", "()")), "(nat)"), "(3)");
  EXPECT_EQ(text_of(sm.query(kUser, b, "pings_received", candid("()", "()")), "(nat)"), "(3)");
}

TEST_P(Motoko, Timers) {
  Principal c = install("timer");
  EXPECT_EQ(text_of(sm.query(kUser, c, "fired", candid("()", "()")), "(nat, nat)"), "(0, 0)");
  for (int i = 0; i < 5; ++i) {
    sm.advance_time(1'000'000'000);
    sm.tick();
    sm.tick();
  }
  // After about 5 seconds: the one-shot once, the 2-second timer twice.
  EXPECT_EQ(text_of(sm.query(kUser, c, "fired", candid("()", "()")), "(nat, nat)"), "(1, 2)");
}

INSTANTIATE_TEST_SUITE_P(Persistence, Motoko, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "enhanced_wasm64" : "classic_wasm32"; });

}  // namespace
}  // namespace chorus::execution
