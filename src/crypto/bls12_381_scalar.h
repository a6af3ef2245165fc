// The scalar field Fr of BLS12-381 (integers mod the group order r), where secret keys, key
// shares, polynomial coefficients and Lagrange coefficients live. Elements are kept in Montgomery
// form on four 64-bit limbs; addition, subtraction and multiplication are branch-free in the
// elements because shares and polynomial coefficients are secrets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/bls12_381_curve.h"
#include "crypto/secure_wipe.h"

namespace chorus::bls12_381 {

// Where secret randomness comes from. Dealing is the only randomised step of threshold key
// generation, and taking the source from the caller keeps everything else reproducible.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills |out| with uniformly random bytes, or fails (an exhausted or broken system source).
  virtual Status fill(std::span<uint8_t> out) = 0;
};

// The operating system's generator through OpenSSL's RAND_bytes.
class OsRandom final : public RandomSource {
 public:
  Status fill(std::span<uint8_t> out) override;
};

// A deterministic stream, SHA-256(seed || counter) block after block, for tests and for replaying
// a run. As secret as its seed: only a seed with 256 bits of entropy makes it fit for real keys.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(ByteView seed) : seed_(seed.begin(), seed.end()) {}
  ~SeededRandom() override { secure_wipe(seed_); }
  SeededRandom(const SeededRandom&) = default;
  SeededRandom& operator=(const SeededRandom&) = default;
  Status fill(std::span<uint8_t> out) override;

 private:
  Bytes seed_;
  uint64_t counter_ = 0;
};

// Elements may be secrets (keys, shares, coefficients), so each one wipes its limbs when destroyed,
// and comparisons do not stop at the first differing limb.
class Fr {
 public:
  static constexpr size_t kBytes = 32;

  Fr() : l_{} {}
  Fr(const Fr&) = default;
  Fr& operator=(const Fr&) = default;
  ~Fr() { secure_wipe(l_); }
  static Fr zero() { return Fr(); }
  static Fr one() { return from_u64(1); }
  static Fr from_u64(uint64_t v);
  // Little-endian limbs; nullopt unless below r.
  static std::optional<Fr> from_scalar(const Scalar& canonical);
  // Big-endian, exactly 32 bytes, below r; the error says which rule failed.
  static Result<Fr> from_bytes(ByteView be32);
  // Uniform in [0, r) by rejection sampling on 255-bit candidates (each accepted with
  // probability r / 2^255 > 0.9), so the result carries no modular bias.
  static Result<Fr> random(RandomSource& rng);
  // Uniform in [1, r): for secret keys and polynomial coefficients that must not vanish.
  static Result<Fr> random_nonzero(RandomSource& rng);

  // Canonical little-endian limbs, the form Point::mul and Point::mul_secret take.
  Scalar to_scalar() const;
  std::array<uint8_t, kBytes> to_bytes() const;  // big-endian

  bool is_zero() const {
    uint64_t acc = 0;
    for (uint64_t v : l_) acc |= v;
    return acc == 0;
  }
  friend bool operator==(const Fr& a, const Fr& b) {
    uint64_t diff = 0;
    for (size_t i = 0; i < 4; ++i) diff |= a.l_[i] ^ b.l_[i];
    return diff == 0;
  }

  friend Fr operator+(const Fr& a, const Fr& b);
  friend Fr operator-(const Fr& a, const Fr& b);
  friend Fr operator*(const Fr& a, const Fr& b);
  Fr operator-() const { return zero() - *this; }
  Fr& operator+=(const Fr& b) { return *this = *this + b; }
  Fr& operator-=(const Fr& b) { return *this = *this - b; }
  Fr& operator*=(const Fr& b) { return *this = *this * b; }

  // a^(r - 2) by a fixed square-and-multiply chain, so the time does not depend on a; 0 maps to 0.
  Fr inverse() const;

 private:
  std::array<uint64_t, 4> l_;  // a * 2^256 mod r, always below r
};

// k P by the constant-time ladder (Point::mul_secret), wiping the copy of k's limbs it makes.
// REQUIRES: P in the order-r subgroup.
G1 mul_secret(const G1& p, const Fr& k);
G2 mul_secret(const G2& p, const Fr& k);

}  // namespace chorus::bls12_381
