#include "crypto/signing_key.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <array>
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

// Whether the 32-byte big-endian |secret| lies in [1, |order|), in the same time for every secret:
// the borrow of secret - order over all bytes and an OR of all bytes, with no early exit (BN_cmp
// and BN_is_zero stop at the first differing word).
bool in_scalar_range(ByteView secret, const BIGNUM* order) {
  std::array<uint8_t, 32> n{};
  require(secret.size() == n.size() && BN_bn2binpad(order, n.data(), 32) == 32);
  unsigned borrow = 0;
  unsigned any = 0;
  for (size_t i = n.size(); i-- > 0;) {
    unsigned diff = static_cast<unsigned>(secret[i]) - n[i] - borrow;
    borrow = (diff >> 8) & 1;
    any |= secret[i];
  }
  return (borrow & static_cast<unsigned>(any != 0)) != 0;
}

// The uncompressed public point of a P-256 secret scalar, or nullopt when the scalar is not in
// [1, n). REQUIRES: |secret| has 32 bytes.
std::optional<Bytes> p256_public_point(ByteView secret) {
  std::unique_ptr<EC_GROUP, GroupFree> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  require(group != nullptr);
  if (!in_scalar_range(secret, EC_GROUP_get0_order(group.get()))) return std::nullopt;
  Bn k(BN_secure_new());
  require(k != nullptr);
  BN_set_flags(k.get(), BN_FLG_CONSTTIME);
  require(BN_bin2bn(secret.data(), static_cast<int>(secret.size()), k.get()) != nullptr);
  std::unique_ptr<EC_POINT, PointFree> point(EC_POINT_new(group.get()));
  require(point && EC_POINT_mul(group.get(), point.get(), k.get(), nullptr, nullptr, nullptr) == 1);
  Bytes out(65);
  require(EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                             out.size(), nullptr) == 65);
  return out;
}

// RFC 6979 section 3.2's HMAC-DRBG for a 256-bit group order and SHA-256 (qlen = hlen = 256, so
// bits2int is plain big-endian decoding and every candidate takes one HMAC block).
class Rfc6979Nonces {
 public:
  using Block = std::array<uint8_t, 32>;

  // Steps b to g, with int2octets(x) = |secret| and bits2octets(h1) = |digest|.
  Rfc6979Nonces(const Block& secret, const Block& digest) {
    v_.fill(0x01);
    k_.fill(0x00);
    for (uint8_t separator : {0x00, 0x01}) {
      std::array<uint8_t, 3 * 32 + 1> data{};  // V || separator || x || h
      std::copy(v_.begin(), v_.end(), data.begin());
      data[32] = separator;
      std::copy(secret.begin(), secret.end(), data.begin() + 33);
      std::copy(digest.begin(), digest.end(), data.begin() + 65);
      k_ = hmac(data);
      secure_wipe(data);
      v_ = hmac(v_);
    }
  }
  ~Rfc6979Nonces() {
    secure_wipe(k_);
    secure_wipe(v_);
  }
  Rfc6979Nonces(const Rfc6979Nonces&) = delete;
  Rfc6979Nonces& operator=(const Rfc6979Nonces&) = delete;

  // Step h: the next candidate T. After the first, the state is first updated with
  // K = HMAC_K(V || 0x00), V = HMAC_K(V), as a rejected k or signature requires.
  Block next() {
    if (!first_) {
      std::array<uint8_t, 33> data{};  // V || 0x00
      std::copy(v_.begin(), v_.end(), data.begin());
      k_ = hmac(data);
      v_ = hmac(v_);
    }
    first_ = false;
    v_ = hmac(v_);
    return v_;
  }

 private:
  Block hmac(ByteView data) const {
    Block out{};
    unsigned int len = 0;
    require(HMAC(EVP_sha256(), k_.data(), static_cast<int>(k_.size()), data.data(), data.size(),
                 out.data(), &len) != nullptr &&
            len == out.size());
    return out;
  }

  Block k_{};
  Block v_{};
  bool first_ = true;
};

struct BnCtxFree { void operator()(BN_CTX* c) const { BN_CTX_free(c); } };
struct MontFree { void operator()(BN_MONT_CTX* m) const { BN_MONT_CTX_free(m); } };
// EC_KEY and ECDSA_do_sign_ex() are deprecated in OpenSSL 3.0 but are its only interface that
// accepts a caller's nonce.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
struct EcKeyFree { void operator()(EC_KEY* k) const { EC_KEY_free(k); } };

// Deterministic ECDSA on P-256 (RFC 6979 with SHA-256). OpenSSL 3.0 has no deterministic nonces,
// so the nonce k, k^-1 and r = (k G).x mod n are computed here and ECDSA_do_sign_ex() computes s
// from them. k and k^-1 stay in constant-time big numbers: the ladder of EC_POINT_mul and a
// Fermat inversion (k^(n - 2)) by BN_mod_exp_mont_consttime. Whether a candidate is rejected
// (probability about 2^-32) is the only secret-dependent branch, as in RFC 6979 itself.
// REQUIRES: |secret| is a valid 32-byte key whose public point is |point|.
Bytes p256_sign_deterministic(ByteView secret, ByteView point, const Sha256Digest& h1) {
  std::unique_ptr<EC_GROUP, GroupFree> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_new());
  require(group && ctx);
  const BIGNUM* n = EC_GROUP_get0_order(group.get());

  // bits2octets(h1) = int(h1) mod n, padded to 32 bytes; the digest is public.
  Bn h(BN_bin2bn(h1.data(), static_cast<int>(h1.size()), nullptr));
  require(h && BN_nnmod(h.get(), h.get(), n, ctx.get()) == 1);
  Rfc6979Nonces::Block h_reduced{};
  require(BN_bn2binpad(h.get(), h_reduced.data(), 32) == 32);

  std::unique_ptr<EC_KEY, EcKeyFree> key(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  Bn x(BN_bin2bn(secret.data(), static_cast<int>(secret.size()), nullptr));
  std::unique_ptr<EC_POINT, PointFree> pub(EC_POINT_new(group.get()));
  require(key && x && pub);
  BN_set_flags(x.get(), BN_FLG_CONSTTIME);
  require(EC_POINT_oct2point(group.get(), pub.get(), point.data(), point.size(), ctx.get()) == 1);
  require(EC_KEY_set_private_key(key.get(), x.get()) == 1 &&
          EC_KEY_set_public_key(key.get(), pub.get()) == 1);

  Bn n_minus_2(BN_dup(n));
  std::unique_ptr<BN_MONT_CTX, MontFree> mont(BN_MONT_CTX_new());
  require(n_minus_2 && mont && BN_sub_word(n_minus_2.get(), 2) == 1 &&
          BN_MONT_CTX_set(mont.get(), n, ctx.get()) == 1);

  Rfc6979Nonces::Block x_octets{};
  std::copy(secret.begin(), secret.end(), x_octets.begin());
  Rfc6979Nonces nonces(x_octets, h_reduced);
  secure_wipe(x_octets);
  // Each round fails with probability about 2^-32; 64 failures mean a broken library.
  for (int attempt = 0; attempt < 64; ++attempt) {
    Rfc6979Nonces::Block t = nonces.next();
    Bn k(BN_secure_new());
    require(k != nullptr);
    BN_set_flags(k.get(), BN_FLG_CONSTTIME);
    require(BN_bin2bn(t.data(), static_cast<int>(t.size()), k.get()) != nullptr);
    secure_wipe(t);
    if (BN_is_zero(k.get()) || BN_cmp(k.get(), n) >= 0) continue;

    std::unique_ptr<EC_POINT, PointFree> big_r(EC_POINT_new(group.get()));
    Bn r(BN_new());
    Bn kinv(BN_secure_new());
    require(big_r && r && kinv);
    BN_set_flags(kinv.get(), BN_FLG_CONSTTIME);
    require(EC_POINT_mul(group.get(), big_r.get(), k.get(), nullptr, nullptr, ctx.get()) == 1);
    require(EC_POINT_get_affine_coordinates(group.get(), big_r.get(), r.get(), nullptr,
                                            ctx.get()) == 1);
    require(BN_nnmod(r.get(), r.get(), n, ctx.get()) == 1);
    if (BN_is_zero(r.get())) continue;
    require(BN_mod_exp_mont_consttime(kinv.get(), k.get(), n_minus_2.get(), n, ctx.get(),
                                      mont.get()) == 1);

    Sig sig(ECDSA_do_sign_ex(h1.data(), static_cast<int>(h1.size()), kinv.get(), r.get(),
                             key.get()));
    if (sig == nullptr) continue;  // s = 0: RFC 6979 moves on to the next candidate
    Bytes out(64);
    require(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), 32) == 32);
    require(BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + 32, 32) == 32);
    return out;
  }
  std::abort();
}
#pragma GCC diagnostic pop

}  // namespace

Ed25519SigningKey Ed25519SigningKey::generate() {
  Bytes seed = random_bytes(32);
  Ed25519SigningKey key = *from_seed(seed);
  secure_wipe(seed);
  return key;
}

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
    Bytes secret = random_bytes(32);
    auto key = from_secret(curve, secret);
    secure_wipe(secret);
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
    // No nonce function given: libsecp256k1 uses secp256k1_nonce_function_default, which is
    // RFC 6979 with HMAC-SHA-256, and it returns low s.
    require(secp256k1_ecdsa_sign(ctx, &sig, digest.data(), secret_.data(), nullptr, nullptr) == 1);
    require(secp256k1_ecdsa_signature_serialize_compact(ctx, out.data(), &sig) == 1);
    return out;
  }
  return p256_sign_deterministic(secret_, public_key_.raw(), sha256(message));
}

}  // namespace chorus
