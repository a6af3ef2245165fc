#include "base/leb128.h"

#include <gtest/gtest.h>

#include <random>

#include "base/hex.h"

namespace chorus {
namespace {

TEST(Leb128, SpecExamples) {
  // The IC interface spec's examples for the request-id encoding.
  EXPECT_EQ(to_hex(uleb128(624485)), "e58e26");
  EXPECT_EQ(to_hex(sleb128(-123456)), "c0bb78");
  EXPECT_EQ(to_hex(uleb128(0)), "00");
  EXPECT_EQ(to_hex(sleb128(-1)), "7f");
  EXPECT_EQ(to_hex(sleb128(63)), "3f");
  EXPECT_EQ(to_hex(sleb128(64)), "c000");
  EXPECT_EQ(to_hex(sleb128(-64)), "40");
  EXPECT_EQ(to_hex(sleb128(-65)), "bf7f");
  EXPECT_EQ(to_hex(uleb128(UINT64_MAX)), "ffffffffffffffffff01");
}

TEST(Leb128, BigMatchesMachineWidth) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    uint64_t u = rng() >> (rng() % 64);
    int64_t s = static_cast<int64_t>(rng()) >> (rng() % 64);
    Bytes a, b, c, d;
    append_uleb128(a, u);
    append_uleb128(b, BigInt::from_u64(u));
    EXPECT_EQ(a, b);
    append_sleb128(c, s);
    append_sleb128(d, BigInt::from_i64(s));
    EXPECT_EQ(c, d) << s;
    ByteReader ra(a), rc(c);
    EXPECT_EQ(*read_uleb128(ra), u);
    EXPECT_EQ(*read_sleb128(rc), s);
    ByteReader rb(b), rd(d);
    EXPECT_EQ(*read_uleb128_big(rb), BigInt::from_u64(u));
    EXPECT_EQ(*read_sleb128_big(rd), BigInt::from_i64(s));
  }
}

TEST(Leb128, BigRoundTrip) {
  for (const char* s : {"340282366920938463463374607431768211456",
                        "-340282366920938463463374607431768211456",
                        "-340282366920938463463374607431768211457", "-18446744073709551616",
                        "99999999999999999999999999999999999999999999999999999999"}) {
    BigInt v = *BigInt::from_decimal(s);
    Bytes enc;
    append_sleb128(enc, v);
    ByteReader r(enc);
    auto back = read_sleb128_big(r);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->to_decimal(), s);
    EXPECT_TRUE(r.at_end());
    if (!v.is_negative()) {
      Bytes u;
      append_uleb128(u, v);
      ByteReader ru(u);
      EXPECT_EQ(read_uleb128_big(ru)->to_decimal(), s);
    }
  }
  // 2^64 is 0x80 x9 then 0x02.
  Bytes two64;
  append_uleb128(two64, *BigInt::from_decimal("18446744073709551616"));
  EXPECT_EQ(to_hex(two64), "80808080808080808002");
}

TEST(Leb128, AcceptsRedundantPaddingWithinRange) {
  Bytes padded = {0x80, 0x80, 0x00};
  ByteReader r(padded);
  EXPECT_EQ(*read_uleb128(r), 0u);
  Bytes neg = {0xff, 0x7f};  // -1 with one extra group
  ByteReader rn(neg);
  EXPECT_EQ(*read_sleb128(rn), -1);
}

TEST(Leb128, RejectsTruncatedAndOverflowing) {
  Bytes truncated = {0x80, 0x80};
  ByteReader r1(truncated);
  auto e1 = read_uleb128(r1);
  ASSERT_FALSE(e1.ok());
  EXPECT_NE(e1.error().message().find("unexpected end"), std::string::npos);

  Bytes too_big = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};  // 2^64 + ...
  ByteReader r2(too_big);
  auto e2 = read_uleb128(r2);
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.error().message().find("exceeds 64 bits"), std::string::npos);

  Bytes sneg = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e};  // -2^64
  ByteReader r3(sneg);
  EXPECT_FALSE(read_sleb128(r3).ok());

  Bytes long_big(100, 0x80);
  long_big.push_back(0x01);
  ByteReader r4(long_big);
  auto e4 = read_uleb128_big(r4, 64);
  ASSERT_FALSE(e4.ok());
  EXPECT_NE(e4.error().message().find("longer than 64 bytes"), std::string::npos);
}

}  // namespace
}  // namespace chorus
