// Every call-context rule of a sample of System API functions, in every context the universal
// canister can reach: update (U), replicated query (RQ), non-replicated query (NRQ), reply and
// reject callbacks (Ry, Rt), system task (T: heartbeat), inspect message (F), init (I) and
// pre_upgrade (G). The expected contexts are written out here from the interface spec's import
// table (canister-interface.md, "Overview of imports"), independently of system_api.cc's table.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "base/file.h"
#include "execution/state_machine.h"
#include "universal/universal_program.h"

namespace chorus::execution {
namespace {

using canisters::Program;

const Principal kUser = Principal::self_authenticating(as_bytes("context rules user"));

struct Function {
  const char* name;
  std::function<Program()> call;  // pushes operands, calls the op, drops what it pushed
  std::set<std::string> allowed;  // context codes of the spec's table
};

const std::set<std::string> kEverywhere = {"U", "RQ", "NRQ", "Ry", "Rt", "T", "F", "I", "G"};

std::vector<Function> functions() {
  return {
      {"msg_arg_data_size", [] { return Program().msg_arg_data_size().drop(); }, {"I", "U", "RQ", "NRQ", "Ry", "F"}},
      {"msg_caller_size", [] { return Program().msg_caller_size().drop(); }, kEverywhere},
      {"msg_reject_code", [] { return Program().msg_reject_code().drop(); }, {"Ry", "Rt"}},
      {"msg_reject_msg_size", [] { return Program().msg_reject_msg_size().drop(); }, {"Rt"}},
      {"msg_cycles_available128", [] { return Program().msg_cycles_available128().drop(); }, {"U", "RQ", "Ry", "Rt"}},
      {"msg_cycles_refunded128", [] { return Program().msg_cycles_refunded128().drop(); }, {"Ry", "Rt"}},
      {"msg_cycles_accept128", [] { return Program().push_i64(0).push_i64(0).msg_cycles_accept128().drop(); },
       {"U", "RQ", "Ry", "Rt"}},
      {"cycles_burn128", [] { return Program().push_i64(0).push_i64(0).cycles_burn128().drop(); },
       {"I", "G", "U", "RQ", "Ry", "Rt", "T"}},
      {"msg_method_name_size", [] { return Program().msg_method_name_size().drop(); }, {"F"}},
      {"canister_status", [] { return Program().canister_status().drop(); }, kEverywhere},
      {"stable64_size", [] { return Program().stable64_size().drop(); }, kEverywhere},
      {"root_key_size", [] { return Program().root_key_size().drop(); }, {"I", "G", "U", "RQ", "Ry", "Rt", "T"}},
      {"certified_data_set", [] { return Program().push_blob("x").certified_data_set(); },
       {"I", "G", "U", "Ry", "Rt", "T"}},
      {"data_certificate_present", [] { return Program().data_certificate_present().drop(); }, kEverywhere},
      {"time", [] { return Program().time().drop(); }, kEverywhere},
      {"global_timer_set", [] { return Program().push_i64(0).global_timer_set().drop(); },
       {"I", "G", "U", "Ry", "Rt", "T"}},
      {"performance_counter", [] { return Program().push_i32(0).performance_counter().drop(); }, kEverywhere},
      {"in_replicated_execution", [] { return Program().in_replicated_execution().drop(); }, kEverywhere},
      {"debug_print", [] { return Program().debug_print("x"); }, kEverywhere},
      // Allowed only with a call in progress; without one it fails otherwise, but not as a
      // context violation.
      {"call_cycles_add128", [] { return Program().push_i64(0).push_i64(0).call_cycles_add128(); },
       {"U", "Ry", "Rt", "T"}},
  };
}

// Whether an error message is a context violation of ic0.|name|.
bool violation(const std::string& message, const std::string& name) {
  return message.find("\"ic0." + name + "\" cannot be executed in") != std::string::npos;
}

class ContextRules : public ::testing::Test {
 protected:
  Bytes wasm = *read_file(canisters::kUniversalCanisterWasm32);
  StateMachine sm;
  Principal install(Bytes init = {}) {
    auto id = sm.create_canister(Cycles(100'000'000'000'000), kUser);
    EXPECT_TRUE(id.ok());
    Status s = sm.install_code(*id, wasm, std::move(init), kUser);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return *id;
  }
  CallOutcome update(const Principal& c, const Program& p) { return sm.execute_ingress(kUser, c, "update", p.bytes()); }

  // The error message the probe got in |context|, or "" if it ran.
  std::string run(const std::string& context, const Program& probe, const Principal& a, const Principal& b) {
    Program then_reply = Program().raw(probe.bytes()).reply("ok");
    if (context == "U") return outcome(update(a, then_reply));
    if (context == "RQ") return outcome(sm.execute_ingress(kUser, a, "query", then_reply.bytes()));
    if (context == "NRQ") return outcome(sm.query(kUser, a, "query", then_reply.bytes()));
    if (context == "Ry" || context == "Rt") {
      Principal callee = context == "Ry" ? b : Principal::from_canister_index(4242);
      Bytes cid(callee.bytes().begin(), callee.bytes().end());
      Program callback = then_reply;
      return outcome(update(a, Program()
                                   .call(cid, "update", context == "Ry" ? callback : Program().reply("wrong"),
                                         context == "Rt" ? callback : Program().reply("wrong"))
                                   .call_data_append(Program().reply("x").bytes())
                                   .call_perform()
                                   .drop()));
    }
    if (context == "T") {
      size_t before = sm.state().canister(a)->log.next_idx;
      EXPECT_TRUE(update(a, Program().set_heartbeat(probe).reply("")).replied);
      sm.tick();
      EXPECT_TRUE(update(a, Program().set_heartbeat(Program()).reply("")).replied);
      for (const auto& r : sm.state().canister(a)->log.records) {
        if (r.idx >= before && as_chars(r.content).rfind("[TRAP]", 0) == 0) return std::string(as_chars(r.content));
      }
      return "";
    }
    if (context == "F") {
      EXPECT_TRUE(update(a, Program().set_inspect_message(Program().raw(probe.bytes()).accept_message()).reply("")).replied);
      state::Ingress in;
      in.source = kUser;
      in.receiver = a;
      in.method = "update";
      Status s = sm.environment().inspect_message(sm.state(), in);
      EXPECT_TRUE(update(a, Program().set_inspect_message(Program().accept_message()).reply("")).replied);
      return s.ok() ? "" : s.error().message();
    }
    if (context == "I") {
      auto id = sm.create_canister(Cycles(100'000'000'000'000), kUser);
      Status s = sm.install_code(*id, wasm, probe.bytes(), kUser);
      return s.ok() ? "" : s.error().message();
    }
    if (context == "G") {
      EXPECT_TRUE(update(a, Program().set_pre_upgrade(probe).reply("")).replied);
      Status s = sm.install_code(a, wasm, {}, kUser, "upgrade");
      if (!s.ok()) {
        EXPECT_TRUE(update(a, Program().set_pre_upgrade(Program()).reply("")).replied);
      }
      return s.ok() ? "" : s.error().message();
    }
    ADD_FAILURE() << "unknown context " << context;
    return "";
  }
  static std::string outcome(const CallOutcome& o) { return o.replied ? "" : o.reject_message; }
};

TEST_F(ContextRules, EveryFunctionInEveryContext) {
  Principal a = install();
  Principal b = install();
  int checked = 0;
  for (const Function& f : functions()) {
    for (const std::string& context : kEverywhere) {
      std::string error = run(context, f.call(), a, b);
      const bool allowed = f.allowed.count(context) > 0;
      if (allowed) {
        EXPECT_FALSE(violation(error, f.name)) << f.name << " in " << context << ": " << error;
      } else {
        EXPECT_TRUE(violation(error, f.name)) << f.name << " in " << context << " should trap, got: '" << error << "'";
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 20 * 9);
}

}  // namespace
}  // namespace chorus::execution
