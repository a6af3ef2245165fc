#include "crypto/signing_key.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <optional>

#include "crypto/openssl_util.h"
#include "crypto/sha2.h"

namespace chorus {
namespace {

using internal::Bn;
using internal::MdCtx;
using internal::Pkey;
using internal::Sig;

// Key generation and signing failing inside OpenSSL means the library is unusable (no entropy, no
// memory); there is no sensible signature to return instead.
void require(bool ok) {
  if (!ok) std::abort();
}

Bytes random_bytes(size_t n) {
  Bytes out(n);
  require(RAND_bytes(out.data(), static_cast<int>(n)) == 1);
  return out;
}

struct GroupFree { void operator()(EC_GROUP* g) const { EC_GROUP_free(g); } };
struct PointFree { void operator()(EC_POINT* p) const { EC_POINT_free(p); } };

// The uncompressed public point of a P-256 secret scalar, or nullopt when the scalar is not in
// [1, n).
std::optional<Bytes> p256_public_point(ByteView secret) {
  std::unique_ptr<EC_GROUP, GroupFree> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  Bn k(BN_bin2bn(secret.data(), static_cast<int>(secret.size()), nullptr));
  require(group && k);
  BN_set_flags(k.get(), BN_FLG_CONSTTIME);
  if (BN_is_zero(k.get()) || BN_cmp(k.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return std::nullopt;
  }
  std::unique_ptr<EC_POINT, PointFree> point(EC_POINT_new(group.get()));
  require(point && EC_POINT_mul(group.get(), point.get(), k.get(), nullptr, nullptr, nullptr) == 1);
  Bytes out(65);
  require(EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                             out.size(), nullptr) == 65);
  return out;
}

Pkey p256_pkey(ByteView secret, ByteView point) {
  Bn k(BN_bin2bn(secret.data(), static_cast<int>(secret.size()), nullptr));
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  require(k && bld);
  require(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1);
  require(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, k.get()) == 1);
  require(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                           point.size()) == 1);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  require(ok);
  return Pkey(pkey);
}

}  // namespace

Ed25519SigningKey Ed25519SigningKey::generate() { return *from_seed(random_bytes(32)); }

Result<Ed25519SigningKey> Ed25519SigningKey::from_seed(ByteView seed) {
  if (seed.size() != 32) {
    return Error("Ed25519 seed has " + std::to_string(seed.size()) + " bytes, expected 32");
  }
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  require(pkey != nullptr);
  Bytes pub(32);
  size_t len = pub.size();
  require(EVP_PKEY_get_raw_public_key(pkey.get(), pub.data(), &len) == 1 && len == 32);
  return Ed25519SigningKey(Bytes(seed.begin(), seed.end()),
                           *PublicKey::from_raw(PublicKey::Kind::kEd25519, pub));
}

Bytes Ed25519SigningKey::sign(ByteView message) const {
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), seed_.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  require(pkey && ctx && EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1);
  Bytes sig(64);
  size_t len = sig.size();
  require(EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) == 1 &&
          len == 64);
  return sig;
}

EcdsaSigningKey EcdsaSigningKey::generate(Curve curve) {
  while (true) {  // a random 256-bit string is out of range with probability < 2^-32
    auto key = from_secret(curve, random_bytes(32));
    if (key.ok()) return std::move(key).value();
  }
}

Result<EcdsaSigningKey> EcdsaSigningKey::from_secret(Curve curve, ByteView secret) {
  if (secret.size() != 32) {
    return Error("ECDSA secret key has " + std::to_string(secret.size()) + " bytes, expected 32");
  }
  Bytes point;
  if (curve == Curve::kSecp256k1) {
    const secp256k1_context* ctx = internal::secp256k1_ctx();
    secp256k1_pubkey pk;
    if (secp256k1_ec_seckey_verify(ctx, secret.data()) != 1 ||
        secp256k1_ec_pubkey_create(ctx, &pk, secret.data()) != 1) {
      return Error("secp256k1 secret key is zero or not below the group order");
    }
    point.resize(65);
    size_t len = point.size();
    require(secp256k1_ec_pubkey_serialize(ctx, point.data(), &len, &pk,
                                          SECP256K1_EC_UNCOMPRESSED) == 1);
  } else {
    auto p = p256_public_point(secret);
    if (!p) return Error("P-256 secret key is zero or not below the group order");
    point = std::move(*p);
  }
  auto kind = curve == Curve::kP256 ? PublicKey::Kind::kEcdsaP256 : PublicKey::Kind::kEcdsaSecp256k1;
  return EcdsaSigningKey(curve, Bytes(secret.begin(), secret.end()),
                         *PublicKey::from_raw(kind, point));
}

Bytes EcdsaSigningKey::sign(ByteView message) const {
  Bytes out(64);
  if (curve_ == Curve::kSecp256k1) {
    const secp256k1_context* ctx = internal::secp256k1_ctx();
    Sha256Digest digest = sha256(message);
    secp256k1_ecdsa_signature sig;
    require(secp256k1_ecdsa_sign(ctx, &sig, digest.data(), secret_.data(), nullptr, nullptr) == 1);
    require(secp256k1_ecdsa_signature_serialize_compact(ctx, out.data(), &sig) == 1);
    return out;
  }
  Pkey pkey = p256_pkey(secret_, public_key_.raw());
  MdCtx ctx(EVP_MD_CTX_new());
  require(ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) == 1);
  size_t der_len = 0;
  require(EVP_DigestSign(ctx.get(), nullptr, &der_len, message.data(), message.size()) == 1);
  Bytes der(der_len);
  require(EVP_DigestSign(ctx.get(), der.data(), &der_len, message.data(), message.size()) == 1);
  const unsigned char* p = der.data();
  Sig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  require(sig != nullptr);
  require(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), 32) == 32);
  require(BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + 32, 32) == 32);
  return out;
}

}  // namespace chorus
