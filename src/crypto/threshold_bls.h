// Threshold BLS signatures, t of n: the scheme a subnet signs certificates with. A secret s is
// shared by a random polynomial f of degree t - 1 with f(0) = s; node i holds s_i = f(i) and signs
// with it like an ordinary BLS key (sigma_i = s_i H(m), in G1). Any t signature shares interpolate
// at 0 to s H(m), an ordinary BLS signature under the group key s g2, while t - 1 shares say
// nothing about it. The polynomial's Feldman commitments C_k = a_k g2 are public: C_0 is the group
// public key, and every share's public key f(i) g2 = sum_k i^k C_k follows from them, so each
// signature share can be checked on its own before combining.
//
// Node indices are 1-based (0 is where the secret sits). Mapping nodes to indices is the caller's
// business; a committee of n nodes uses 1..n.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/bls12_381_curve.h"
#include "crypto/bls12_381_scalar.h"
#include "crypto/bls12_381_signature.h"

namespace chorus::threshold {

using bls12_381::Fr;
using bls12_381::G1;
using bls12_381::G2;
using bls12_381::RandomSource;

using NodeIndex = uint32_t;

// The Feldman commitments C_0 .. C_{t-1} of a sharing polynomial; their count is the threshold.
class PublicCoefficients {
 public:
  PublicCoefficients() = default;
  explicit PublicCoefficients(std::vector<G2> coefficients)
      : coefficients_(std::move(coefficients)) {}

  size_t threshold() const { return coefficients_.size(); }
  const std::vector<G2>& coefficients() const { return coefficients_; }

  // C_0. REQUIRES: threshold() >= 1.
  const G2& group_public_key_point() const { return coefficients_.front(); }
  bls12_381::PublicKey group_public_key() const;

  // f(index) g2 = sum_k index^k C_k, by Horner's rule on public scalars.
  G2 share_public_key(NodeIndex index) const;

  // The compressed coefficients one after the other (96 bytes each); decoding refuses an empty
  // list, a length that is not a multiple of 96, points outside G2 (naming the coefficient), and
  // an identity C_0, which would be a key every signature "verifies" under.
  Bytes encode() const;
  static Result<PublicCoefficients> decode(ByteView bytes);

  friend bool operator==(const PublicCoefficients& a, const PublicCoefficients& b) = default;

 private:
  std::vector<G2> coefficients_;
};

// A secret polynomial a_0 + a_1 x + ... + a_{t-1} x^(t-1) over Fr.
class Polynomial {
 public:
  // a_0 = |constant|, the other coefficients uniformly random. REQUIRES: threshold >= 1.
  static Result<Polynomial> random(size_t threshold, const Fr& constant, RandomSource& rng);

  size_t threshold() const { return coefficients_.size(); }
  const Fr& constant() const { return coefficients_.front(); }
  Fr evaluate(const Fr& x) const;
  Fr evaluate(NodeIndex index) const { return evaluate(Fr::from_u64(index)); }
  // a_k g2 for every k, by the constant-time ladder: the coefficients are secret.
  PublicCoefficients commit() const;

 private:
  explicit Polynomial(std::vector<Fr> coefficients) : coefficients_(std::move(coefficients)) {}
  std::vector<Fr> coefficients_;
};

struct SecretShare {
  NodeIndex index = 0;
  Fr value;
};

// The shares of the nodes 1..n and the public commitments of one trusted dealer's polynomial.
struct Dealt {
  PublicCoefficients public_coefficients;
  std::vector<SecretShare> shares;  // shares[i] belongs to node i + 1
};

// A trusted dealer's set-up, for tests and for single-operator networks; production subnets use
// the dealer-free key generation of crypto/dkg.h, in which nobody ever holds the group secret.
// Refuses threshold 0, threshold > n, and n beyond 2^31.
Result<Dealt> deal(uint32_t threshold, uint32_t n, RandomSource& rng);

struct SignatureShare {
  NodeIndex index = 0;
  G1 signature;

  bls12_381::Signature to_bytes() const { return bls12_381::g1_to_compressed(signature); }
  static Result<SignatureShare> from_bytes(NodeIndex index, ByteView bytes);
};

// s_i H(m) with the basic scheme's DST, by the constant-time ladder.
SignatureShare sign_share(const SecretShare& share, ByteView message);

// e(sigma_i, g2) = e(H(m), f(i) g2); the error names the index.
Status verify_signature_share(const SignatureShare& share, ByteView message,
                              const PublicCoefficients& public_coefficients);
// The same with the share's public key derived once (share_public_key()), for a replica that
// checks many shares of the same node.
Status verify_signature_share(const SignatureShare& share, ByteView message,
                              const G2& share_public_key);

// The Lagrange coefficients at 0 for the points |indices|: lambda_i = prod_{j != i} j / (j - i).
// Refuses an empty list, index 0 and duplicate indices.
Result<std::vector<Fr>> lagrange_coefficients_at_zero(std::span<const NodeIndex> indices);

// sum lambda_i sigma_i over exactly the given shares, checking nothing beyond the indices. With
// fewer than t shares the result is some point that is not the group signature: tests use this to
// show that t - 1 shares do not sign.
Result<G1> interpolate_signature(std::span<const SignatureShare> shares);

// The group signature from at least |threshold| shares that the caller has already verified one
// by one (as a replica does when shares arrive). Uses the |threshold| shares with the lowest
// indices. Refuses duplicate indices, index 0 and too few shares.
Result<bls12_381::Signature> combine_signatures(std::span<const SignatureShare> shares,
                                                size_t threshold);

// As combine_signatures, for shares that were not verified yet: every share is checked against
// its public key first (the error names the first invalid index), and the result against the
// group key.
Result<bls12_381::Signature> combine_verified_signatures(
    std::span<const SignatureShare> shares, ByteView message,
    const PublicCoefficients& public_coefficients);

// Lagrange interpolation at 0 "in the exponent" for G2, on the same terms as for G1; resharing
// uses it to check the group key is unchanged.
Result<G2> interpolate_g2(std::span<const NodeIndex> indices, std::span<const G2> points);

// sum_i scalars[i] points[i] for public scalars, sharing the doublings among all terms (Straus's
// method with 4-bit windows), several times faster than one multiplication per term.
// REQUIRES: scalars.size() == points.size().
G1 multi_mul_public(std::span<const Fr> scalars, std::span<const G1> points);
G2 multi_mul_public(std::span<const Fr> scalars, std::span<const G2> points);

}  // namespace chorus::threshold
