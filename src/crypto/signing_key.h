// Secret keys that sign: a replica's node key (Ed25519), and the identities of developer tools and
// tests. Secret bytes never leave these classes except through an explicit export, and are wiped
// when a key is destroyed.
#pragma once

#include <memory>

#include "base/bytes.h"
#include "crypto/public_key.h"
#include "crypto/secure_wipe.h"

namespace chorus {

class Ed25519SigningKey {
 public:
  static Ed25519SigningKey generate();
  // REQUIRES nothing: a seed that is not 32 bytes is refused.
  static Result<Ed25519SigningKey> from_seed(ByteView seed);

  const PublicKey& public_key() const { return public_key_; }
  Bytes sign(ByteView message) const;  // 64 bytes, deterministic (RFC 8032)
  const Bytes& export_seed() const { return seed_; }

  Ed25519SigningKey(const Ed25519SigningKey&) = default;
  Ed25519SigningKey& operator=(const Ed25519SigningKey&) = default;
  ~Ed25519SigningKey() { secure_wipe(seed_); }

 private:
  Ed25519SigningKey(Bytes seed, PublicKey pk) : seed_(std::move(seed)), public_key_(std::move(pk)) {}
  Bytes seed_;
  PublicKey public_key_;
};

// ECDSA over SHA-256, signatures as 64-byte r‖s, deterministic: the nonce comes from the key and
// the message digest by RFC 6979 (section 3.2, HMAC-SHA-256). secp256k1 signs through
// libsecp256k1 (whose default nonce function is RFC 6979) with low s; P-256 derives the nonce
// here and has OpenSSL compute s, which it leaves as is (not normalised to low s).
class EcdsaSigningKey {
 public:
  enum class Curve { kP256, kSecp256k1 };

  static EcdsaSigningKey generate(Curve curve);
  // A 32-byte big-endian scalar in [1, n); anything else is refused.
  static Result<EcdsaSigningKey> from_secret(Curve curve, ByteView secret);

  const PublicKey& public_key() const { return public_key_; }
  Bytes sign(ByteView message) const;
  const Bytes& export_secret() const { return secret_; }

  EcdsaSigningKey(const EcdsaSigningKey&) = default;
  EcdsaSigningKey& operator=(const EcdsaSigningKey&) = default;
  ~EcdsaSigningKey() { secure_wipe(secret_); }

 private:
  EcdsaSigningKey(Curve curve, Bytes secret, PublicKey pk)
      : curve_(curve), secret_(std::move(secret)), public_key_(std::move(pk)) {}
  Curve curve_;
  Bytes secret_;
  PublicKey public_key_;
};

}  // namespace chorus
