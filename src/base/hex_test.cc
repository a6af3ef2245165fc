#include "base/hex.h"

#include <gtest/gtest.h>

namespace chorus {
namespace {

TEST(Hex, RoundTrip) {
  Bytes b = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0001abff");
  EXPECT_EQ(*from_hex("0001ABff"), b);
  EXPECT_EQ(to_hex(*from_hex("")), "");
}

TEST(Hex, RejectsBadInput) {
  auto odd = from_hex("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().message().find("odd length"), std::string::npos);
  auto bad = from_hex("a0zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("position 2"), std::string::npos);
}

}  // namespace
}  // namespace chorus
