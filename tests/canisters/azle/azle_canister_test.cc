// The Azle canister as our engine sees it: it decodes and validates, imports only System API
// functions with the specification's types, exports its two methods and the IC entry points, and
// its .did (which Azle writes beside the module, not into it) names those methods.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "base/file.h"
#include "encoding/candid_text.h"
#include "ic0_signatures.h"
#include "wasm/validator.h"

namespace chorus::canisters {
namespace {

TEST(AzleCanister, ValidatesAndImportsOnlyTheSystemApi) {
  auto bytes = read_file(std::string(CHORUS_AZLE_DIR) + "/azle_counter.wasm");
  ASSERT_TRUE(bytes.ok());
  auto m = wasm::decode_and_validate(*bytes);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->memories.size(), 1u);
  EXPECT_FALSE(m->memories[0].type.limits.is64);
  for (const auto& im : m->imports) {
    ASSERT_EQ(im.module, "ic0") << im.name;
    const Ic0Signature* sig = find_ic0_signature(im.name);
    ASSERT_NE(sig, nullptr) << im.name;
    EXPECT_EQ(m->types[im.func_type], ic0_func_type(*sig, false)) << im.name;
  }
  EXPECT_GE(m->imports.size(), 40u);  // a JavaScript engine uses much of the API

  std::set<std::string> canister_exports;
  for (const auto& x : m->exports) {
    if (x.name.rfind("canister_", 0) == 0) canister_exports.insert(x.name);
  }
  for (const char* e : {"canister_init", "canister_post_upgrade", "canister_global_timer",
                        "canister_update inc", "canister_query get"}) {
    EXPECT_TRUE(canister_exports.count(e)) << e;
  }
}

TEST(AzleCanister, DidNamesItsMethods) {
  auto did = read_file(std::string(CHORUS_AZLE_DIR) + "/azle_counter.did");
  ASSERT_TRUE(did.ok());
  auto service = candid::parse_did(as_chars(*did));
  ASSERT_TRUE(service.ok()) << service.error().message();
  std::set<std::string> methods;
  for (const std::string& name : service->method_names()) {
    auto method = service->method(name);
    ASSERT_TRUE(method.ok());
    methods.insert((method->is_query() ? "query " : "update ") + name);
  }
  EXPECT_EQ(methods, (std::set<std::string>{"update inc", "query get"}));
}

}  // namespace
}  // namespace chorus::canisters
