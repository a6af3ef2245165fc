// cdk/include/ic0.h against the specification: ic0_probe.c takes the address of every function
// the header declares, so the probe module's imports are the header's declarations as clang
// lowers them. They must be exactly the specification's functions (ic0_signatures.h) with its
// types, for wasm32 and for wasm64, where the wasm32-only functions must be absent.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "base/file.h"
#include "ic0_signatures.h"
#include "wasm/validator.h"

namespace chorus::canisters {
namespace {

void check_probe(const std::string& path, bool wasm64) {
  auto bytes = read_file(path);
  ASSERT_TRUE(bytes.ok()) << path;
  auto m = wasm::decode_and_validate(*bytes);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->memories.size(), 1u);
  EXPECT_EQ(m->memories[0].type.limits.is64, wasm64);
  std::map<std::string, wasm::FuncType> imported;
  for (const auto& im : m->imports) {
    ASSERT_EQ(im.module, "ic0") << im.name;
    ASSERT_EQ(im.kind, wasm::ExternKind::kFunc) << im.name;
    imported[im.name] = m->types[im.func_type];
  }
  size_t expected = 0;
  for (const auto& sig : ic0_signatures()) {
    std::string name(sig.name);
    if (wasm64 && sig.wasm32_only) {
      EXPECT_FALSE(imported.count(name)) << name << " must not exist for wasm64";
      continue;
    }
    ++expected;
    auto it = imported.find(name);
    if (it == imported.end()) {
      ADD_FAILURE() << "ic0.h does not declare " << name;
      continue;
    }
    EXPECT_EQ(it->second, ic0_func_type(sig, wasm64)) << name;
  }
  EXPECT_EQ(imported.size(), expected) << "ic0.h declares functions the specification lacks";
}

TEST(Ic0Header, Wasm32DeclarationsMatchTheSpec) { check_probe(CHORUS_IC0_PROBE_WASM32, false); }
TEST(Ic0Header, Wasm64DeclarationsMatchTheSpec) { check_probe(CHORUS_IC0_PROBE_WASM64, true); }

TEST(Ic0Header, SignatureTableIsWellFormed) {
  std::map<std::string_view, int> seen;
  for (const auto& sig : ic0_signatures()) {
    EXPECT_EQ(++seen[sig.name], 1) << "twice: " << sig.name;
    for (char c : std::string(sig.params) + std::string(sig.results)) {
      EXPECT_TRUE(c == 'I' || c == 'i' || c == 'l') << sig.name;
    }
    EXPECT_LE(sig.results.size(), 1u) << sig.name;
  }
  // The shapes the specification's blob idiom fixes.
  const Ic0Signature* copy = find_ic0_signature("msg_arg_data_copy");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(ic0_func_type(*copy, true),
            (wasm::FuncType{{wasm::ValType::kI64, wasm::ValType::kI64, wasm::ValType::kI64}, {}}));
  const Ic0Signature* stable = find_ic0_signature("stable64_write");
  ASSERT_NE(stable, nullptr);
  EXPECT_EQ(ic0_func_type(*stable, false), ic0_func_type(*stable, true));
}

}  // namespace
}  // namespace chorus::canisters
