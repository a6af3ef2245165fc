#include "crypto/public_key.h"

#include <gtest/gtest.h>

#include <functional>

#include "base/hex.h"
#include "crypto/der.h"
#include "crypto/signature_primitives.h"
#include "crypto/signing_key.h"

namespace chorus {
namespace {

// The DER prefixes of the interface spec ("Signatures"; ic-spec-checklist §A.5).
TEST(PublicKey, SpecDerPrefixes) {
  auto der_hex = [](PublicKey::Kind kind, size_t size, uint8_t first) {
    Bytes raw(size, 0x11);
    raw[0] = first;
    return to_hex(PublicKey::from_raw(kind, raw)->to_der());
  };
  EXPECT_EQ(der_hex(PublicKey::Kind::kEd25519, 32, 0x11).substr(0, 24), "302a300506032b6570032100");
  EXPECT_EQ(der_hex(PublicKey::Kind::kEcdsaP256, 65, 0x04).substr(0, 52),
            "3059301306072a8648ce3d020106082a8648ce3d030107034200");
  EXPECT_EQ(der_hex(PublicKey::Kind::kEcdsaSecp256k1, 65, 0x04).substr(0, 46),
            "3056301006072a8648ce3d020106052b8104000a034200");
  EXPECT_EQ(der_hex(PublicKey::Kind::kBls12381, 96, 0x11).substr(0, 74),
            "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100");
}

TEST(PublicKey, DerRoundTripForEveryKind) {
  Bytes cid = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
  Bytes canister_raw = {static_cast<uint8_t>(cid.size())};
  append(canister_raw, cid);
  append(canister_raw, as_bytes("seed"));
  auto k = PublicKey::from_raw(PublicKey::Kind::kCanisterSignature, canister_raw);
  ASSERT_TRUE(k.ok());
  auto back = PublicKey::from_der(k->to_der());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->kind(), PublicKey::Kind::kCanisterSignature);
  EXPECT_EQ(to_hex(back->canister_id()), to_hex(cid));
  EXPECT_EQ(as_chars(back->seed()), "seed");
  // The spec's canister-signature DER prefix: 30 LL 30 0c 06 0a 2b0601040183b8430102 03 LL 00.
  EXPECT_EQ(to_hex(k->to_der()).substr(4, 28), "300c060a2b0601040183b8430102");

  for (auto curve : {EcdsaSigningKey::Curve::kP256, EcdsaSigningKey::Curve::kSecp256k1}) {
    auto key = EcdsaSigningKey::generate(curve);
    auto parsed = PublicKey::from_der(key.public_key().to_der());
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->raw(), key.public_key().raw());
  }
}

TEST(PublicKey, RefusesMalformedDer) {
  Bytes good = Ed25519SigningKey::generate().public_key().to_der();
  auto expect_error = [](Bytes der, std::string_view fragment) {
    auto r = PublicKey::from_der(der);
    ASSERT_FALSE(r.ok()) << to_hex(der);
    EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
  };
  expect_error(Bytes(good.begin(), good.end() - 1), "truncated");
  Bytes trailing = good;
  trailing.push_back(0);
  expect_error(trailing, "trailing");
  Bytes unused_bits = good;
  unused_bits[11] = 0x01;
  expect_error(unused_bits, "unused bits");
  der::SubjectPublicKeyInfo short_ed{{0x2b, 0x65, 0x70}, std::nullopt, Bytes(31, 0x11)};
  Bytes short_key = der::encode_subject_public_key_info(short_ed);
  expect_error(short_key, "31 bytes, expected 32");
  expect_error(*from_hex("300e300906072a8648ce3d0201030100"), "unsupported curve");
  expect_error(*from_hex("300a300506032b6571030100"), "not one the Internet Computer supports");
  expect_error(*from_hex("3080"), "indefinite");
  expect_error(*from_hex("308100"), "not minimally encoded");
  // NULL parameters: a second encoding of an Ed25519 key, hence a second principal.
  expect_error(*from_hex("302c300706032b65700500032100" + std::string(64, '1')), "not a curve OID");
  Bytes compressed(33, 0x02);
  EXPECT_FALSE(PublicKey::from_raw(PublicKey::Kind::kEcdsaSecp256k1, compressed).ok());
  EXPECT_FALSE(PublicKey::from_raw(PublicKey::Kind::kCanisterSignature, Bytes{30, 1, 2}).ok());
}

// A small-order key admits a signature (R = identity, s = 0) that verifies for every message.
TEST(Ed25519, RefusesWeakKeys) {
  Bytes identity(32, 0);
  identity[0] = 0x01;
  auto e = PublicKey::from_raw(PublicKey::Kind::kEd25519, identity);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("small order"), std::string::npos);
  Bytes forged(64, 0);
  forged[0] = 0x01;
  EXPECT_FALSE(verify_ed25519(identity, as_bytes("any message"), forged).ok());
  Bytes non_canonical(32, 0xff);
  non_canonical[0] = 0xee;  // y = p + 1, an alias of y = 1
  non_canonical[31] = 0x7f;
  auto n = PublicKey::from_raw(PublicKey::Kind::kEd25519, non_canonical);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message().find("not canonically encoded"), std::string::npos);
  EXPECT_TRUE(PublicKey::from_raw(PublicKey::Kind::kEd25519,
                                  Ed25519SigningKey::generate().public_key().raw()).ok());
}

// RFC 8032 §7.1, test 2: secret key, public key, message 0x72, signature.
TEST(Ed25519, Rfc8032Vector) {
  auto key = Ed25519SigningKey::from_seed(
      *from_hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(to_hex(key->public_key().raw()),
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  Bytes sig = key->sign(*from_hex("72"));
  EXPECT_EQ(to_hex(sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f"
            "3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  EXPECT_TRUE(verify_basic_signature(key->public_key(), *from_hex("72"), sig).ok());
}

TEST(Signatures, SignVerifyAndRefuse) {
  std::vector<std::pair<PublicKey, std::function<Bytes(ByteView)>>> keys;
  auto ed = Ed25519SigningKey::generate();
  auto p256 = EcdsaSigningKey::generate(EcdsaSigningKey::Curve::kP256);
  auto k1 = EcdsaSigningKey::generate(EcdsaSigningKey::Curve::kSecp256k1);
  keys.emplace_back(ed.public_key(), [&](ByteView m) { return ed.sign(m); });
  keys.emplace_back(p256.public_key(), [&](ByteView m) { return p256.sign(m); });
  keys.emplace_back(k1.public_key(), [&](ByteView m) { return k1.sign(m); });
  Bytes msg = to_bytes(std::string_view("\x0Aic-request and a request id"));
  for (auto& [pk, sign] : keys) {
    Bytes sig = sign(msg);
    ASSERT_EQ(sig.size(), 64u);
    EXPECT_TRUE(verify_basic_signature(pk, msg, sig).ok()) << kind_name(pk.kind());
    Bytes other = msg;
    other.back() ^= 1;
    EXPECT_FALSE(verify_basic_signature(pk, other, sig).ok());
    Bytes bad = sig;
    bad[40] ^= 0x80;
    EXPECT_FALSE(verify_basic_signature(pk, msg, bad).ok());
    EXPECT_FALSE(verify_basic_signature(pk, msg, ByteView(sig).subspan(1)).ok());
  }
  // Each key refuses the others' signatures.
  EXPECT_FALSE(verify_basic_signature(p256.public_key(), msg, k1.sign(msg)).ok());
}

// secp256k1: a high-s signature (n - s) of a valid one is accepted too.
TEST(Signatures, Secp256k1AcceptsHighS) {
  auto k1 = *EcdsaSigningKey::from_secret(
      EcdsaSigningKey::Curve::kSecp256k1,
      *from_hex("0000000000000000000000000000000000000000000000000000000000000001"));
  EXPECT_EQ(to_hex(k1.public_key().raw()).substr(0, 66),
            "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  Bytes msg = to_bytes(std::string_view("hello"));
  Bytes sig = k1.sign(msg);
  // n - s, big-endian subtraction.
  Bytes n = *from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  Bytes high(sig.begin(), sig.begin() + 32);
  int borrow = 0;
  Bytes s(32);
  for (int i = 31; i >= 0; --i) {
    int d = n[i] - sig[32 + i] - borrow;
    borrow = d < 0;
    s[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  append(high, s);
  EXPECT_TRUE(verify_basic_signature(k1.public_key(), msg, high).ok());
}

TEST(Signatures, OtherKindsNeedMoreThanAKey) {
  auto bls = PublicKey::from_raw(PublicKey::Kind::kBls12381, Bytes(96, 0));
  auto r = verify_basic_signature(*bls, Bytes{}, Bytes(48));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not verified by a public key alone"), std::string::npos);
}

}  // namespace
}  // namespace chorus
