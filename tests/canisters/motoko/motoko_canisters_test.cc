// The Motoko canisters that build.mjs compiled, in both flavours, as our engine sees them: they
// decode and validate, import only System API functions with the specification's types (the
// list the execution environment must provide, README.md), export the methods of their source
// and the entry points moc adds, carry their Candid interface publicly, and instantiate (which
// runs their start function) against host functions that trap.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "base/file.h"
#include "encoding/candid_text.h"
#include "ic0_signatures.h"
#include "wasm/executors.h"
#include "wasm/runtime.h"
#include "wasm/validator.h"

namespace chorus::canisters {
namespace {

struct Canister {
  const char* name;
  std::set<std::string> methods;  // the source's public functions, as exports
};

const Canister kCanisters[] = {
    {"counter",
     {"canister_update inc", "canister_update add", "canister_query get",
      "canister_query describe"}},
    {"stable_vars", {"canister_update push", "canister_query all", "canister_query counts"}},
    {"peer", {"canister_update ping", "canister_query pings_received"}},
    {"timer", {"canister_query fired", "canister_update stop"}},
};

// What moc 4.10.0 imports for each of these canisters, in both flavours (README.md lists it for
// the execution environment; a new compiler version may change it, and then this test says so).
const std::set<std::string> kMotokoImports = {
    "call_data_append", "call_cycles_add128", "call_with_best_effort_response", "call_new",
    "call_perform", "call_on_cleanup", "canister_self_copy", "canister_self_size",
    "canister_status", "is_controller", "debug_print", "msg_arg_data_copy", "msg_arg_data_size",
    "msg_caller_copy", "msg_caller_size", "msg_cycles_refunded128", "msg_reject_code",
    "msg_reject_msg_size", "msg_reject_msg_copy", "msg_reject", "msg_reply_data_append",
    "msg_reply", "performance_counter", "trap", "stable64_write", "stable64_read",
    "stable64_size", "stable64_grow", "time", "global_timer_set"};

// Entry points moc adds to every actor besides its methods.
const std::set<std::string> kRuntimeExports = {
    "canister_init", "canister_pre_upgrade", "canister_post_upgrade", "canister_global_timer",
    "canister_update __motoko_async_helper", "canister_update __motoko_gc_trigger",
    "canister_query __motoko_stable_var_info", "canister_query __motoko_runtime_information"};
// And with enhanced orthogonal persistence, the incremental (graph-copy) upgrade steps.
const std::set<std::string> kEnhancedExports = {
    "canister_update @motoko_async_stabilization",
    "canister_update __motoko_stabilize_before_upgrade",
    "canister_update @motoko_async_destabilization",
    "canister_update __motoko_destabilize_after_upgrade"};

struct Case {
  const Canister* canister;
  bool enhanced;  // enhanced orthogonal persistence (wasm64), else classic (wasm32)
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(info.param.canister->name) + (info.param.enhanced ? "_enhanced" : "_classic");
}

class MotokoCanisterTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    path_ = std::string(CHORUS_MOTOKO_DIR) + "/" + c.canister->name +
            (c.enhanced ? ".wasm" : "_classic.wasm");
    auto bytes = read_file(path_);
    ASSERT_TRUE(bytes.ok()) << path_ << ": " << bytes.error().message();
    auto m = wasm::decode_and_validate(*bytes);
    ASSERT_TRUE(m.ok()) << path_ << ": " << m.error().message();
    module_ = std::make_shared<const wasm::Module>(std::move(m).value());
  }

  const wasm::CustomSection* custom(const std::string& name) const {
    for (const auto& s : module_->customs) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }

  std::string path_;
  std::shared_ptr<const wasm::Module> module_;
};

TEST_P(MotokoCanisterTest, MemoryAndTableWidthsFollowThePersistenceMode) {
  bool enhanced = GetParam().enhanced;
  ASSERT_EQ(module_->memories.size(), 1u);
  EXPECT_EQ(module_->memories[0].type.limits.is64, enhanced);
  ASSERT_EQ(module_->tables.size(), 1u);
  EXPECT_EQ(module_->tables[0].type.limits.is64, enhanced);  // table64 comes with wasm64
  EXPECT_TRUE(module_->start.has_value()) << "moc initialises its runtime in (start)";
  EXPECT_EQ(custom("icp:private enhanced-orthogonal-persistence") != nullptr, enhanced);
}

TEST_P(MotokoCanisterTest, ImportsAreSystemApiFunctionsWithTheSpecsTypes) {
  bool wasm64 = GetParam().enhanced;
  std::set<std::string> names;
  for (const auto& im : module_->imports) {
    ASSERT_EQ(im.module, "ic0") << im.name;
    ASSERT_EQ(im.kind, wasm::ExternKind::kFunc) << im.name;
    const Ic0Signature* sig = find_ic0_signature(im.name);
    ASSERT_NE(sig, nullptr) << "not a System API function: " << im.name;
    EXPECT_FALSE(wasm64 && sig->wasm32_only) << im.name;
    EXPECT_EQ(module_->types[im.func_type], ic0_func_type(*sig, wasm64)) << im.name;
    names.insert(im.name);
  }
  EXPECT_EQ(names, kMotokoImports);
}

TEST_P(MotokoCanisterTest, ExportsItsMethodsAndTheRuntimesEntryPoints) {
  std::set<std::string> funcs, others;
  for (const auto& x : module_->exports) {
    if (x.kind != wasm::ExternKind::kFunc) {
      others.insert(x.name);
      continue;
    }
    funcs.insert(x.name);
    uint32_t type = module_->functions.at(x.index - module_->imported_functions).type_index;
    EXPECT_EQ(module_->types[type], wasm::FuncType{}) << x.name << " must be () -> ()";
  }
  std::set<std::string> expected = GetParam().canister->methods;
  expected.insert(kRuntimeExports.begin(), kRuntimeExports.end());
  if (GetParam().enhanced) expected.insert(kEnhancedExports.begin(), kEnhancedExports.end());
  EXPECT_EQ(funcs, expected);
  EXPECT_EQ(others, (std::set<std::string>{"mem", "table"}));
}

TEST_P(MotokoCanisterTest, CandidServiceIsPublicAndMatchesTheDidFile) {
  const wasm::CustomSection* service = custom("icp:public candid:service");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(custom("icp:private candid:service"), nullptr);
  EXPECT_NE(custom("icp:public candid:args"), nullptr);
  auto did = read_file(std::string(CHORUS_MOTOKO_DIR) + "/" + GetParam().canister->name + ".did");
  ASSERT_TRUE(did.ok());
  std::string text(as_chars(module_->view(service->content)));
  EXPECT_EQ(text, std::string(as_chars(*did)));
  EXPECT_NE(text.find("service"), std::string::npos) << text;
  // Our .did parser reads it, and it names exactly the source's methods, queries as queries.
  auto service_interface = candid::parse_did(text);
  ASSERT_TRUE(service_interface.ok()) << service_interface.error().message() << "\n" << text;
  std::set<std::string> methods;
  for (const std::string& name : service_interface->method_names()) {
    auto m = service_interface->method(name);
    ASSERT_TRUE(m.ok());
    methods.insert((m->is_query() ? "canister_query " : "canister_update ") + name);
  }
  EXPECT_EQ(methods, GetParam().canister->methods);
}

// The System API functions the specification allows in (start): "s" in its import table.
const std::set<std::string> kAllowedInStart = {
    "stable64_size", "stable64_grow", "stable64_write", "stable64_read", "stable_size",
    "stable_grow", "stable_write", "stable_read", "performance_counter", "is_controller",
    "in_replicated_execution", "cost_call", "cost_create_canister", "cost_http_request",
    "cost_http_request_v2", "cost_sign_with_ecdsa", "cost_sign_with_schnorr",
    "cost_vetkd_derive_key", "debug_print", "trap"};

TEST_P(MotokoCanisterTest, InstantiatesAndItsStartFunctionCallsOnlyWhatStartMay) {
  // A fresh canister: empty stable memory, so every allowed function answers 0 (stable64_size
  // is the one moc's start function asks with enhanced persistence); any other call traps.
  wasm::Store store;
  auto executor = wasm::make_executor(wasm::executor_for(*module_));
  std::set<std::string> called;
  auto resolve = [&](const wasm::Import& im) -> Result<wasm::Extern> {
    std::string name = im.name;
    const wasm::FuncType& type = module_->types.at(im.func_type);
    wasm::FuncInst* f = store.add_host_function(
        type, [name, &called](wasm::Caller&, std::span<const uint64_t>,
                              std::span<uint64_t> results) -> Status {
          called.insert(name);
          if (!kAllowedInStart.count(name)) return Error("ic0." + name + " called from (start)");
          for (auto& r : results) r = 0;
          return ok_status();
        });
    return wasm::Extern{wasm::ExternKind::kFunc, f};
  };
  auto inst = store.instantiate(module_, resolve, *executor);
  ASSERT_TRUE(inst.ok()) << inst.error().message();
  EXPECT_GT(executor->instructions_used(), 0u);
  std::set<std::string> expected;
  if (GetParam().enhanced) expected.insert("stable64_size");
  EXPECT_EQ(called, expected);
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const Canister& c : kCanisters) {
    out.push_back({&c, true});
    out.push_back({&c, false});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Moc, MotokoCanisterTest, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace chorus::canisters
