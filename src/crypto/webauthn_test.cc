#include "crypto/webauthn.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <functional>

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/sha2.h"
#include "crypto/signature_primitives.h"
#include "crypto/signing_key.h"
#include "encoding/cbor.h"

namespace chorus {
namespace {

using cbor::Value;

PublicKey webauthn_key(const Value& cose) {
  return *PublicKey::from_raw(PublicKey::Kind::kWebAuthn, cbor::encode(cose));
}

// An authenticator, played by the test: assertion over |challenge| signed by |sign|.
struct Assertion {
  Bytes authenticator_data = Bytes(37, 0x05);  // rpIdHash(32) · flags(1) · counter(4)
  std::string client_data_json;
  Bytes signature;

  Bytes encode() const {
    return cbor::encode_self_described(Value::map({
        {Value::text("authenticator_data"), Value::bytes(authenticator_data)},
        {Value::text("client_data_json"), Value::text(client_data_json)},
        {Value::text("signature"), Value::bytes(signature)},
    }));
  }
};

Assertion assert_with(ByteView challenge, const std::function<Bytes(ByteView)>& sign) {
  Assertion a;
  a.client_data_json = R"({"type":"webauthn.get","challenge":")" + base64url_encode(challenge) +
                       R"(","origin":"https://identity.internetcomputer.org","crossOrigin":false})";
  Bytes message = a.authenticator_data;
  append(message, sha256(as_bytes(a.client_data_json)));
  a.signature = sign(message);
  return a;
}

const Bytes kPayload = to_bytes(std::string_view("\x0Aic-request" "0123456789abcdef0123456789abcdef"));

Value ec2_cose(ByteView point) {
  return Value::map({{Value::integer(1), Value::integer(2)},
                     {Value::integer(3), Value::integer(-7)},
                     {Value::integer(-1), Value::integer(1)},
                     {Value::integer(-2), Value::bytes(point.subspan(1, 32))},
                     {Value::integer(-3), Value::bytes(point.subspan(33, 32))}});
}

// The interface spec's example of a DER-wrapped COSE key.
TEST(WebAuthn, SpecExampleKey) {
  auto der = from_hex(
      "305e300c060a2b0601040183b8430101034e00a50102032620012158207ffd83632072fd1bfeaf3fbaa43146e0"
      "ef95c3f55e3994a41bbf2b5174d771da22582032497eed0a7f6f000928765b8318162cfd80a94e525a6a368c23"
      "63063d04e6ed");
  auto key = PublicKey::from_der(*der);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(key->kind(), PublicKey::Kind::kWebAuthn);
  auto cose = parse_cose_key(key->raw());
  ASSERT_TRUE(cose.ok()) << cose.error().message();
  EXPECT_EQ(cose->algorithm, CoseKey::Algorithm::kEs256);
  EXPECT_EQ(to_hex(cose->x), "7ffd83632072fd1bfeaf3fbaa43146e0ef95c3f55e3994a41bbf2b5174d771da");
  EXPECT_EQ(to_hex(cose->y), "32497eed0a7f6f000928765b8318162cfd80a94e525a6a368c2363063d04e6ed");
}

TEST(WebAuthn, Es256) {
  auto signer = EcdsaSigningKey::generate(EcdsaSigningKey::Curve::kP256);
  PublicKey key = webauthn_key(ec2_cose(signer.public_key().raw()));
  auto a = assert_with(kPayload, [&](ByteView m) { return ecdsa_raw_to_der(signer.sign(m)); });
  EXPECT_TRUE(verify_webauthn_signature(key, kPayload, a.encode()).ok());

  // Another payload, tampered data, a raw (non-DER) signature: all refused.
  Bytes other = kPayload;
  other.back() ^= 1;
  auto wrong = verify_webauthn_signature(key, other, a.encode());
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message(), "WebAuthn challenge is not the signed payload");
  Assertion tampered = a;
  tampered.authenticator_data[0] ^= 1;
  EXPECT_FALSE(verify_webauthn_signature(key, kPayload, tampered.encode()).ok());
  Assertion raw = assert_with(kPayload, [&](ByteView m) { return signer.sign(m); });
  EXPECT_FALSE(verify_webauthn_signature(key, kPayload, raw.encode()).ok());
  Assertion client = a;
  client.client_data_json.replace(client.client_data_json.find("webauthn.get"), 12, "webauthn.xyz");
  EXPECT_FALSE(verify_webauthn_signature(key, kPayload, client.encode()).ok());
}

TEST(WebAuthn, EdDsa) {
  auto signer = Ed25519SigningKey::generate();
  PublicKey key = webauthn_key(Value::map({{Value::integer(1), Value::integer(1)},
                                           {Value::integer(3), Value::integer(-8)},
                                           {Value::integer(-1), Value::integer(6)},
                                           {Value::integer(-2), Value::bytes(signer.public_key().raw())}}));
  auto a = assert_with(kPayload, [&](ByteView m) { return signer.sign(m); });
  EXPECT_TRUE(verify_webauthn_signature(key, kPayload, a.encode()).ok());
  a.signature[5] ^= 1;
  EXPECT_FALSE(verify_webauthn_signature(key, kPayload, a.encode()).ok());
}

TEST(WebAuthn, Rs256) {
  EVP_PKEY* rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  ASSERT_NE(rsa, nullptr);
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &n), 1);
  ASSERT_EQ(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_E, &e), 1);
  Bytes nb(BN_num_bytes(n)), eb(BN_num_bytes(e));
  BN_bn2bin(n, nb.data());
  BN_bn2bin(e, eb.data());
  BN_free(n);
  BN_free(e);
  PublicKey key = webauthn_key(Value::map({{Value::integer(1), Value::integer(3)},
                                           {Value::integer(3), Value::integer(-257)},
                                           {Value::integer(-1), Value::bytes(nb)},
                                           {Value::integer(-2), Value::bytes(eb)}}));
  auto sign = [&](ByteView m) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, rsa);
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, m.data(), m.size());
    Bytes sig(len);
    EVP_DigestSign(ctx, sig.data(), &len, m.data(), m.size());
    EVP_MD_CTX_free(ctx);
    return sig;
  };
  auto a = assert_with(kPayload, sign);
  EXPECT_TRUE(verify_webauthn_signature(key, kPayload, a.encode()).ok());
  a.signature[100] ^= 1;
  EXPECT_FALSE(verify_webauthn_signature(key, kPayload, a.encode()).ok());
  // e = 1 makes the signature the padded message itself: anyone could sign.
  PublicKey e1 = webauthn_key(Value::map({{Value::integer(1), Value::integer(3)},
                                          {Value::integer(3), Value::integer(-257)},
                                          {Value::integer(-1), Value::bytes(nb)},
                                          {Value::integer(-2), Value::bytes(Bytes{0x01})}}));
  auto r = verify_webauthn_signature(e1, kPayload, a.encode());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("exponent"), std::string::npos);
  EVP_PKEY_free(rsa);
}

TEST(WebAuthn, RefusesMalformedKeysAndSignatures) {
  auto signer = EcdsaSigningKey::generate(EcdsaSigningKey::Curve::kP256);
  PublicKey key = webauthn_key(ec2_cose(signer.public_key().raw()));
  auto expect_error = [&](const PublicKey& k, ByteView sig, std::string_view fragment) {
    auto r = verify_webauthn_signature(k, kPayload, sig);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
  };
  expect_error(key, Bytes{0xff}, "WebAuthn signature");
  expect_error(key, cbor::encode(Value::map({})), "no authenticator_data");
  Assertion no_challenge;
  no_challenge.client_data_json = R"({"type":"webauthn.get"})";
  expect_error(key, no_challenge.encode(), "no challenge");
  Assertion not_json;
  not_json.client_data_json = "{";
  expect_error(key, not_json.encode(), "not a JSON object");
  Assertion bad_b64;
  bad_b64.client_data_json = R"({"challenge":"+/+/"})";
  expect_error(key, bad_b64.encode(), "challenge");
  // Keys: wrong algorithm for the key type, wrong curve, not a map, wrong key kind.
  Value mismatched = ec2_cose(signer.public_key().raw());
  cbor::Map m = mismatched.map_value();
  m[1].second = Value::integer(-8);
  expect_error(webauthn_key(Value::map(m)), Bytes{}, "does not match key type");
  expect_error(*PublicKey::from_raw(PublicKey::Kind::kWebAuthn, Bytes{0x01}), Bytes{}, "not a CBOR map");
  expect_error(signer.public_key(), Bytes{}, "key given for a WebAuthn signature");
}

}  // namespace
}  // namespace chorus
