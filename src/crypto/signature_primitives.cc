#include "crypto/signature_primitives.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <string>

#include "crypto/openssl_util.h"
#include "crypto/sha2.h"

namespace chorus {

using internal::Bn;
using internal::MdCtx;
using internal::Pkey;
using internal::Sig;

namespace {

Error openssl_error(const char* what) { return Error(std::string("OpenSSL failed to ") + what); }

Status digest_verify(EVP_PKEY* pkey, const EVP_MD* md, ByteView message, ByteView signature,
                     const char* scheme) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey) != 1) {
    return openssl_error("set up signature verification");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    return Error(std::string(scheme) + " signature does not verify");
  }
  return ok_status();
}

// The P-256 DER prefix of the interface spec, followed by the point.
Pkey p256_public_key(ByteView point) {
  static constexpr uint8_t kPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                        0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                        0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
  if (point.size() != 65 || point[0] != 0x04) return nullptr;
  Bytes der(std::begin(kPrefix), std::end(kPrefix));
  append(der, point);
  const unsigned char* p = der.data();
  return Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

std::optional<std::string> ed25519_key_problem(ByteView key) {
  if (key.size() != 32) return "Ed25519 public key is not 32 bytes";
  // y is the low 255 bits, little-endian; p = 2^255 - 19.
  bool y_at_least_p = (key[31] & 0x7f) == 0x7f && key[0] >= 0xed;
  for (size_t i = 1; i < 31 && y_at_least_p; ++i) y_at_least_p = key[i] == 0xff;
  if (y_at_least_p) return "Ed25519 public key is not canonically encoded (y >= p)";
  // The eight points of small order (the torsion subgroup), canonically encoded. Checked with
  // @noble/curves' isSmallOrder().
  static constexpr uint8_t kSmallOrder[8][32] = {
      {0x01},
      {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
      {0x00},
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80},
      {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
       0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
      {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
       0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0xfa},
      {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
       0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
      {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
       0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x85},
  };
  for (const auto& weak : kSmallOrder) {
    if (bytes_equal(key, ByteView(weak, 32))) return "Ed25519 public key is a point of small order";
  }
  return std::nullopt;
}

Status verify_ed25519(ByteView key, ByteView message, ByteView signature) {
  if (signature.size() != 64) {
    return Error("Ed25519 signature has " + std::to_string(signature.size()) + " bytes, expected 64");
  }
  if (auto problem = ed25519_key_problem(key)) return Error(*problem);
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  if (!pkey) return Error("Ed25519 public key is invalid");
  return digest_verify(pkey.get(), nullptr, message, signature, "Ed25519");
}

Status verify_ecdsa_p256(ByteView point, ByteView message, ByteView signature,
                         EcdsaSignatureFormat format) {
  if (point.size() != 65 || point[0] != 0x04) {
    return Error("ECDSA P-256 public key is not an uncompressed point");
  }
  Pkey pkey = p256_public_key(point);
  if (!pkey) return Error("ECDSA P-256 public key is not a point on the curve");
  if (format == EcdsaSignatureFormat::kDer) {
    // Only strict DER: the same signature must not have two encodings.
    const unsigned char* p = signature.data();
    Sig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size())));
    if (!sig || p != signature.data() + signature.size()) {
      return Error("ECDSA P-256 signature is not a DER ECDSA-Sig-Value");
    }
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(sig.get(), &der);
    bool canonical = len == static_cast<int>(signature.size()) &&
                     bytes_equal(ByteView(der, static_cast<size_t>(len)), signature);
    OPENSSL_free(der);
    if (!canonical) return Error("ECDSA P-256 signature is not in canonical DER");
    return digest_verify(pkey.get(), EVP_sha256(), message, signature, "ECDSA P-256");
  }
  if (signature.size() != 64) {
    return Error("ECDSA P-256 signature has " + std::to_string(signature.size()) +
                 " bytes, expected 64");
  }
  Bytes der = ecdsa_raw_to_der(signature);
  return digest_verify(pkey.get(), EVP_sha256(), message, der, "ECDSA P-256");
}

Status verify_ecdsa_secp256k1(ByteView point, ByteView message, ByteView signature) {
  if (signature.size() != 64) {
    return Error("ECDSA secp256k1 signature has " + std::to_string(signature.size()) +
                 " bytes, expected 64");
  }
  if (point.size() != 65 || point[0] != 0x04) {
    return Error("ECDSA secp256k1 public key is not an uncompressed point");
  }
  const secp256k1_context* ctx = internal::secp256k1_ctx();
  secp256k1_pubkey pk;
  if (secp256k1_ec_pubkey_parse(ctx, &pk, point.data(), point.size()) != 1) {
    return Error("ECDSA secp256k1 public key is not a point on the curve");
  }
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(ctx, &sig, signature.data()) != 1) {
    return Error("ECDSA secp256k1 signature has r or s out of range");
  }
  secp256k1_ecdsa_signature_normalize(ctx, &sig, &sig);
  Sha256Digest digest = sha256(message);
  if (secp256k1_ecdsa_verify(ctx, &sig, digest.data(), &pk) != 1) {
    return Error("ECDSA secp256k1 signature does not verify");
  }
  return ok_status();
}

Status verify_rsa_pkcs1_sha256(ByteView modulus, ByteView exponent, ByteView message,
                               ByteView signature) {
  Bn n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  Bn e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  if (!n || !e) return openssl_error("read an RSA key");
  int bits = BN_num_bits(n.get());
  if (bits < 2048 || bits > 8192) {
    return Error("RSA modulus of " + std::to_string(bits) + " bits is outside 2048 to 8192");
  }
  if (!BN_is_odd(e.get()) || BN_num_bits(e.get()) < 2 || BN_num_bits(e.get()) > 33) {
    return Error("RSA public exponent is not an odd number in [3, 2^33)");
  }
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (!bld) return openssl_error("allocate");
  bool built = OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
               OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1;
  OSSL_PARAM* params = built ? OSSL_PARAM_BLD_to_param(bld) : nullptr;
  OSSL_PARAM_BLD_free(bld);
  if (!params) return openssl_error("build an RSA key");
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* raw = nullptr;
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &raw, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  Pkey pkey(raw);
  if (!ok || !pkey) return Error("RSA public key is invalid");
  // PKCS#1 v1.5 is OpenSSL's default RSA padding for signatures.
  return digest_verify(pkey.get(), EVP_sha256(), message, signature, "RSA PKCS#1 v1.5");
}

Bytes ecdsa_raw_to_der(ByteView raw_signature) {
  Sig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw_signature.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw_signature.data() + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) std::abort();  // out of memory
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) std::abort();
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

namespace internal {
const secp256k1_context* secp256k1_ctx() {
  static const secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  return ctx;
}
}  // namespace internal

}  // namespace chorus
