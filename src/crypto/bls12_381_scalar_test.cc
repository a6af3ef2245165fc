#include "crypto/bls12_381_scalar.h"

#include <gtest/gtest.h>

#include <string>

#include "base/hex.h"

namespace chorus::bls12_381 {
namespace {

// r - 1, big-endian.
constexpr std::string_view kRMinus1Hex =
    "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000";

Fr scalar_from_seed(int seed) {
  SeededRandom rng(as_bytes("scalar-" + std::to_string(seed)));
  return *Fr::random(rng);
}

// Always the same bytes: lets a test steer rejection sampling.
class FixedRandom final : public RandomSource {
 public:
  explicit FixedRandom(uint8_t byte) : byte_(byte) {}
  Status fill(std::span<uint8_t> out) override {
    for (uint8_t& b : out) b = byte_;
    return ok_status();
  }

 private:
  uint8_t byte_;
};

TEST(Fr, BytesRoundTripAndRange) {
  Result<Bytes> r_minus_1 = from_hex(kRMinus1Hex);
  ASSERT_TRUE(r_minus_1.ok());
  Result<Fr> a = Fr::from_bytes(*r_minus_1);
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(to_hex(a->to_bytes()), kRMinus1Hex);
  EXPECT_EQ(*a, -Fr::one());
  EXPECT_TRUE((*a + Fr::one()).is_zero());

  Bytes r = *r_minus_1;
  r.back() = 0x01;
  Result<Fr> too_big = Fr::from_bytes(r);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().message(), "scalar: not below the group order");
  Result<Fr> short_input = Fr::from_bytes(Bytes(31, 0));
  ASSERT_FALSE(short_input.ok());
  EXPECT_EQ(short_input.error().message(), "scalar: expected 32 bytes, got 31");

  EXPECT_EQ(Fr::from_u64(0x0102).to_bytes()[31], 0x02);
  EXPECT_EQ(Fr::from_u64(0x0102).to_bytes()[30], 0x01);
  EXPECT_FALSE(Fr::from_scalar(kGroupOrder).has_value());
}

TEST(Fr, FieldLaws) {
  for (int i = 0; i < 20; ++i) {
    Fr a = scalar_from_seed(3 * i);
    Fr b = scalar_from_seed(3 * i + 1);
    Fr c = scalar_from_seed(3 * i + 2);
    EXPECT_EQ(a * (b + c), a * b + a * c);
    EXPECT_EQ((a - b) + b, a);
    EXPECT_EQ(a * Fr::one(), a);
    EXPECT_EQ(a * a.inverse(), Fr::one());
    EXPECT_EQ((a * b) * c, a * (b * c));
  }
  EXPECT_TRUE(Fr::zero().inverse().is_zero());
  EXPECT_EQ(Fr::from_u64(2).inverse() * Fr::from_u64(6), Fr::from_u64(3));
}

// The curve's own scalar multiplication is an independent referee for Fr's arithmetic.
TEST(Fr, AgreesWithTheGroupOrder) {
  const G1& g = G1::generator();
  for (int i = 0; i < 4; ++i) {
    Fr a = scalar_from_seed(100 + i), b = scalar_from_seed(200 + i);
    EXPECT_EQ(g.mul((a + b).to_scalar()), g.mul(a.to_scalar()) + g.mul(b.to_scalar()));
    EXPECT_EQ(g.mul((a * b).to_scalar()), g.mul(a.to_scalar()).mul(b.to_scalar()));
    EXPECT_EQ(g.mul((a - b).to_scalar()), g.mul(a.to_scalar()) - g.mul(b.to_scalar()));
  }
}

TEST(Fr, RandomIsDeterministicPerSeedAndRejectsOutOfRange) {
  SeededRandom a(as_bytes("seed")), b(as_bytes("seed")), c(as_bytes("other"));
  Fr x = *Fr::random(a);
  EXPECT_EQ(x, *Fr::random(b));
  EXPECT_NE(x, *Fr::random(c));
  EXPECT_NE(x, *Fr::random(a));  // the stream moves on

  // 0x7fff...ff is above r after the top bit is cleared: every candidate is rejected.
  FixedRandom high(0xff);
  Result<Fr> refused = Fr::random(high);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("above the group order"), std::string::npos)
      << refused.error().message();

  FixedRandom low(0x11);
  Result<Fr> accepted = Fr::random(low);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message();
  EXPECT_EQ(to_hex(accepted->to_bytes()), std::string(64, '1'));

  FixedRandom zero(0x00);
  EXPECT_FALSE(Fr::random_nonzero(zero).ok());

  OsRandom os;
  Fr o1 = *Fr::random_nonzero(os), o2 = *Fr::random_nonzero(os);
  EXPECT_NE(o1, o2);
}

}  // namespace
}  // namespace chorus::bls12_381
