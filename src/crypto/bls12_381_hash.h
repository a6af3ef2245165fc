// Hashing to G1 of BLS12-381 by RFC 9380's suite BLS12381G1_XMD:SHA-256_SSWU_RO_ (section 8.8.1):
// expand_message_xmd with SHA-256, hash_to_field into two Fp elements, the simplified SWU map to
// a curve 11-isogenous to E, the isogeny to E, and clearing the cofactor with h_eff.
#pragma once

#include <array>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/bls12_381_curve.h"

namespace chorus::bls12_381 {

// RFC 9380 section 5.3.1, SHA-256. A DST longer than 255 bytes is first hashed as section 5.3.3
// prescribes. Fails if len_in_bytes exceeds 255 * 32 (or 65535).
Result<Bytes> expand_message_xmd_sha256(ByteView msg, ByteView dst, size_t len_in_bytes);

// RFC 9380 section 5.2 with count = 2, m = 1, L = 64.
std::array<Fp, 2> hash_to_field_g1(ByteView msg, ByteView dst);

// map_to_curve (section 6.6.3): simplified SWU onto E' then the 11-isogeny to E; the result is on
// E but not yet in G1.
G1 map_to_curve_g1(const Fp& u);

// clear_cofactor (section 7) with h_eff = 0xd201000000010001 (section 8.8.1).
G1 clear_cofactor_g1(const G1& p);

// hash_to_curve (section 3) for BLS12381G1_XMD:SHA-256_SSWU_RO_.
G1 hash_to_g1(ByteView msg, ByteView dst);

}  // namespace chorus::bls12_381
