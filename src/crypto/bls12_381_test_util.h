// Deterministic pseudo-random field elements and scalars for the BLS12-381 tests.
#pragma once

#include <string>

#include "base/hex.h"
#include "crypto/bls12_381_curve.h"
#include "crypto/bls12_381_field.h"
#include "crypto/sha2.h"

namespace chorus::bls12_381::testing {

inline Fp test_fp(int seed) {
  Sha256 h;
  std::string s = "fp" + std::to_string(seed);
  h.update(as_bytes(s));
  Bytes wide;
  append(wide, h.finish());
  h.update(as_bytes(s + "'"));
  append(wide, h.finish());
  return Fp::from_bytes_reduce(wide);
}
inline Fp2 test_fp2(int seed) { return {test_fp(2 * seed), test_fp(2 * seed + 1)}; }
inline Fp6 test_fp6(int seed) {
  return {test_fp2(3 * seed), test_fp2(3 * seed + 1), test_fp2(3 * seed + 2)};
}
inline Fp12 test_fp12(int seed) { return {test_fp6(2 * seed), test_fp6(2 * seed + 1)}; }

inline std::string hex_of(const Fp& a) { return to_hex(a.to_bytes()); }

// REQUIRES: valid hex below p.
inline Fp fp_from_hex(std::string_view hex) {
  Result<Bytes> b = from_hex(hex);
  return *Fp::from_bytes(*b);
}

}  // namespace chorus::bls12_381::testing
