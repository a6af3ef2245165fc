// A test fixture for canisters built with the cdk: the module and its .did file, a StateMachine,
// and calls whose arguments and replies the host Candid library encodes and decodes at the .did
// file's types (so that replies print with the file's field names).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "base/file.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"
#include "execution/state_machine.h"
#include "ic0_signatures.h"
#include "wasm/validator.h"

namespace chorus::cdk {

using execution::CallOutcome;
using execution::StateMachine;
using state::Cycles;

inline const Principal kUser = Principal::self_authenticating(as_bytes("cdk test user"));

inline Bytes read(const std::string& path) {
  auto r = read_file(path);
  EXPECT_TRUE(r.ok()) << "cannot read " << path;
  return r.ok() ? *r : Bytes();
}

// A canister built by chorus_cpp_canister and its .did file, installed in a StateMachine.
class DidCanister : public ::testing::Test {
 protected:
  DidCanister(std::string wasm_path, std::string did_path)
      : wasm_path_(std::move(wasm_path)), did_path_(std::move(did_path)) {}

  void SetUp() override {
    wasm_ = read(wasm_path_);
    Bytes did = read(did_path_);
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

  // The module imports only System API functions, with the specification's signatures.
  void check_imports_only_ic0() {
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

  // It exports exactly the .did file's methods (by their modes) and the lifecycle hooks.
  void check_exports_match_did(bool has_pre_upgrade) {
    auto m = wasm::decode_and_validate(wasm_);
    ASSERT_TRUE(m.ok());
    std::set<std::string> exported;
    for (const auto& x : m->exports)
      if (x.kind == wasm::ExternKind::kFunc) exported.insert(x.name);
    std::set<std::string> expected = {"canister_init", "canister_post_upgrade"};
    if (has_pre_upgrade) expected.insert("canister_pre_upgrade");
    for (const std::string& name : service_->method_names()) {
      auto method = service_->method(name);
      ASSERT_TRUE(method.ok());
      bool composite = std::find(method->modes.begin(), method->modes.end(),
                                 candid::FuncMode::kCompositeQuery) != method->modes.end();
      const char* kind = composite           ? "canister_composite_query "
                         : method->is_query() ? "canister_query "
                                              : "canister_update ";
      expected.insert(kind + name);
    }
    EXPECT_EQ(exported, expected);
  }

  // It carries the .did file as public candid:service metadata.
  void check_candid_service_section() {
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

  std::string wasm_path_, did_path_;
  Bytes wasm_;
  std::string did_text_;
  std::optional<candid::ServiceInterface> service_;
  StateMachine sm_;
};

}  // namespace chorus::cdk
