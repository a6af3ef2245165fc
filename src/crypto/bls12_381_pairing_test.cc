#include "crypto/bls12_381_pairing.h"

#include <gtest/gtest.h>

namespace chorus::bls12_381 {
namespace {

TEST(Bls12381Pairing, Bilinearity) {
  const G1& p = G1::generator();
  const G2& q = G2::generator();
  const uint64_t a = 0x9e3779b9, b = 0x7f4a7c15;
  Fp12 e = pairing(p, q);
  Fp12 e_ab = pairing(p.mul(a), q.mul(b));
  const uint64_t ab[2] = {static_cast<uint64_t>(static_cast<u128>(a) * b),
                          static_cast<uint64_t>((static_cast<u128>(a) * b) >> 64)};
  EXPECT_EQ(e_ab, e.pow(ab));
  EXPECT_EQ(pairing(p.mul(a), q), pairing(p, q.mul(a)));
  EXPECT_EQ(pairing(p + p.mul(a), q), e * pairing(p.mul(a), q));
}

TEST(Bls12381Pairing, NonDegenerateOfOrderR) {
  Fp12 e = pairing(G1::generator(), G2::generator());
  EXPECT_FALSE(e.is_one());
  EXPECT_TRUE(e.pow(kGroupOrder).is_one());
  EXPECT_TRUE(pairing(G1::identity(), G2::generator()).is_one());
  EXPECT_TRUE(pairing(G1::generator(), G2::identity()).is_one());
}

TEST(Bls12381Pairing, ProductCheck) {
  const G1& p = G1::generator();
  const G2& q = G2::generator();
  G1 p5 = p.mul(5);
  G2 q5 = q.mul(5);
  // e(5p, q) e(-p, 5q) = 1
  const PairingInput balanced[2] = {{p5.to_affine(), q.to_affine()},
                                    {(-p).to_affine(), q5.to_affine()}};
  EXPECT_TRUE(pairing_product_is_one(balanced));
  const PairingInput unbalanced[2] = {{p5.to_affine(), q.to_affine()},
                                      {(-p).to_affine(), q.mul(6).to_affine()}};
  EXPECT_FALSE(pairing_product_is_one(unbalanced));
  EXPECT_EQ(final_exponentiation(multi_miller_loop(std::span<const PairingInput>(balanced, 1))),
            pairing(p5, q));
}

TEST(Bls12381Pairing, PreparedMatchesUnprepared) {
  G1 p = G1::generator().mul(77);
  G2 q = G2::generator().mul(99);
  G2Prepared prepared(q);
  // One line per doubling and per set bit below the top of |x| (63 + 5).
  EXPECT_EQ(prepared.coefficients().size(), 68u);
  const PreparedPairingInput with_prepared[1] = {{p.to_affine(), &prepared}};
  const PairingInput plain[1] = {{p.to_affine(), q.to_affine()}};
  EXPECT_EQ(multi_miller_loop(with_prepared), multi_miller_loop(plain));

  G2Prepared identity(G2::identity());
  EXPECT_TRUE(identity.is_identity());
  const PreparedPairingInput trivial[2] = {{p.to_affine(), &identity},
                                           {G1::identity().to_affine(), &prepared}};
  EXPECT_TRUE(pairing_product_is_one(trivial));
}

}  // namespace
}  // namespace chorus::bls12_381
