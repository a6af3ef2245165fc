#include "crypto/bls12_381_signature.h"

#include "crypto/bls12_381_hash.h"
#include "crypto/bls12_381_pairing.h"

namespace chorus::bls12_381 {
namespace {

// a < b for little-endian limbs: the borrow out of a - b, with no exit on the first differing
// limb (a is a secret key).
bool scalar_less(const Scalar& a, const Scalar& b) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) detail::sub_borrow(a[i], b[i], borrow);
  return borrow != 0;
}

bool scalar_is_zero(const Scalar& a) {
  uint64_t acc = 0;
  for (uint64_t limb : a) acc |= limb;
  return acc == 0;
}

G1 hash_message(ByteView message) { return hash_to_g1(message, as_bytes(kSignatureDst)); }

const G2Prepared& minus_g2() {
  static const G2Prepared prepared(-G2::generator());
  return prepared;
}

}  // namespace

Result<SecretKey> SecretKey::from_bytes(ByteView be32) {
  if (be32.size() != kBytes) {
    return Error("BLS secret key: expected 32 bytes, got " + std::to_string(be32.size()));
  }
  Scalar s{};
  for (size_t i = 0; i < kBytes; ++i) {
    s[(kBytes - 1 - i) / 8] |= static_cast<uint64_t>(be32[i]) << (8 * ((kBytes - 1 - i) % 8));
  }
  Result<SecretKey> key = from_scalar(s);
  secure_wipe(s);
  return key;
}

Result<SecretKey> SecretKey::from_scalar(const Scalar& scalar) {
  // Both checks run before either verdict is used.
  bool zero = scalar_is_zero(scalar);
  bool below_order = scalar_less(scalar, kGroupOrder);
  if (zero) return Error("BLS secret key: zero is not a valid key");
  if (!below_order) return Error("BLS secret key: not below the group order");
  return SecretKey(scalar);
}

G2 SecretKey::public_key_point() const { return G2::generator().mul_secret(scalar_); }

Signature SecretKey::sign(ByteView message) const {
  return g1_to_compressed(hash_message(message).mul_secret(scalar_));
}

bool verify_points(const G1& signature, ByteView message, const G2Prepared& public_key) {
  // e(sig, g2) = e(H(m), pk)  <=>  e(sig, -g2) * e(H(m), pk) = 1
  const PreparedPairingInput inputs[2] = {
      {signature.to_affine(), &minus_g2()},
      {hash_message(message).to_affine(), &public_key},
  };
  return pairing_product_is_one(inputs);
}

bool verify_points(const G1& signature, ByteView message, const G2& public_key) {
  return verify_points(signature, message, G2Prepared(public_key));
}

Result<G2> decode_public_key(ByteView public_key) {
  Result<G2> pk = g2_from_compressed(public_key);
  if (!pk.ok()) return pk.error().with_context("BLS public key");
  if (pk->is_identity()) return Error("BLS public key: the identity is not a valid key");
  return pk;
}

Result<G1> decode_signature(ByteView signature) {
  Result<G1> sig = g1_from_compressed(signature);
  if (!sig.ok()) return sig.error().with_context("BLS signature");
  return sig;
}

Status verify(ByteView signature, ByteView message, ByteView public_key) {
  CHORUS_ASSIGN_OR_RETURN(G2 pk, decode_public_key(public_key));
  CHORUS_ASSIGN_OR_RETURN(G1 sig, decode_signature(signature));
  if (!verify_points(sig, message, pk)) return Error("BLS signature does not verify");
  return ok_status();
}

}  // namespace chorus::bls12_381
