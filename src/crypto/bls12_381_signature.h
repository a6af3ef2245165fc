// BLS signatures as the IC certifies state with them (draft-irtf-cfrg-bls-signature-04, the
// minimal-signature-size variant): signatures in G1 (48 bytes compressed), public keys in G2 (96
// bytes compressed), messages hashed to G1 with the ciphersuite's DST below (basic scheme, NUL).
#pragma once

#include <array>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/bls12_381_curve.h"
#include "crypto/bls12_381_pairing.h"
#include "crypto/secure_wipe.h"

namespace chorus::bls12_381 {

// The basic scheme's ciphersuite ID (draft, "Ciphersuites"), used as the hash-to-curve DST.
inline constexpr std::string_view kSignatureDst = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";

using Signature = std::array<uint8_t, kG1CompressedBytes>;
using PublicKey = std::array<uint8_t, kG2CompressedBytes>;

class SecretKey {
 public:
  static constexpr size_t kBytes = 32;

  // Big-endian; must be in [1, r). The range checks take the same time for every key; only
  // whether the key is accepted shows.
  static Result<SecretKey> from_bytes(ByteView be32);
  static Result<SecretKey> from_scalar(const Scalar& scalar);

  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey() { secure_wipe(scalar_); }

  G2 public_key_point() const;  // sk * g2
  PublicKey public_key() const { return g2_to_compressed(public_key_point()); }
  Signature sign(ByteView message) const;  // sk * H(message)

 private:
  explicit SecretKey(const Scalar& s) : scalar_(s) {}
  Scalar scalar_;
};

// The draft's KeyValidate: a compressed G2 point in the subgroup, not the identity. Keys
// are few and reused (the root key, subnet keys), so callers may decode once and keep the point.
Result<G2> decode_public_key(ByteView public_key);

// A compressed G1 point in the subgroup (CoreVerify's signature_subgroup_check).
Result<G1> decode_signature(ByteView signature);

// The draft's CoreVerify with the checks above: e(signature, g2) = e(H(message),
// public_key), tested as one two-pair Miller loop and one final exponentiation.
Status verify(ByteView signature, ByteView message, ByteView public_key);

// The pairing check alone, on decoded points. A G2Prepared key (built from decode_public_key())
// spares the key's share of the Miller loop when one key checks many signatures.
bool verify_points(const G1& signature, ByteView message, const G2& public_key);
bool verify_points(const G1& signature, ByteView message, const G2Prepared& public_key);

}  // namespace chorus::bls12_381
