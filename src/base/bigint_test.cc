#include "base/bigint.h"

#include <gtest/gtest.h>

namespace chorus {
namespace {

TEST(BigInt, DecimalRoundTrip) {
  for (const char* s : {"0", "1", "-1", "4294967295", "4294967296", "18446744073709551616",
                        "-340282366920938463463374607431768211456",
                        "123456789012345678901234567890123456789012345678901234567890"}) {
    auto v = BigInt::from_decimal(s);
    ASSERT_TRUE(v.ok()) << s;
    EXPECT_EQ(v->to_decimal(), s);
  }
  EXPECT_EQ(BigInt::from_decimal("1_000_000")->to_decimal(), "1000000");
  EXPECT_EQ(BigInt::from_decimal("-0")->to_decimal(), "0");
  EXPECT_EQ(BigInt::from_decimal("+12")->to_decimal(), "12");
}

TEST(BigInt, RejectsMalformedDecimal) {
  for (const char* s : {"", "-", "1__0", "_1", "1_", "12a", "0x10", " 1"}) {
    EXPECT_FALSE(BigInt::from_decimal(s).ok()) << s;
  }
}

TEST(BigInt, MachineIntegers) {
  EXPECT_EQ(BigInt::from_u64(UINT64_MAX).to_decimal(), "18446744073709551615");
  EXPECT_EQ(BigInt::from_i64(INT64_MIN).to_decimal(), "-9223372036854775808");
  EXPECT_EQ(*BigInt::from_i64(INT64_MIN).to_i64(), INT64_MIN);
  EXPECT_EQ(*BigInt::from_u64(UINT64_MAX).to_u64(), UINT64_MAX);
  EXPECT_FALSE(BigInt::from_u64(UINT64_MAX).to_i64().has_value());
  EXPECT_FALSE(BigInt::from_i64(-1).to_u64().has_value());
  EXPECT_FALSE(BigInt::from_decimal("18446744073709551616")->to_u64().has_value());
  EXPECT_EQ(BigInt::from_u64(0).bit_length(), 0u);
  EXPECT_EQ(BigInt::from_u64(256).bit_length(), 9u);
}

TEST(BigInt, Ordering) {
  auto a = BigInt::from_i64(-5), b = BigInt::from_i64(3);
  auto c = *BigInt::from_decimal("100000000000000000000");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c.negated(), a);
  EXPECT_EQ(BigInt::from_i64(-7), BigInt::from_i64(-7));
}

}  // namespace
}  // namespace chorus
