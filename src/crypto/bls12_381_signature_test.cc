#include "crypto/bls12_381_signature.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/bls12_381_hash.h"

namespace chorus::bls12_381 {
namespace {

SecretKey test_key(uint8_t seed) {
  Bytes b(32, seed);
  b[0] = 0x1f;  // below r
  return *SecretKey::from_bytes(b);
}

TEST(Bls12381Signature, SecretKeyRange) {
  EXPECT_FALSE(SecretKey::from_bytes(Bytes(32, 0)).ok());
  EXPECT_FALSE(SecretKey::from_bytes(Bytes(31, 1)).ok());
  Bytes r = *from_hex("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
  EXPECT_FALSE(SecretKey::from_bytes(r).ok());
  r.back() = 0;  // r - 1
  EXPECT_TRUE(SecretKey::from_bytes(r).ok());
  Bytes one(32, 0);
  one.back() = 1;
  EXPECT_EQ(SecretKey::from_bytes(one)->public_key(), g2_to_compressed(G2::generator()));
}

TEST(Bls12381Signature, SignVerifyRoundTrip) {
  SecretKey sk = test_key(0x42);
  PublicKey pk = sk.public_key();
  Bytes msg = to_bytes("hello, internet computer");
  Signature sig = sk.sign(msg);
  Status ok = verify(sig, msg, pk);
  EXPECT_TRUE(ok.ok()) << ok.error().message();

  // Signing is sk * H(m) with the ciphersuite's DST.
  Bytes one(32, 0);
  one.back() = 1;
  EXPECT_EQ(SecretKey::from_bytes(one)->sign(msg),
            g1_to_compressed(hash_to_g1(msg, as_bytes(kSignatureDst))));
}

TEST(Bls12381Signature, WrongMessageKeyOrSignatureRefused) {
  SecretKey sk = test_key(0x42);
  PublicKey pk = sk.public_key();
  Bytes msg = to_bytes("hello, internet computer");
  Signature sig = sk.sign(msg);

  Status wrong_msg = verify(sig, to_bytes("hello, internet computer!"), pk);
  ASSERT_FALSE(wrong_msg.ok());
  EXPECT_EQ(wrong_msg.error().message(), "BLS signature does not verify");

  Status wrong_key = verify(sig, msg, test_key(0x43).public_key());
  EXPECT_FALSE(wrong_key.ok());

  Signature other = test_key(0x43).sign(msg);
  EXPECT_FALSE(verify(other, msg, pk).ok());

  Bytes truncated(sig.begin(), sig.end() - 1);
  Status bad_len = verify(truncated, msg, pk);
  ASSERT_FALSE(bad_len.ok());
  EXPECT_EQ(bad_len.error().message(), "BLS signature: G1 point: expected 48 bytes, got 47");

  Status identity_key = verify(sig, msg, g2_to_compressed(G2::identity()));
  ASSERT_FALSE(identity_key.ok());
  EXPECT_EQ(identity_key.error().message(), "BLS public key: the identity is not a valid key");

  Status identity_sig = verify(g1_to_compressed(G1::identity()), msg, pk);
  EXPECT_FALSE(identity_sig.ok());
}

TEST(Bls12381Signature, DecodedAndPreparedKeys) {
  SecretKey sk = test_key(0x42);
  Bytes msg = to_bytes("certified data");
  Result<G2> pk = decode_public_key(sk.public_key());
  ASSERT_TRUE(pk.ok());
  Result<G1> sig = decode_signature(sk.sign(msg));
  ASSERT_TRUE(sig.ok());
  G2Prepared prepared(*pk);
  EXPECT_TRUE(verify_points(*sig, msg, prepared));
  EXPECT_TRUE(verify_points(*sig, msg, *pk));
  EXPECT_FALSE(verify_points(*sig, to_bytes("other data"), prepared));
  EXPECT_FALSE(verify_points(-*sig, msg, prepared));

  EXPECT_EQ(decode_public_key(Bytes(96, 0)).error().message(),
            "BLS public key: G2 point: compression flag not set (only compressed encodings are "
            "accepted)");
  EXPECT_EQ(decode_signature(Bytes(10, 0)).error().message(),
            "BLS signature: G1 point: expected 48 bytes, got 10");
}

}  // namespace
}  // namespace chorus::bls12_381
