// The subset of DER that public keys travel in: SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), as the
// interface spec encodes every key of every signature scheme. Strict: definite, minimal lengths,
// no trailing bytes, no unused bits in the key's BIT STRING.
#pragma once

#include <optional>

#include "base/bytes.h"

namespace chorus::der {

struct SubjectPublicKeyInfo {
  Bytes algorithm;                  // the algorithm OID's content bytes (e.g. 2b6570 for Ed25519)
  std::optional<Bytes> parameters;  // the curve OID's content bytes, when the key names one
  Bytes key;                        // the BIT STRING's content without its unused-bits byte
};

// Fails with an error naming the offending element. NULL parameters are refused: no IC key
// carries them.
Result<SubjectPublicKeyInfo> parse_subject_public_key_info(ByteView der);

Bytes encode_subject_public_key_info(const SubjectPublicKeyInfo& info);

}  // namespace chorus::der
