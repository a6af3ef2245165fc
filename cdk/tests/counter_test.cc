// The example canister cdk/examples/counter, built by chorus_cpp_canister with clang++, wasi-libc
// and libc++, as our engine sees it (imports, exports, the candid:service section) and as a
// client does: installed in a StateMachine and called through every method, with arguments
// encoded and replies decoded by the host Candid library at the types of its .did file, so that
// field names and types are checked against what the file promises.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "base/file.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"
#include "execution/state_machine.h"
#include "ic0_signatures.h"
#include "wasm/validator.h"

namespace chorus::cdk {
namespace {

using execution::CallOutcome;
using state::Cycles;
using execution::StateMachine;

const Principal kUser = Principal::self_authenticating(as_bytes("cdk counter test user"));

Bytes read(const std::string& path) {
  auto r = read_file(path);
  EXPECT_TRUE(r.ok()) << "cannot read " << path;
  return r.ok() ? *r : Bytes();
}

class Counter : public ::testing::Test {
 protected:
  void SetUp() override {
    wasm_ = read(CHORUS_COUNTER_WASM);
    Bytes did = read(CHORUS_COUNTER_DID);
    did_text_.assign(did.begin(), did.end());
    auto service = candid::parse_did(did_text_);
    ASSERT_TRUE(service.ok()) << service.error().message();
    service_ = std::move(service).value();
  }

  // |text| encoded at the parameter types the .did file gives |method| ("" = init).
  Bytes args(const std::string& method, const std::string& text) {
    candid::ArgTypes types = service_->init_arg_types();
    if (!method.empty()) {
      auto m = service_->method(method);
      EXPECT_TRUE(m.ok()) << method << ": " << m.error().message();
      if (!m.ok()) return {};
      types = m->args;
    }
    auto v = candid::parse_args_at(text, types.table, types.types);
    EXPECT_TRUE(v.ok()) << text << ": " << v.error().message();
    if (!v.ok()) return {};
    auto b = candid::encode(types.table, types.types, *v);
    EXPECT_TRUE(b.ok());
    return b.ok() ? *b : Bytes();
  }

  // The reply decoded at the result types of |method| in the .did file and printed with the
  // file's field names, or the reject.
  std::string text_of(const std::string& method, const CallOutcome& o) {
    if (!o.replied) return o.describe();
    auto m = service_->method(method);
    if (!m.ok()) return "no such method in the .did file";
    auto v = candid::decode(o.reply, m->results.table, m->results.types);
    if (!v.ok()) return "undecodable: " + v.error().message();
    return candid::print_args(*v, m->results.table, m->results.types, &service_->field_names());
  }

  Principal install(const std::string& init = "(null)") {
    auto id = sm_.create_canister(Cycles(100'000'000'000'000), kUser);
    EXPECT_TRUE(id.ok());
    Status s = sm_.install_code(*id, wasm_, args("", init), kUser);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return *id;
  }

  std::string update(const Principal& c, const std::string& method, const std::string& arg) {
    return text_of(method, sm_.execute_ingress(kUser, c, method, args(method, arg)));
  }
  std::string query(const Principal& c, const std::string& method, const std::string& arg) {
    auto m = service_->method(method);
    EXPECT_TRUE(m.ok() && m->is_query()) << method << " is a query in the .did file";
    return text_of(method, sm_.query(kUser, c, method, args(method, arg)));
  }

  Bytes wasm_;
  std::string did_text_;
  std::optional<candid::ServiceInterface> service_;
  StateMachine sm_;
};

TEST_F(Counter, ImportsOnlyTheSystemApi) {
  auto m = wasm::decode_and_validate(wasm_);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_FALSE(m->imports.empty());
  for (const auto& im : m->imports) {
    EXPECT_EQ(im.module, "ic0") << im.module << "." << im.name;
    ASSERT_EQ(im.kind, wasm::ExternKind::kFunc) << im.name;
    const canisters::Ic0Signature* sig = canisters::find_ic0_signature(im.name);
    ASSERT_NE(sig, nullptr) << "not a System API function: " << im.name;
    EXPECT_EQ(m->types[im.func_type], canisters::ic0_func_type(*sig, false)) << im.name;
  }
}

TEST_F(Counter, ExportsEveryMethodOfItsDidFile) {
  auto m = wasm::decode_and_validate(wasm_);
  ASSERT_TRUE(m.ok());
  std::set<std::string> exported;
  for (const auto& x : m->exports)
    if (x.kind == wasm::ExternKind::kFunc) exported.insert(x.name);
  std::set<std::string> expected = {"canister_init", "canister_pre_upgrade",
                                    "canister_post_upgrade"};
  for (const std::string& name : service_->method_names()) {
    auto method = service_->method(name);
    ASSERT_TRUE(method.ok());
    expected.insert((method->is_query() ? "canister_query " : "canister_update ") + name);
  }
  EXPECT_EQ(exported, expected);
}

TEST_F(Counter, CarriesItsDidFileAsPublicCandidServiceMetadata) {
  auto m = wasm::decode_and_validate(wasm_);
  ASSERT_TRUE(m.ok());
  const wasm::CustomSection* found = nullptr;
  for (const auto& s : m->customs) {
    EXPECT_NE(s.name, "icp:private candid:service");
    if (s.name == "icp:public candid:service") found = &s;
  }
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(std::string(as_chars(m->view(found->content))), did_text_);
}

TEST_F(Counter, CountsGreetsAndKeepsProfiles) {
  Principal c = install("(opt \"Hi\")");
  EXPECT_EQ(update(c, "inc", "()"), "(1)");
  EXPECT_EQ(update(c, "inc", "()"), "(2)");
  EXPECT_EQ(update(c, "add", "(40)"), "(42)");
  EXPECT_EQ(query(c, "get", "()"), "(42)");
  EXPECT_EQ(update(c, "withdraw", "(50)"), "(variant { err = \"only 42 left\" })");
  EXPECT_EQ(update(c, "withdraw", "(2)"), "(variant { ok = 40 })");
  EXPECT_EQ(query(c, "greet", "(\"Ada\")"), "(\"Hi, Ada!\")");
  EXPECT_EQ(query(c, "whoami", "()"), "(\"" + kUser.to_text() + "\")");

  EXPECT_EQ(update(c, "set_profile", "(record { name = \"ada\"; age = 36; email = opt \"ada@example.org\" })"),
            "()");
  EXPECT_EQ(update(c, "set_profile", "(record { name = \"bob\"; age = 7; email = null })"), "()");
  EXPECT_EQ(query(c, "get_profile", "(\"ada\")"),
            "(opt record { age = 36; name = \"ada\"; email = opt \"ada@example.org\" })");
  EXPECT_EQ(query(c, "get_profile", "(\"eve\")"), "(null)");
  EXPECT_EQ(query(c, "list_profiles", "()"),
            "(vec { record { age = 36; name = \"ada\"; email = opt \"ada@example.org\" }; "
            "record { age = 7; name = \"bob\"; email = null } })");
}

TEST_F(Counter, InstallsWithoutAnArgument) {
  auto id = sm_.create_canister(Cycles(100'000'000'000'000), kUser);
  ASSERT_TRUE(id.ok());
  // An empty argument list: the missing opt text reads as null and the default greeting stays.
  Status s = sm_.install_code(*id, wasm_, args("", "()"), kUser);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(query(*id, "greet", "(\"Bob\")"), "(\"Hello, Bob!\")");
  // No bytes at all count as no arguments too.
  s = sm_.install_code(*id, wasm_, Bytes(), kUser, "reinstall");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(query(*id, "greet", "(\"Bob\")"), "(\"Hello, Bob!\")");
}

TEST_F(Counter, KeepsItsStateAcrossUpgrades) {
  Principal c = install("(opt \"Hi\")");
  update(c, "add", "(7)");
  update(c, "set_profile", "(record { name = \"ada\"; age = 36; email = null })");
  Status up = sm_.install_code(c, wasm_, args("", "(null)"), kUser, "upgrade");
  ASSERT_TRUE(up.ok()) << up.error().message();
  EXPECT_EQ(query(c, "get", "()"), "(7)");
  EXPECT_EQ(query(c, "greet", "(\"Ada\")"), "(\"Hi, Ada!\")");
  EXPECT_EQ(query(c, "get_profile", "(\"ada\")"),
            "(opt record { age = 36; name = \"ada\"; email = null })");
  EXPECT_EQ(update(c, "inc", "()"), "(8)");
  // A second upgrade with a new greeting: the rest of the state still carries over.
  up = sm_.install_code(c, wasm_, args("", "(opt \"Hey\")"), kUser, "upgrade");
  ASSERT_TRUE(up.ok()) << up.error().message();
  EXPECT_EQ(query(c, "greet", "(\"Ada\")"), "(\"Hey, Ada!\")");
  EXPECT_EQ(query(c, "get", "()"), "(8)");
}

TEST_F(Counter, ReinstallStartsAfresh) {
  Principal c = install();
  update(c, "add", "(5)");
  Status s = sm_.install_code(c, wasm_, args("", "(null)"), kUser, "reinstall");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(query(c, "get", "()"), "(0)");
}

TEST_F(Counter, BadArgumentsTrapWithAReadableMessage) {
  Principal c = install();
  auto text_arg = [](const std::string& types, const std::string& text) {
    auto t = candid::parse_arg_types(types);
    auto v = candid::parse_args_at(text, t->table, t->types);
    return *candid::encode(t->table, t->types, *v);
  };
  CallOutcome o = sm_.execute_ingress(kUser, c, "add", text_arg("(text)", "(\"five\")"));
  ASSERT_FALSE(o.replied);
  EXPECT_NE(o.reject_message.find("cannot decode the arguments of add: argument 0: expected nat64, got text"),
            std::string::npos)
      << o.reject_message;
  o = sm_.execute_ingress(kUser, c, "add", to_bytes("not candid"));
  ASSERT_FALSE(o.replied);
  EXPECT_NE(o.reject_message.find("no DIDL magic"), std::string::npos) << o.reject_message;
  o = sm_.execute_ingress(kUser, c, "add", text_arg("()", "()"));
  ASSERT_FALSE(o.replied);
  EXPECT_NE(o.reject_message.find("argument 0 is missing"), std::string::npos) << o.reject_message;
  // Truncated: the nat64 lacks its last byte.
  Bytes cut = text_arg("(nat64)", "(5)");
  cut.pop_back();
  o = sm_.execute_ingress(kUser, c, "add", cut);
  ASSERT_FALSE(o.replied);
  EXPECT_NE(o.reject_message.find("unexpected end of message"), std::string::npos) << o.reject_message;
  // Nothing changed, and the canister still answers.
  EXPECT_EQ(query(c, "get", "()"), "(0)");
  // Traps the method raises itself carry their message too.
  update(c, "add", "(1)");
  o = sm_.execute_ingress(kUser, c, "add", text_arg("(nat64)", "(18446744073709551615)"));
  EXPECT_NE(o.reject_message.find("add: the counter would overflow"), std::string::npos) << o.reject_message;
  EXPECT_EQ(query(c, "get", "()"), "(1)");
}

TEST_F(Counter, ExtraArgumentsAndRecordFieldsAreIgnored) {
  Principal c = install();
  auto t = candid::parse_arg_types(
      "(record { name : text; age : nat32; email : opt text; nickname : text }, nat)");
  ASSERT_TRUE(t.ok());
  auto v = candid::parse_args_at(
      "(record { name = \"ada\"; age = 36; email = null; nickname = \"countess\" }, 99)", t->table,
      t->types);
  ASSERT_TRUE(v.ok());
  CallOutcome o = sm_.execute_ingress(kUser, c, "set_profile", *candid::encode(t->table, t->types, *v));
  EXPECT_TRUE(o.replied) << o.describe();
  // A record without the opt field: email reads as null.
  t = candid::parse_arg_types("(record { name : text; age : nat32 })");
  v = candid::parse_args_at("(record { name = \"bob\"; age = 7 })", t->table, t->types);
  o = sm_.execute_ingress(kUser, c, "set_profile", *candid::encode(t->table, t->types, *v));
  EXPECT_TRUE(o.replied) << o.describe();
  EXPECT_EQ(query(c, "get_profile", "(\"bob\")"),
            "(opt record { age = 7; name = \"bob\"; email = null })");
}

TEST_F(Counter, MethodsCanReject) {
  Principal c = install();
  CallOutcome o = sm_.execute_ingress(kUser, c, "set_profile",
                                      args("set_profile", "(record { name = \"\"; age = 1; email = null })"));
  ASSERT_FALSE(o.replied);
  EXPECT_EQ(o.reject_code, 4u);  // CANISTER_REJECT
  EXPECT_EQ(o.reject_message, "set_profile: the name is empty");
  EXPECT_EQ(query(c, "list_profiles", "()"), "(vec {})");
}

}  // namespace
}  // namespace chorus::cdk
