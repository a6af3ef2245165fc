#include "crypto/signing_key.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/public_key.h"

namespace chorus {
namespace {

Bytes unhex(std::string_view h) { return *from_hex(h); }

// RFC 6979 appendix A.2.5: P-256, the key below, SHA-256.
constexpr std::string_view kRfcSecret =
    "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
constexpr std::string_view kRfcPublicPoint =
    "04"
    "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";

TEST(EcdsaSigningKey, P256MatchesRfc6979Vectors) {
  auto key = EcdsaSigningKey::from_secret(EcdsaSigningKey::Curve::kP256, unhex(kRfcSecret));
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(to_hex(key->public_key().raw()), kRfcPublicPoint);
  struct Case {
    std::string_view message, r, s;
  };
  for (const Case& c : {
           Case{"sample", "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
                "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"},
           Case{"test", "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
                "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"},
       }) {
    Bytes sig = key->sign(as_bytes(c.message));
    EXPECT_EQ(to_hex(sig), std::string(c.r) + std::string(c.s)) << c.message;
    EXPECT_TRUE(verify_basic_signature(key->public_key(), as_bytes(c.message), sig).ok());
  }
}

TEST(EcdsaSigningKey, P256SecretMustBeInRange) {
  using Curve = EcdsaSigningKey::Curve;
  // n, the order of P-256.
  const std::string n = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
  const std::string n_minus_1 = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550";
  const std::string n_plus_1 = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632552";
  const std::string zero(64, '0');
  const std::string one = std::string(63, '0') + "1";
  EXPECT_FALSE(EcdsaSigningKey::from_secret(Curve::kP256, unhex(zero)).ok());
  EXPECT_FALSE(EcdsaSigningKey::from_secret(Curve::kP256, unhex(n)).ok());
  EXPECT_FALSE(EcdsaSigningKey::from_secret(Curve::kP256, unhex(n_plus_1)).ok());
  EXPECT_FALSE(EcdsaSigningKey::from_secret(Curve::kP256, unhex(std::string(64, 'f'))).ok());
  EXPECT_FALSE(EcdsaSigningKey::from_secret(Curve::kP256, unhex(one + "00")).ok());  // 33 bytes
  for (const std::string& ok : {one, n_minus_1, std::string(kRfcSecret)}) {
    auto key = EcdsaSigningKey::from_secret(Curve::kP256, unhex(ok));
    ASSERT_TRUE(key.ok()) << ok;
    Bytes m = to_bytes(std::string_view("in range"));
    EXPECT_TRUE(verify_basic_signature(key->public_key(), m, key->sign(m)).ok()) << ok;
  }
}

TEST(EcdsaSigningKey, SigningIsDeterministicAndDependsOnKeyAndMessage) {
  for (auto curve : {EcdsaSigningKey::Curve::kP256, EcdsaSigningKey::Curve::kSecp256k1}) {
    EcdsaSigningKey a = EcdsaSigningKey::generate(curve);
    EcdsaSigningKey b = EcdsaSigningKey::generate(curve);
    Bytes m1 = to_bytes(std::string_view("message one"));
    Bytes m2 = to_bytes(std::string_view("message two"));
    Bytes sig = a.sign(m1);
    EXPECT_EQ(sig, a.sign(m1));
    EXPECT_NE(sig, a.sign(m2));
    EXPECT_NE(sig, b.sign(m1));
    EXPECT_TRUE(verify_basic_signature(a.public_key(), m1, sig).ok());
    EXPECT_FALSE(verify_basic_signature(b.public_key(), m1, sig).ok());
  }
}

}  // namespace
}  // namespace chorus
