// Public keys as the interface spec encodes them (DER SubjectPublicKeyInfo), and verification of
// the basic signature schemes that sign ingress messages: Ed25519, ECDSA P-256 and ECDSA secp256k1,
// both ECDSA curves over SHA-256 with 64-byte r‖s signatures.
#pragma once

#include <string_view>

#include "base/bytes.h"

namespace chorus {

class PublicKey {
 public:
  enum class Kind {
    kEd25519,            // 32-byte key (RFC 8410)
    kEcdsaP256,          // uncompressed SEC1 point 04‖X‖Y (RFC 5480)
    kEcdsaSecp256k1,     // uncompressed SEC1 point 04‖X‖Y
    kBls12381,           // 96-byte compressed G2 point: subnet and root keys
    kWebAuthn,           // a COSE key, wrapped (interface spec, "Signatures")
    kCanisterSignature,  // |canister id| ‖ canister id ‖ seed
  };

  // Parses and classifies a DER key. Refuses unknown algorithms and curves, and key bytes of the
  // wrong shape for their algorithm (wrong length, a compressed ECDSA point).
  static Result<PublicKey> from_der(ByteView der);
  static Result<PublicKey> from_raw(Kind kind, ByteView raw);

  Kind kind() const { return kind_; }
  // The key inside the DER wrapper.
  const Bytes& raw() const { return raw_; }
  Bytes to_der() const;

  // For kCanisterSignature: the signing canister's id and the seed.
  ByteView canister_id() const;
  ByteView seed() const;

 private:
  PublicKey(Kind kind, Bytes raw) : kind_(kind), raw_(std::move(raw)) {}

  Kind kind_;
  Bytes raw_;
};

std::string_view kind_name(PublicKey::Kind kind);

// Verifies |signature| over |message| under a basic-scheme key (Ed25519, ECDSA P-256, ECDSA
// secp256k1). ECDSA signatures are accepted with either s or n − s, as clients differ in which
// they emit. Other kinds need more than a key (a certificate, a WebAuthn envelope) and are refused
// here with an error that says so.
Status verify_basic_signature(const PublicKey& key, ByteView message, ByteView signature);

}  // namespace chorus
