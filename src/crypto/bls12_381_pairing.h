// The optimal ate pairing e: G1 x G2 -> GT (a subgroup of Fp12*) of BLS12-381, as a Miller loop
// over the BLS parameter x followed by the final exponentiation to the power (p^12 - 1) / r.
// Several pairings multiply inside one Miller loop and share one final exponentiation, which is
// how signature verification checks e(a, b) = e(c, d) cheaply.
#pragma once

#include <span>
#include <vector>

#include "crypto/bls12_381_curve.h"
#include "crypto/bls12_381_field.h"

namespace chorus::bls12_381 {

// The Miller loop's line functions for a fixed G2 point, computed once: they depend on the G2
// point only, and pairing with a fixed or often-used point (the generator, a root or subnet key)
// then skips the G2 arithmetic.
class G2Prepared {
 public:
  explicit G2Prepared(const G2Affine& q);
  explicit G2Prepared(const G2& q) : G2Prepared(q.to_affine()) {}

  bool is_identity() const { return coefficients_.empty(); }

  // One line, up to factors the final exponentiation removes, as c0 + (cx x_p) w^2 + (cy y_p) w^3
  // for the G1 point (x_p, y_p).
  struct LineCoefficients {
    Fp2 c0, cx, cy;
  };
  const std::vector<LineCoefficients>& coefficients() const { return coefficients_; }

 private:
  std::vector<LineCoefficients> coefficients_;  // in Miller loop order; empty for the identity
};

struct PairingInput {
  G1Affine p;
  G2Affine q;
};

struct PreparedPairingInput {
  G1Affine p;
  const G2Prepared* q;
};

// The product of the Miller loop values f_{x,q}(p); pairs with a point at infinity contribute 1.
Fp12 multi_miller_loop(std::span<const PreparedPairingInput> inputs);
Fp12 multi_miller_loop(std::span<const PairingInput> inputs);

// Raises to 3 (p^12 - 1) / r: the hard part uses the decomposition 3 (p^4 - p^2 + 1) / r =
// (x - 1)^2 (x + p) (x^2 + p^2 - 1) + 3, so the result is the cube of the textbook pairing value.
// Cubing is a bijection on GT (3 does not divide r), so bilinearity, non-degeneracy and every
// equality check are unaffected; only GT values compared with other libraries would differ.
Fp12 final_exponentiation(const Fp12& f);

Fp12 pairing(const G1& p, const G2& q);

// prod e(p_i, q_i) == 1, with one final exponentiation.
bool pairing_product_is_one(std::span<const PairingInput> inputs);
bool pairing_product_is_one(std::span<const PreparedPairingInput> inputs);

}  // namespace chorus::bls12_381
