#include "crypto/threshold_bls.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/bls12_381_signature.h"

namespace chorus::threshold {
namespace {

using bls12_381::SeededRandom;

constexpr std::string_view kMessage = "\x0D" "ic-state-root and then some";

Dealt deal_or_die(uint32_t t, uint32_t n, std::string_view seed) {
  SeededRandom rng(as_bytes(seed));
  Result<Dealt> dealt = deal(t, n, rng);
  EXPECT_TRUE(dealt.ok()) << dealt.error().message();
  return std::move(dealt).value();
}

std::vector<SignatureShare> sign_all(const Dealt& dealt, ByteView message) {
  std::vector<SignatureShare> out;
  for (const SecretShare& s : dealt.shares) out.push_back(sign_share(s, message));
  return out;
}

// The secret, which only a test may reconstruct.
Fr reconstruct_secret(std::span<const SecretShare> shares) {
  std::vector<NodeIndex> indices;
  for (const SecretShare& s : shares) indices.push_back(s.index);
  std::vector<Fr> lambdas = *lagrange_coefficients_at_zero(indices);
  Fr out;
  for (size_t i = 0; i < shares.size(); ++i) out += lambdas[i] * shares[i].value;
  return out;
}

TEST(ThresholdBls, SharePublicKeysFollowFromTheCommitments) {
  Dealt dealt = deal_or_die(3, 5, "share keys");
  ASSERT_EQ(dealt.public_coefficients.threshold(), 3u);
  ASSERT_EQ(dealt.shares.size(), 5u);
  for (const SecretShare& s : dealt.shares) {
    EXPECT_EQ(G2::generator().mul_secret(s.value.to_scalar()),
              dealt.public_coefficients.share_public_key(s.index));
  }
  // Horner's rule agrees with the sum of i^k C_k, also for a large index.
  for (NodeIndex i : {NodeIndex{7}, NodeIndex{1000003}, NodeIndex{0x80000000}}) {
    G2 expected;
    Fr power = Fr::one();
    for (const G2& c : dealt.public_coefficients.coefficients()) {
      expected += c.mul(power.to_scalar());
      power *= Fr::from_u64(i);
    }
    EXPECT_EQ(dealt.public_coefficients.share_public_key(i), expected) << i;
  }
  // A wrong share is caught by the same check.
  EXPECT_NE(G2::generator().mul_secret((dealt.shares[0].value + Fr::one()).to_scalar()),
            dealt.public_coefficients.share_public_key(1));
  // Any t shares interpolate to the secret behind C_0.
  Fr secret = reconstruct_secret(std::span(dealt.shares).subspan(2, 3));
  EXPECT_EQ(G2::generator().mul_secret(secret.to_scalar()),
            dealt.public_coefficients.group_public_key_point());
}

TEST(ThresholdBls, AnyThresholdSharesSignForTheGroup) {
  Dealt dealt = deal_or_die(3, 5, "any t");
  std::vector<SignatureShare> shares = sign_all(dealt, as_bytes(kMessage));
  for (const SignatureShare& s : shares) {
    Status ok = verify_signature_share(s, as_bytes(kMessage), dealt.public_coefficients);
    EXPECT_TRUE(ok.ok()) << ok.error().message();
  }
  bls12_381::PublicKey group_key = dealt.public_coefficients.group_public_key();
  // The same group signature as the secret itself would make.
  Fr secret = reconstruct_secret(dealt.shares);
  bls12_381::Signature expected =
      bls12_381::SecretKey::from_bytes(secret.to_bytes())->sign(as_bytes(kMessage));

  int subsets = 0;
  for (uint32_t a = 0; a < 5; ++a) {
    for (uint32_t b = a + 1; b < 5; ++b) {
      for (uint32_t c = b + 1; c < 5; ++c) {
        std::vector<SignatureShare> subset = {shares[c], shares[a], shares[b]};
        Result<bls12_381::Signature> sig = combine_signatures(subset, 3);
        ASSERT_TRUE(sig.ok()) << sig.error().message();
        EXPECT_EQ(*sig, expected);
        ++subsets;
      }
    }
  }
  EXPECT_EQ(subsets, 10);
  EXPECT_TRUE(bls12_381::verify(expected, as_bytes(kMessage), group_key).ok());

  Result<bls12_381::Signature> checked =
      combine_verified_signatures(shares, as_bytes(kMessage), dealt.public_coefficients);
  ASSERT_TRUE(checked.ok()) << checked.error().message();
  EXPECT_EQ(*checked, expected);
}

TEST(ThresholdBls, FewerThanThresholdSharesDoNotSign) {
  Dealt dealt = deal_or_die(4, 7, "t - 1");
  std::vector<SignatureShare> shares = sign_all(dealt, as_bytes(kMessage));
  bls12_381::PublicKey group_key = dealt.public_coefficients.group_public_key();
  std::vector<SignatureShare> three(shares.begin(), shares.begin() + 3);
  Result<G1> interpolated = interpolate_signature(three);
  ASSERT_TRUE(interpolated.ok());
  EXPECT_FALSE(bls12_381::verify(bls12_381::g1_to_compressed(*interpolated), as_bytes(kMessage),
                                 group_key)
                   .ok());
  std::vector<SignatureShare> four(shares.begin() + 3, shares.end());
  Result<G1> enough = interpolate_signature(four);
  ASSERT_TRUE(enough.ok());
  EXPECT_TRUE(bls12_381::verify(bls12_381::g1_to_compressed(*enough), as_bytes(kMessage),
                                group_key)
                  .ok());

  Result<bls12_381::Signature> refused = combine_signatures(three, 4);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(), "combine: 3 signature shares, threshold 4");
}

TEST(ThresholdBls, RefusesDuplicatesIndexZeroAndInvalidShares) {
  Dealt dealt = deal_or_die(2, 4, "refusals");
  std::vector<SignatureShare> shares = sign_all(dealt, as_bytes(kMessage));

  std::vector<SignatureShare> duplicate = {shares[1], shares[2], shares[1]};
  Result<bls12_381::Signature> dup = combine_signatures(duplicate, 2);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message(), "duplicate share 2");

  SignatureShare zero = shares[0];
  zero.index = 0;
  std::vector<SignatureShare> with_zero = {zero, shares[1]};
  EXPECT_FALSE(combine_signatures(with_zero, 2).ok());

  // Share 3 signs another message: its own check and the combination name it.
  std::vector<SignatureShare> tampered = shares;
  tampered[2] = sign_share(dealt.shares[2], as_bytes("another message"));
  Status bad = verify_signature_share(tampered[2], as_bytes(kMessage), dealt.public_coefficients);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "signature share 3 does not verify");
  Result<bls12_381::Signature> combined =
      combine_verified_signatures(tampered, as_bytes(kMessage), dealt.public_coefficients);
  ASSERT_FALSE(combined.ok());
  EXPECT_EQ(combined.error().message(), "signature share 3 does not verify");

  // A share claiming another index fails as well.
  SignatureShare moved = shares[0];
  moved.index = 4;
  EXPECT_FALSE(verify_signature_share(moved, as_bytes(kMessage), dealt.public_coefficients).ok());

  Result<SignatureShare> garbage = SignatureShare::from_bytes(7, Bytes(48, 0x00));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().message().rfind("share 7: BLS signature: G1 point:", 0), 0u)
      << garbage.error().message();
  Result<SignatureShare> round_trip = SignatureShare::from_bytes(1, shares[0].to_bytes());
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(round_trip->signature, shares[0].signature);
}

TEST(ThresholdBls, CombineUsesTheLowestIndices) {
  Dealt dealt = deal_or_die(2, 5, "lowest");
  std::vector<SignatureShare> shares = sign_all(dealt, as_bytes(kMessage));
  // Share 5 is garbage, but only shares 1 and 2 are used.
  shares[4].signature = G1::generator();
  std::vector<SignatureShare> reversed(shares.rbegin(), shares.rend());
  Result<bls12_381::Signature> sig = combine_signatures(reversed, 2);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(bls12_381::verify(*sig, as_bytes(kMessage),
                                dealt.public_coefficients.group_public_key())
                  .ok());
}

TEST(ThresholdBls, DealRefusesImpossibleParameters) {
  SeededRandom rng(as_bytes("params"));
  Result<Dealt> zero = deal(0, 3, rng);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().message(), "deal: the threshold must be at least 1");
  Result<Dealt> over = deal(4, 3, rng);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().message(), "deal: threshold 4 exceeds the 3 nodes");
  // 1 of 1 is plain BLS.
  Result<Dealt> single = deal(1, 1, rng);
  ASSERT_TRUE(single.ok());
  SignatureShare s = sign_share(single->shares[0], as_bytes(kMessage));
  EXPECT_TRUE(bls12_381::verify(*combine_signatures(std::span(&s, 1), 1), as_bytes(kMessage),
                                single->public_coefficients.group_public_key())
                  .ok());
}

TEST(ThresholdBls, PublicCoefficientsEncoding) {
  Dealt dealt = deal_or_die(3, 3, "encoding");
  Bytes wire = dealt.public_coefficients.encode();
  ASSERT_EQ(wire.size(), 3u * 96);
  Result<PublicCoefficients> decoded = PublicCoefficients::decode(wire);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(*decoded, dealt.public_coefficients);

  Result<PublicCoefficients> short_wire = PublicCoefficients::decode(ByteView(wire).first(100));
  ASSERT_FALSE(short_wire.ok());
  EXPECT_EQ(short_wire.error().message(),
            "public coefficients: expected a positive multiple of 96 bytes, got 100");
  EXPECT_FALSE(PublicCoefficients::decode({}).ok());

  Bytes bad = wire;
  bad[96 + 5] ^= 0x01;  // coefficient 1's x no longer (likely) on the curve or in G2
  Result<PublicCoefficients> off = PublicCoefficients::decode(bad);
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().message().rfind("public coefficients: coefficient 1: G2 point:", 0), 0u)
      << off.error().message();

  Bytes identity_key = wire;
  std::fill(identity_key.begin(), identity_key.begin() + 96, 0);
  identity_key[0] = 0xc0;
  Result<PublicCoefficients> identity = PublicCoefficients::decode(identity_key);
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.error().message(),
            "public coefficients: the group public key (coefficient 0) is the identity");
}

TEST(ThresholdBls, LagrangeCoefficients) {
  std::vector<NodeIndex> indices = {2, 5, 7, 11};
  std::vector<Fr> l = *lagrange_coefficients_at_zero(indices);
  // They interpolate constants exactly, and x at 0 gives 0.
  Fr sum, weighted;
  for (size_t i = 0; i < l.size(); ++i) {
    sum += l[i];
    weighted += l[i] * Fr::from_u64(indices[i]);
  }
  EXPECT_EQ(sum, Fr::one());
  EXPECT_TRUE(weighted.is_zero());
  // Two points 1, 2: lambda_1 = 2, lambda_2 = -1.
  std::vector<NodeIndex> two = {1, 2};
  std::vector<Fr> l2 = *lagrange_coefficients_at_zero(two);
  EXPECT_EQ(l2[0], Fr::from_u64(2));
  EXPECT_EQ(l2[1], -Fr::one());
  EXPECT_FALSE(lagrange_coefficients_at_zero({}).ok());
}

TEST(ThresholdBls, MultiMulMatchesOneByOne) {
  SeededRandom rng(as_bytes("msm"));
  std::vector<Fr> scalars;
  std::vector<G1> g1;
  std::vector<G2> g2;
  G1 expected1;
  G2 expected2;
  for (int i = 0; i < 5; ++i) {
    scalars.push_back(*Fr::random(rng));
    g1.push_back(G1::generator().mul(static_cast<uint64_t>(i + 3)));
    g2.push_back(G2::generator().mul(static_cast<uint64_t>(i + 7)));
    expected1 += g1.back().mul(scalars.back().to_scalar());
    expected2 += g2.back().mul(scalars.back().to_scalar());
  }
  EXPECT_EQ(multi_mul_public(scalars, std::span<const G1>(g1)), expected1);
  EXPECT_EQ(multi_mul_public(scalars, std::span<const G2>(g2)), expected2);
}

}  // namespace
}  // namespace chorus::threshold
