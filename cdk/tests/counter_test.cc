// The example canister cdk/examples/counter, built by chorus_cpp_canister with clang++, wasi-libc
// and libc++, as our engine sees it (imports, exports, the candid:service section) and as a
// client does: installed in a StateMachine and called through every method, with arguments
// encoded and replies decoded by the host Candid library at the types of its .did file, so that
// field names and types are checked against what the file promises.
#include "did_canister.h"

#include <set>

namespace chorus::cdk {
namespace {

class Counter : public DidCanister {
 protected:
  Counter() : DidCanister(CHORUS_COUNTER_WASM, CHORUS_COUNTER_DID) {}
};

TEST_F(Counter, ImportsOnlyTheSystemApi) { check_imports_only_ic0(); }

TEST_F(Counter, ExportsEveryMethodOfItsDidFile) { check_exports_match_did(true); }

TEST_F(Counter, CarriesItsDidFileAsPublicCandidServiceMetadata) { check_candid_service_section(); }

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
