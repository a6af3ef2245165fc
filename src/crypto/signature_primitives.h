// The signature algorithms themselves, on raw keys: the building blocks of verify_basic_signature()
// and of the WebAuthn scheme. Each returns an error saying what did not check out.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.h"

namespace chorus {

// |key| is 32 bytes; |signature| is R‖s, 64 bytes (RFC 8032). Keys of small order or in a
// non-canonical encoding are refused (see ed25519_key_problem()).
Status verify_ed25519(ByteView key, ByteView message, ByteView signature);

// Why a 32-byte Ed25519 key must be refused, or nullopt when it is fine: a point of small order
// admits signatures that verify for every message (R = identity, s = 0 under the identity key),
// and a y ≥ p alias would give one key two encodings.
std::optional<std::string> ed25519_key_problem(ByteView key);

enum class EcdsaSignatureFormat {
  kRaw,  // r‖s, 32 bytes each: the IC's own format
  kDer,  // ECDSA-Sig-Value: what WebAuthn authenticators produce
};
// |point| is an uncompressed SEC1 point (04‖X‖Y); the message is hashed with SHA-256.
Status verify_ecdsa_p256(ByteView point, ByteView message, ByteView signature,
                         EcdsaSignatureFormat format);
// Accepts low and high s alike.
Status verify_ecdsa_secp256k1(ByteView point, ByteView message, ByteView signature);

// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2). |modulus| and |exponent| are big-endian. Moduli
// outside [2048, 8192] bits are refused (weak below, and the bound caps the work a hostile key
// can cost), as are exponents outside [3, 2^33) or even (e = 1 would let anyone sign).
Status verify_rsa_pkcs1_sha256(ByteView modulus, ByteView exponent, ByteView message,
                               ByteView signature);

// r‖s to ECDSA-Sig-Value DER, for tests and tools that play an authenticator.
// REQUIRES: raw_signature.size() == 64.
Bytes ecdsa_raw_to_der(ByteView raw_signature);

}  // namespace chorus
