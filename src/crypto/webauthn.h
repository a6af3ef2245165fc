// WebAuthn signatures on ingress messages (interface spec, "Web Authentication"): the key is a
// DER-wrapped COSE key, the signature a CBOR map of authenticator data, client data JSON and the
// authenticator's signature over authenticatorData · SHA-256(clientDataJSON), whose challenge is
// the signed payload.
#pragma once

#include "base/bytes.h"
#include "crypto/public_key.h"

namespace chorus {

// A COSE key (RFC 8152 §13) of one of the three algorithms the IC allows.
struct CoseKey {
  enum class Algorithm { kEs256, kEdDsa, kRs256 };
  Algorithm algorithm;
  Bytes x, y;     // kEs256: P-256 coordinates; kEdDsa: x is the Ed25519 key
  Bytes n, e;     // kRs256
};

Result<CoseKey> parse_cose_key(ByteView cose);

// |payload| is the domain separator followed by the message (e.g. "\x0Aic-request" · request id).
// REQUIRES nothing: a key of another kind is refused with an error.
Status verify_webauthn_signature(const PublicKey& key, ByteView payload, ByteView signature);

}  // namespace chorus
