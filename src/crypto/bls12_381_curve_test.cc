#include "crypto/bls12_381_curve.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/bls12_381_test_util.h"

namespace chorus::bls12_381 {
namespace {

constexpr std::string_view kG1GeneratorCompressed =
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
constexpr std::string_view kG2GeneratorCompressed =
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8";

template <typename T>
std::string error_of(const Result<T>& r) {
  return r.ok() ? "(no error)" : r.error().message();
}

TEST(Bls12381Curve, GeneratorsAreValidAndEncodeAsKnown) {
  EXPECT_TRUE(G1::generator().is_on_curve());
  EXPECT_TRUE(G2::generator().is_on_curve());
  EXPECT_TRUE(G1::generator().is_torsion_free());
  EXPECT_TRUE(G2::generator().is_torsion_free());
  EXPECT_FALSE(G1::generator().is_identity());
  EXPECT_EQ(to_hex(g1_to_compressed(G1::generator())), kG1GeneratorCompressed);
  EXPECT_EQ(to_hex(g2_to_compressed(G2::generator())), kG2GeneratorCompressed);
  EXPECT_EQ(*g1_from_compressed(*from_hex(kG1GeneratorCompressed)), G1::generator());
  EXPECT_EQ(*g2_from_compressed(*from_hex(kG2GeneratorCompressed)), G2::generator());
}

template <typename F>
void check_group_laws() {
  using P = Point<F>;
  const P& g = P::generator();
  P a = g.mul(1234567);
  P b = g.mul(7654321);
  EXPECT_EQ(a + b, g.mul(1234567 + 7654321));
  EXPECT_EQ(a + b, b + a);
  EXPECT_EQ(a.dbl(), a + a);
  EXPECT_EQ(a.dbl(), g.mul(2 * 1234567));
  EXPECT_TRUE((a - a).is_identity());
  EXPECT_EQ(a + P::identity(), a);
  EXPECT_EQ(P::identity() + a, a);
  EXPECT_TRUE(P::identity().dbl().is_identity());
  EXPECT_TRUE((a + b).is_on_curve());
  EXPECT_EQ(g.mul_secret(Scalar{1234567, 0, 0, 0}), a);
  Scalar big{0x0123456789abcdef, 0xfedcba9876543210, 0x1122334455667788, 0x0102030405060708};
  EXPECT_EQ(g.mul_secret(big), g.mul(big));
  // (r - 1) g = -g
  Scalar r_minus_1 = kGroupOrder;
  r_minus_1[0] -= 1;
  EXPECT_EQ(g.mul(r_minus_1), -g);
  EXPECT_EQ(g.mul_secret(r_minus_1), -g);
  EXPECT_TRUE(g.mul(kGroupOrder).is_identity());
  // Affine round trip.
  EXPECT_EQ(P::from_affine(a.to_affine()), a);
}

TEST(Bls12381Curve, G1GroupLaws) { check_group_laws<Fp>(); }
TEST(Bls12381Curve, G2GroupLaws) { check_group_laws<Fp2>(); }

TEST(Bls12381Curve, CompressedRoundTrips) {
  for (uint64_t k : {1ULL, 2ULL, 3ULL, 1000ULL, 0xffffffffffffULL}) {
    G1 p = G1::generator().mul(k);
    auto b1 = g1_to_compressed(p);
    EXPECT_EQ(*g1_from_compressed(b1), p);
    EXPECT_EQ(*g1_from_compressed(g1_to_compressed(-p)), -p);
    EXPECT_NE(g1_to_compressed(-p)[0] & 0x20, b1[0] & 0x20);  // only the sign differs
    G2 q = G2::generator().mul(k);
    EXPECT_EQ(*g2_from_compressed(g2_to_compressed(q)), q);
    EXPECT_EQ(*g2_from_compressed(g2_to_compressed(-q)), -q);
  }
  auto inf1 = g1_to_compressed(G1::identity());
  EXPECT_EQ(to_hex(inf1), "c0" + std::string(94, '0'));
  EXPECT_TRUE(g1_from_compressed(inf1)->is_identity());
  auto inf2 = g2_to_compressed(G2::identity());
  EXPECT_EQ(to_hex(inf2), "c0" + std::string(190, '0'));
  EXPECT_TRUE(g2_from_compressed(inf2)->is_identity());
}

// The endomorphism tests agree with multiplying by r, on subgroup points and on points of E and
// E' outside the subgroup.
TEST(Bls12381Curve, FastSubgroupChecksMatchMultiplicationByR) {
  int outside = 0;
  for (uint64_t i = 1; i < 12; ++i) {
    G1 g1 = G1::generator().mul(i * 0x1234567);
    EXPECT_TRUE(g1.is_torsion_free());
    G2 g2 = G2::generator().mul(i * 0x1234567);
    EXPECT_TRUE(g2.is_torsion_free());
    Fp x = Fp::from_u64(i);
    if (std::optional<Fp> y = (x.square() * x + G1::curve_b()).sqrt()) {
      G1 p = G1::from_affine(x, *y);
      EXPECT_EQ(p.is_torsion_free(), p.mul(kGroupOrder).is_identity()) << "G1 x = " << i;
      outside += !p.is_torsion_free();
      // [r] p is purely in the cofactor part; so is its sum with a subgroup point.
      G1 t = p.mul(kGroupOrder);
      EXPECT_EQ(t.is_torsion_free(), t.is_identity());
      EXPECT_EQ((t + g1).is_torsion_free(), t.is_identity());
    }
    Fp2 x2{Fp::from_u64(i), Fp::one()};
    if (std::optional<Fp2> y = (x2.square() * x2 + G2::curve_b()).sqrt()) {
      G2 q = G2::from_affine(x2, *y);
      EXPECT_EQ(q.is_torsion_free(), q.mul(kGroupOrder).is_identity()) << "G2 x = " << i;
      outside += !q.is_torsion_free();
      G2 t = q.mul(kGroupOrder);
      EXPECT_EQ(t.is_torsion_free(), t.is_identity());
      EXPECT_EQ((t + g2).is_torsion_free(), t.is_identity());
    }
  }
  EXPECT_GT(outside, 4);
}

TEST(Bls12381Curve, G1DecodingRefusesBadInput) {
  Bytes good = *from_hex(kG1GeneratorCompressed);
  EXPECT_EQ(error_of(g1_from_compressed(ByteView(good).subspan(1))),
            "G1 point: expected 48 bytes, got 47");
  Bytes b = good;
  b[0] &= 0x7f;
  EXPECT_NE(error_of(g1_from_compressed(b)).find("compression flag not set"), std::string::npos);
  Bytes inf(48, 0);
  inf[0] = 0xc0;
  inf[47] = 1;
  EXPECT_NE(error_of(g1_from_compressed(inf)).find("infinity flag set"), std::string::npos);
  inf[47] = 0;
  inf[0] = 0xe0;
  EXPECT_NE(error_of(g1_from_compressed(inf)).find("infinity flag set"), std::string::npos);
  // x = p.
  Bytes too_big = *from_hex(
      "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab");
  too_big[0] |= 0x80;
  EXPECT_EQ(error_of(g1_from_compressed(too_big)), "G1 point: x is not below the field modulus");
  // Small x: some are off the curve, the others on E but (almost surely) outside G1.
  bool saw_off_curve = false, saw_outside_subgroup = false;
  for (uint8_t x = 1; x < 20; ++x) {
    Bytes enc(48, 0);
    enc[0] = 0x80;
    enc[47] = x;
    std::string err = error_of(g1_from_compressed(enc));
    if (err == "G1 point: x is not the coordinate of a point on the curve") saw_off_curve = true;
    else if (err == "G1 point: not in the prime-order subgroup") saw_outside_subgroup = true;
    else ADD_FAILURE() << "x = " << int(x) << ": " << err;
  }
  EXPECT_TRUE(saw_off_curve);
  EXPECT_TRUE(saw_outside_subgroup);
}

TEST(Bls12381Curve, G2DecodingRefusesBadInput) {
  Bytes good = *from_hex(kG2GeneratorCompressed);
  EXPECT_EQ(error_of(g2_from_compressed(ByteView(good).subspan(0, 48))),
            "G2 point: expected 96 bytes, got 48");
  Bytes b = good;
  b[0] &= 0x7f;
  EXPECT_NE(error_of(g2_from_compressed(b)).find("compression flag not set"), std::string::npos);
  Bytes p = *from_hex(
      "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab");
  Bytes bad_c1 = good;
  std::copy(p.begin(), p.end(), bad_c1.begin());
  bad_c1[0] |= 0x80;
  EXPECT_EQ(error_of(g2_from_compressed(bad_c1)), "G2 point: x.c1 is not below the field modulus");
  Bytes bad_c0 = good;
  std::copy(p.begin(), p.end(), bad_c0.begin() + 48);
  EXPECT_EQ(error_of(g2_from_compressed(bad_c0)), "G2 point: x.c0 is not below the field modulus");
  bool saw_off_curve = false, saw_outside_subgroup = false;
  for (uint8_t x = 1; x < 20; ++x) {
    Bytes enc(96, 0);
    enc[0] = 0x80;
    enc[95] = x;
    std::string err = error_of(g2_from_compressed(enc));
    if (err == "G2 point: x is not the coordinate of a point on the curve") saw_off_curve = true;
    else if (err == "G2 point: not in the prime-order subgroup") saw_outside_subgroup = true;
    else ADD_FAILURE() << "x = " << int(x) << ": " << err;
  }
  EXPECT_TRUE(saw_off_curve);
  EXPECT_TRUE(saw_outside_subgroup);
}

}  // namespace
}  // namespace chorus::bls12_381
