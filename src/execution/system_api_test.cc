#include "execution/system_api.h"

#include <gtest/gtest.h>

namespace chorus::execution {
namespace {

TEST(SystemApi, ImportTableTypes) {
  auto idx = find_ic0_import("msg_arg_data_copy");
  ASSERT_TRUE(idx.has_value());
  wasm::FuncType t32 = ic0_type(*idx, false);
  wasm::FuncType t64 = ic0_type(*idx, true);
  EXPECT_EQ(t32.params, (std::vector<wasm::ValType>{wasm::ValType::kI32, wasm::ValType::kI32, wasm::ValType::kI32}));
  EXPECT_EQ(t64.params, (std::vector<wasm::ValType>{wasm::ValType::kI64, wasm::ValType::kI64, wasm::ValType::kI64}));
  // 128-bit cycle amounts are (high, low) i64 pairs in both; the destination is a pointer.
  auto accept = ic0_type(*find_ic0_import("msg_cycles_accept128"), false);
  EXPECT_EQ(accept.params, (std::vector<wasm::ValType>{wasm::ValType::kI64, wasm::ValType::kI64, wasm::ValType::kI32}));
  EXPECT_FALSE(find_ic0_import("msg_reply_data_appendx").has_value());
}

}  // namespace
}  // namespace chorus::execution
