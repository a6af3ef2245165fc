#include "crypto/bls12_381_field.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "crypto/bls12_381_test_util.h"

namespace chorus::bls12_381 {
namespace {

using testing::fp_from_hex;
using testing::hex_of;
using testing::test_fp;
using testing::test_fp12;
using testing::test_fp2;
using testing::test_fp6;

constexpr std::string_view kPHex =
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";

// An independent reference for mont_mul: r is a * b / 2^384 mod p exactly when r < p and
// r * 2^384 = a * b (mod p), checked here with schoolbook products and bit-by-bit reduction.
using Wide = std::array<uint64_t, 12>;

Wide wide_product(const Limbs& a, const Limbs& b) {
  Wide out{};
  for (size_t i = 0; i < 6; ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < 6; ++j) {
      u128 s = static_cast<u128>(a[i]) * b[j] + out[i + j] + carry;
      out[i + j] = static_cast<uint64_t>(s);
      carry = static_cast<uint64_t>(s >> 64);
    }
    out[i + 6] = carry;
  }
  return out;
}

Limbs reference_mod_p(const Wide& v) {
  Limbs rem{};
  for (size_t bit = 768; bit-- > 0;) {
    Limbs doubled{};
    uint64_t carry = detail::add_limbs(doubled, rem, rem);
    doubled[0] |= (v[bit / 64] >> (bit % 64)) & 1;
    rem = detail::reduce_once(doubled, carry);
  }
  return rem;
}

bool limbs_less_than_p(const Limbs& v) {
  Limbs diff{};
  return detail::sub_limbs(diff, v, detail::kP) != 0;
}

bool is_montgomery_product(const Limbs& r, const Limbs& a, const Limbs& b) {
  if (!limbs_less_than_p(r)) return false;
  Wide shifted{};
  for (size_t i = 0; i < 6; ++i) shifted[i + 6] = r[i];
  return reference_mod_p(shifted) == reference_mod_p(wide_product(a, b));
}

// Values below p: the edges (0, 1, 2, (p - 1) / 2, p - 2^k for every k < 64, 2^380, limb patterns
// of all ones and zeros) and then pseudo-random values, many with their top limbs at or near p's.
std::vector<Limbs> mont_mul_inputs() {
  const Limbs& p = detail::kP;
  std::vector<Limbs> out = {
      Limbs{}, Limbs{1}, Limbs{2}, detail::sub_small(p, 1), detail::sub_small(p, 2),
      detail::div_small(detail::sub_small(p, 1), 2), Limbs{0, 0, 0, 0, 0, p[5] - 1},
      Limbs{~0ull, ~0ull, ~0ull, ~0ull, ~0ull, p[5] - 1}, Limbs{~0ull, 0, ~0ull, 0, ~0ull, 0},
      Limbs{0, 0, 0, 0, 0, uint64_t{1} << 60}, Limbs{~0ull, ~0ull, ~0ull, ~0ull, ~0ull, 0},
  };
  for (int k = 0; k < 64; ++k) out.push_back(detail::sub_small(p, uint64_t{1} << k));
  std::mt19937_64 rng(381);
  while (out.size() < 600) {
    Limbs v{};
    for (uint64_t& limb : v) limb = rng();
    if (out.size() % 3 == 0) {
      v[5] %= p[5] + 1;  // anywhere below p
    } else if (out.size() % 3 == 1) {
      v[5] = p[5];  // just below p
      v[4] = p[4] - (rng() & 1);
    } else {
      v[5] = p[5] - 1;  // top limb one below p's
    }
    if (limbs_less_than_p(v)) out.push_back(v);
  }
  return out;
}

TEST(Bls12381Fp, MontMulPathsMatchReference) {
  std::vector<Limbs> inputs = mont_mul_inputs();
  size_t checked = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    // Every pair among the edge values, then each random value with a few others.
    for (size_t j = i; j < inputs.size() && (i < 75 || j < i + 4); ++j) {
      const Limbs& a = inputs[i];
      const Limbs& b = inputs[j];
      Limbs portable = detail::mont_mul_portable(a, b);
      ASSERT_TRUE(is_montgomery_product(portable, a, b)) << i << " " << j;
      ASSERT_EQ(detail::mont_mul_portable(b, a), portable);
      ASSERT_EQ(detail::mont_mul(a, b), portable);
#if defined(CHORUS_BLS_MULX_ADX)
      if (detail::g_cpu_has_mulx_adx) {
        ASSERT_EQ(detail::mont_mul_mulx_adx(a, b), portable) << i << " " << j;
        ASSERT_EQ(detail::mont_mul_mulx_adx(b, a), portable) << i << " " << j;
      }
#endif
      ++checked;
    }
  }
  EXPECT_GT(checked, 4000u);
}

// Expected values computed independently with Python integers.
TEST(Bls12381Fp, KnownAnswers) {
  Fp a = fp_from_hex(
      "0ba14bd907ad64a016293ee7c2d276b8eae71f25a4b941ee"
      "ce7b0d89f17f75cb3ae5438a614fb61d6835ad59f29c564f");
  Fp b = fp_from_hex(
      "160003aaf1632b13396dbad518effa00fff532f604de1a7f"
      "c2082ff4cb0afa2d63b2c32da1bef2bf6c5ca62dc6b72f9c");
  EXPECT_EQ(hex_of(a * b),
            "134b8131748cda0a7d38bb6c2277ddd53f9533c73a2f6531"
            "c486ff82ee0b4825ac48f974685876dceca4913d276bd0d6");
  EXPECT_EQ(hex_of(a.inverse()),
            "031752f5a167d8239b4cfa0a195dfd4f449eb36b4f7cbb28"
            "4c9edfda3493f7c83b8742adef89101028649a546420767f");
  EXPECT_EQ(hex_of(a - b),
            "0fa25a184fca202727d72bc8ed2e298f4f6937b493603a2e"
            "73a3b0361d2571c1f5de805b70e4c35db5d8072c2be4d15e");
  EXPECT_EQ(hex_of(a + b),
            "07a03d99bf90a919047b52069876c3e286650696b61249af"
            "29526addc5d979d47fec06b951baa8dd1a935387b953db40");
  Bytes ones(64, 0xff);
  EXPECT_EQ(hex_of(Fp::from_bytes_reduce(ones)),
            "02cb5d3a884e56c4fab7cd07ee4e16bc15efebb5d396d7cf"
            "82383087033108464532383fa8eaff4e967d3988a62b6c9c");
}

TEST(Bls12381Fp, BytesRoundTripAndRangeCheck) {
  Bytes p = *from_hex(kPHex);
  EXPECT_FALSE(Fp::from_bytes(p).has_value());
  p.back() -= 1;  // p - 1
  std::optional<Fp> p_minus_1 = Fp::from_bytes(p);
  ASSERT_TRUE(p_minus_1.has_value());
  EXPECT_EQ(*p_minus_1 + Fp::one(), Fp::zero());
  EXPECT_EQ(*p_minus_1, -Fp::one());
  EXPECT_EQ(to_hex(p_minus_1->to_bytes()), to_hex(p));
  EXPECT_FALSE(Fp::from_bytes(Bytes(47, 0)).has_value());
  Fp a = test_fp(1);
  EXPECT_EQ(*Fp::from_bytes(a.to_bytes()), a);
}

TEST(Bls12381Fp, FieldLaws) {
  for (int i = 0; i < 20; ++i) {
    Fp a = test_fp(i), b = test_fp(i + 100), c = test_fp(i + 200);
    EXPECT_EQ((a + b) * c, a * c + b * c);
    EXPECT_EQ(a * b, b * a);
    EXPECT_EQ((a - b) + b, a);
    EXPECT_EQ(a * a.inverse(), Fp::one());
  }
  EXPECT_EQ(Fp::zero().inverse(), Fp::zero());
}

TEST(Bls12381Fp, SqrtAndSigns) {
  int squares = 0;
  for (int i = 0; i < 20; ++i) {
    Fp a = test_fp(i);
    std::optional<Fp> r = a.square().sqrt();
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(*r == a || *r == -a);
    EXPECT_TRUE(a.square().is_square());
    std::optional<Fp> s = a.sqrt();
    EXPECT_EQ(s.has_value(), a.is_square());
    if (s) {
      EXPECT_EQ(s->square(), a);
    }
    squares += s.has_value();
  }
  EXPECT_GT(squares, 0);
  EXPECT_LT(squares, 20);
  EXPECT_FALSE((-Fp::one()).is_square());  // p = 3 mod 4
  EXPECT_TRUE(Fp::zero().is_square());

  EXPECT_FALSE(Fp::zero().sgn0());
  EXPECT_TRUE(Fp::one().sgn0());
  EXPECT_FALSE((-Fp::one()).sgn0());  // p - 1 is even
  EXPECT_FALSE(Fp::one().lexicographically_largest());
  EXPECT_TRUE((-Fp::one()).lexicographically_largest());
  Fp half = Fp::from_u64(2).inverse();  // (p + 1) / 2, just above (p - 1) / 2
  EXPECT_TRUE(half.lexicographically_largest());
  EXPECT_FALSE((half - Fp::one()).lexicographically_largest());
}

TEST(Bls12381Fp2, ProductPathsAgree) {
  // The operators take the MULX/ADX path where the CPU has it; the portable one must agree, and
  // both must agree with the schoolbook product.
  for (int i = 0; i < 40; ++i) {
    Fp2 a = test_fp2(i), b = test_fp2(i + 100);
    Fp2 schoolbook{a.c0 * b.c0 - a.c1 * b.c1, a.c0 * b.c1 + a.c1 * b.c0};
    EXPECT_EQ(a * b, schoolbook);
    EXPECT_EQ(detail::fp2_mul_portable(a, b), schoolbook);
    EXPECT_EQ(a.square(), a * a);
    EXPECT_EQ(detail::fp2_square_portable(a), a * a);
  }
}

TEST(Bls12381Fp2, ArithmeticAndSqrt) {
  Fp2 u{Fp::zero(), Fp::one()};
  EXPECT_EQ(u.square(), -Fp2::one());
  int squares = 0;
  for (int i = 0; i < 40; ++i) {
    Fp2 a = test_fp2(i), b = test_fp2(i + 50);
    EXPECT_EQ(a * b, b * a);
    EXPECT_EQ(a.square(), a * a);
    EXPECT_EQ(a * a.inverse(), Fp2::one());
    EXPECT_EQ(a.mul_by_xi(), a * (Fp2{Fp::one(), Fp::one()}));
    std::optional<Fp2> r = a.square().sqrt();
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(*r == a || *r == -a);
    std::optional<Fp2> s = a.sqrt();
    if (s) {
      EXPECT_EQ(s->square(), a);
    }
    squares += s.has_value();
  }
  EXPECT_GT(squares, 0);
  EXPECT_LT(squares, 40);
  // Elements of Fp are squares in Fp2, including Fp's non-squares.
  for (Fp c : {-Fp::one(), Fp::from_u64(11), -Fp::from_u64(11)}) {
    std::optional<Fp2> r = Fp2{c, Fp::zero()}.sqrt();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->square(), (Fp2{c, Fp::zero()}));
  }
}

TEST(Bls12381Fp6Fp12, InversesAndTowerRelations) {
  for (int i = 0; i < 3; ++i) {
    Fp6 a = test_fp6(i), b = test_fp6(i + 10);
    EXPECT_EQ(a * a.inverse(), Fp6::one());
    EXPECT_EQ(a * b, b * a);
    Fp6 v{Fp2::zero(), Fp2::one(), Fp2::zero()};
    EXPECT_EQ(a.mul_by_v(), a * v);
    Fp12 x = test_fp12(i), y = test_fp12(i + 10), z = test_fp12(i + 20);
    EXPECT_EQ(x * x.inverse(), Fp12::one());
    EXPECT_EQ((x * y) * z, x * (y * z));
  }
  // w^6 = xi.
  Fp12 w{Fp6::zero(), Fp6::one()};
  Fp12 w6 = w.square().square() * w.square();
  EXPECT_EQ(w6, (Fp12{{Fp2{Fp::one(), Fp::one()}, Fp2::zero(), Fp2::zero()}, Fp6::zero()}));
}

TEST(Bls12381Fp12, SpecialisedProductsMatchGeneric) {
  for (int i = 0; i < 3; ++i) {
    Fp12 x = test_fp12(i);
    EXPECT_EQ(x.square(), x * x);
    Fp2 a = test_fp2(100 + i), b = test_fp2(200 + i), c = test_fp2(300 + i);
    Fp12 line{{a, b, Fp2::zero()}, {Fp2::zero(), c, Fp2::zero()}};
    EXPECT_EQ(x.mul_by_line(a, b, c), x * line);
    // x^((p^6 - 1)(p^2 + 1)) lies in the cyclotomic subgroup.
    Fp12 m = x.conjugate() * x.inverse();
    m = m.frobenius().frobenius() * m;
    EXPECT_EQ(m.cyclotomic_square(), m.square());
    EXPECT_NE(x.cyclotomic_square(), x.square());  // the shortcut needs the subgroup
  }
}

TEST(Bls12381Fp12, FrobeniusIsPowerP) {
  Bytes p_bytes = *from_hex(kPHex);
  std::array<uint64_t, 6> p{};
  for (size_t i = 0; i < 48; ++i) {
    p[(47 - i) / 8] |= static_cast<uint64_t>(p_bytes[i]) << (8 * ((47 - i) % 8));
  }
  Fp12 x = test_fp12(7);
  EXPECT_EQ(x.frobenius(), x.pow(p));
  // Frobenius^6 is conjugation.
  Fp12 f = x;
  for (int i = 0; i < 6; ++i) f = f.frobenius();
  EXPECT_EQ(f, x.conjugate());
}

}  // namespace
}  // namespace chorus::bls12_381
