// The management canister as canisters call it (through the universal canister) and as users do:
// creation with cycles, raw_rand, deposit_cycles, chunked installs, canister_info, logs,
// snapshots, self-calls and best-effort calls.
#include <gtest/gtest.h>

#include "base/file.h"
#include "base/hex.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_struct.h"
#include "encoding/candid_text.h"
#include "execution/state_machine.h"
#include "universal/universal_program.h"

namespace chorus::execution {
namespace {

using canisters::Program;

const Principal kUser = Principal::self_authenticating(as_bytes("management test user"));
const Principal kMgmt = Principal::management_canister();
const Bytes kMgmtId;  // aaaaa-aa is the empty blob

Bytes candid(const std::string& types, const std::string& text) {
  auto t = candid::parse_arg_types(types);
  EXPECT_TRUE(t.ok()) << t.error().message();
  auto v = candid::parse_args_at(text, t->table, t->types);
  EXPECT_TRUE(v.ok()) << v.error().message();
  return *candid::encode(t->table, t->types, *v);
}

// The reply decoded at |types| and printed with its field names.
std::string printed(const Bytes& reply, const std::string& types) {
  candid::FieldNames names;
  auto t = candid::parse_arg_types(types, &names);
  auto v = candid::decode(reply, t->table, t->types);
  if (!v.ok()) return "undecodable: " + v.error().message();
  return candid::print_args(*v, t->table, t->types, &names);
}

// Bytes as the text format prints a blob's contents.
std::string escaped(ByteView b) {
  std::string s;
  for (uint8_t x : b) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\%02x", x);
    s += buf;
  }
  return s;
}

class Management : public ::testing::Test {
 protected:
  Bytes wasm = *read_file(canisters::kUniversalCanisterWasm32);
  StateMachine sm;
  Principal install(Cycles cycles = Cycles(100'000'000'000'000)) {
    auto id = sm.create_canister(cycles, kUser);
    EXPECT_TRUE(id.ok());
    Status s = sm.install_code(*id, wasm, {}, kUser);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return *id;
  }
  CallOutcome update(const Principal& c, const Program& p) { return sm.execute_ingress(kUser, c, "update", p.bytes()); }
  // |c| calls aaaaa-aa's |method| with |arg| and |cycles|, and answers with the reply, or with
  // "reject:" and the reject message.
  CallOutcome call_management(const Principal& c, const std::string& method, const Bytes& arg,
                              uint64_t cycles = 0) {
    return update(c, Program()
                         .call(kMgmtId, method, Program().msg_arg_data().reply_blob(),
                               Program().push_blob("reject:").msg_reject_msg().concat().reply_blob())
                         .call_data_append(arg)
                         .call_cycles_add128(0, cycles)
                         .call_perform()
                         .drop());
  }
};

TEST_F(Management, CanistersCreateCanistersWithCycles) {
  Principal a = install();
  const Cycles before = sm.state().canister(a)->balance;
  // Not enough for the creation fee: rejected, every cycle back.
  CallOutcome poor = call_management(a, "create_canister", candid("(record {})", "(record {})"), 1'000'000);
  ASSERT_TRUE(poor.replied) << poor.describe();
  EXPECT_NE(as_chars(poor.reply).find("reject:create_canister needs at least"), std::string::npos) << as_chars(poor.reply);
  CallOutcome o = call_management(a, "create_canister", candid("(record {})", "(record {})"), 2'000'000'000'000);
  ASSERT_TRUE(o.replied) << o.describe();
  std::string id_text = printed(o.reply, "(record { canister_id : principal })");
  ASSERT_EQ(id_text.find("undecodable"), std::string::npos) << id_text;
  Principal child = sm.state().canisters.rbegin()->first;
  EXPECT_NE(id_text.find(child.to_text()), std::string::npos);
  const state::CanisterState* c = sm.state().canister(child);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->balance, Cycles(2'000'000'000'000) - Cycles(500'000'000'000));  // less the creation fee
  EXPECT_EQ(c->settings.controllers, std::vector<Principal>{a});                // the caller controls it
  EXPECT_LT(sm.state().canister(a)->balance, before - Cycles(2'000'000'000'000) + Cycles(1));
  // The creator may install code on its child.
  CallOutcome install = call_management(a, "install_code", *StateMachine::install_code_arg(child, wasm, {}));
  ASSERT_TRUE(install.replied) << install.describe();
  EXPECT_TRUE(sm.state().canister(child)->has_code()) << as_chars(install.reply);
  // Users cannot call create_canister.
  CallOutcome user = sm.execute_ingress(kUser, kMgmt, "create_canister", candid("(record {})", "(record {})"));
  EXPECT_FALSE(user.replied);
  const auto& st = sm.state();
  EXPECT_EQ(state::total_cycles_held(st) + st.metadata.consumed_cycles, st.metadata.minted_cycles);
}

TEST_F(Management, RawRandDepositAndTopUp) {
  Principal a = install();
  // An empty canister: it runs nothing and stores nothing, so only deposits change its balance.
  auto empty = sm.create_canister(Cycles(1'000'000'000'000), kUser);
  ASSERT_TRUE(empty.ok());
  Principal b = *empty;
  CallOutcome r1 = call_management(a, "raw_rand", candid("()", "()"));
  CallOutcome r2 = call_management(a, "raw_rand", candid("()", "()"));
  ASSERT_TRUE(r1.replied && r2.replied);
  EXPECT_EQ(printed(r1.reply, "(blob)").size(), printed(r2.reply, "(blob)").size());
  EXPECT_NE(r1.reply, r2.reply);  // different bytes for each call
  EXPECT_FALSE(sm.execute_ingress(kUser, kMgmt, "raw_rand", candid("()", "()")).replied);  // canisters only

  const Cycles b_before = sm.state().canister(b)->balance;
  CallOutcome dep = call_management(a, "deposit_cycles",
                                    candid("(record { canister_id : principal })", "(record { canister_id = principal \"" + b.to_text() + "\" })"),
                                    3'000'000);
  ASSERT_TRUE(dep.replied) << dep.describe();
  EXPECT_EQ(sm.state().canister(b)->balance, b_before + Cycles(3'000'000));

  CallOutcome top = sm.execute_ingress(kUser, kMgmt, "provisional_top_up_canister",
                                       candid("(record { canister_id : principal; amount : nat })",
                                              "(record { canister_id = principal \"" + b.to_text() + "\"; amount = 1_000 })"));
  ASSERT_TRUE(top.replied) << top.describe();
  EXPECT_EQ(sm.state().canister(b)->balance, b_before + Cycles(3'001'000));
}

TEST_F(Management, ChunkedInstall) {
  auto id = sm.create_canister(Cycles(100'000'000'000'000), kUser);
  ASSERT_TRUE(id.ok());
  std::string hashes;
  const size_t chunk = 10'000;
  for (size_t at = 0; at < wasm.size(); at += chunk) {
    Bytes part(wasm.begin() + at, wasm.begin() + std::min(wasm.size(), at + chunk));
    candid::RecordBuilder b;
    b.add("canister_id", *id).add("chunk", part);
    auto t = candid::parse_arg_types("(record { canister_id : principal; chunk : blob })");
    std::vector<candid::Value> v;
    v.push_back(std::move(b).build());
    CallOutcome up = sm.execute_ingress(kUser, kMgmt, "upload_chunk", *candid::encode(t->table, t->types, v));
    ASSERT_TRUE(up.replied) << up.describe();
    Sha256Digest h = sha256(part);
    EXPECT_EQ(printed(up.reply, "(record { hash : blob })"), "(record { hash = blob \"" + escaped(h) + "\" })");
    hashes += "record { hash = blob \"" + escaped(h) + "\" };";
  }
  Sha256Digest whole = sha256(wasm);
  const std::string whole_hex = escaped(whole);
  Bytes arg = candid(
      "(record { mode : variant { install; reinstall; upgrade : opt record {} }; target_canister : principal; "
      "chunk_hashes_list : vec record { hash : blob }; wasm_module_hash : blob; arg : blob })",
      "(record { mode = variant { install }; target_canister = principal \"" + id->to_text() +
          "\"; chunk_hashes_list = vec { " + hashes + " }; wasm_module_hash = blob \"" + whole_hex + "\"; arg = blob \"\" })");
  CallOutcome ins = sm.execute_ingress(kUser, kMgmt, "install_chunked_code", arg);
  ASSERT_TRUE(ins.replied) << ins.describe();
  CallOutcome hi = update(*id, Program().reply("chunked"));
  EXPECT_EQ(as_chars(hi.reply), "chunked");
  EXPECT_EQ(sm.state().canister(*id)->execution->module_hash, whole);
}

TEST_F(Management, InfoLogsAndSnapshotLists) {
  Principal a = install();
  ASSERT_TRUE(update(a, Program().debug_print("hello log").reply("")).replied);
  CallOutcome logs = sm.query(kUser, kMgmt, "fetch_canister_logs",
                              candid("(record { canister_id : principal })", "(record { canister_id = principal \"" + a.to_text() + "\" })"));
  ASSERT_TRUE(logs.replied) << logs.describe();
  std::string text = printed(logs.reply, "(record { canister_log_records : vec record { idx : nat64; timestamp_nanos : nat64; content : blob } })");
  EXPECT_NE(text.find(escaped(as_bytes("hello log"))), std::string::npos) << text;
  // Not as an update, not for strangers.
  EXPECT_FALSE(sm.execute_ingress(kUser, kMgmt, "fetch_canister_logs",
                                  candid("(record { canister_id : principal })", "(record { canister_id = principal \"" + a.to_text() + "\" })"))
                   .replied);
  EXPECT_FALSE(sm.query(Principal::anonymous(), kMgmt, "fetch_canister_logs",
                        candid("(record { canister_id : principal })", "(record { canister_id = principal \"" + a.to_text() + "\" })"))
                   .replied);

  Principal b = install();
  CallOutcome info = call_management(b, "canister_info",
                                     candid("(record { canister_id : principal; num_requested_changes : opt nat64 })",
                                            "(record { canister_id = principal \"" + a.to_text() + "\"; num_requested_changes = opt 5 })"));
  ASSERT_TRUE(info.replied) << info.describe();
  std::string i = printed(info.reply, "(record { total_num_changes : nat64; module_hash : opt blob; controllers : vec principal })");
  EXPECT_NE(i.find("total_num_changes = 2"), std::string::npos) << i;  // creation, install
  EXPECT_NE(i.find(kUser.to_text()), std::string::npos) << i;

  Bytes cid = candid("(record { canister_id : principal })", "(record { canister_id = principal \"" + a.to_text() + "\" })");
  ASSERT_TRUE(sm.execute_ingress(kUser, kMgmt, "take_canister_snapshot", cid).replied);
  CallOutcome list = sm.execute_ingress(kUser, kMgmt, "list_canister_snapshots", cid);
  ASSERT_TRUE(list.replied) << list.describe();
  auto listed = candid::decode_any(list.reply);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->values[0].items().size(), 1u);
  Bytes sid = listed->values[0].items()[0].field(candid::field_hash("id"))->blob_value();
  candid::RecordBuilder del;
  del.add("canister_id", a).add("snapshot_id", sid);
  auto t = candid::parse_arg_types("(record { canister_id : principal; snapshot_id : blob })");
  std::vector<candid::Value> v;
  v.push_back(std::move(del).build());
  ASSERT_TRUE(sm.execute_ingress(kUser, kMgmt, "delete_canister_snapshot", *candid::encode(t->table, t->types, v)).replied);
  CallOutcome after = sm.execute_ingress(kUser, kMgmt, "list_canister_snapshots", cid);
  EXPECT_EQ(candid::decode_any(after.reply)->values[0].items().size(), 0u);
}

TEST_F(Management, SelfCallsAndBestEffortCalls) {
  Principal a = install();
  Bytes self(a.bytes().begin(), a.bytes().end());
  // A call to itself, bounded-wait: the callee sees a deadline, an unbounded call sees 0.
  CallOutcome bounded = update(a, Program()
                                      .call(self, "update", Program().msg_arg_data().reply_blob(), Program().reply("rejected"))
                                      .call_with_best_effort_response(10)
                                      .call_data_append(Program().msg_deadline().int_to_blob64().reply_blob().bytes())
                                      .call_perform()
                                      .drop());
  ASSERT_TRUE(bounded.replied) << bounded.describe();
  ASSERT_EQ(bounded.reply.size(), 8u);
  uint64_t deadline = 0;
  for (int k = 7; k >= 0; --k) deadline = (deadline << 8) | bounded.reply[k];
  EXPECT_GT(deadline, sm.state().metadata.time_nanos - 1'000'000'000);
  EXPECT_LE(deadline, sm.state().metadata.time_nanos + 10'000'000'000ull);
  CallOutcome unbounded = update(a, Program()
                                        .call(self, "update", Program().msg_arg_data().reply_blob(), Program().reply("rejected"))
                                        .call_data_append(Program().msg_deadline().int_to_blob64().reply_blob().bytes())
                                        .call_perform()
                                        .drop());
  EXPECT_EQ(unbounded.reply, Bytes(8, 0));
}

}  // namespace
}  // namespace chorus::execution
