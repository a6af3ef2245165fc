#include "crypto/bls12_381_pairing.h"

#include <vector>

namespace chorus::bls12_381 {
namespace {

// T on the twist E' in homogeneous projective coordinates (X / Z, Y / Z).
struct Projective {
  Fp2 x, y, z;
};

// Lines through points of E', mapped to E by (x, y) -> (x / w^2, y / w^3) and evaluated at p,
// are scaled by w^3 and by Fp2 factors: both lie in proper subfields of Fp12 and vanish in the
// final exponentiation. What remains has coefficients only at w^0, w^2 and w^3, the last two
// being an Fp2 constant times x_p and y_p (G2Prepared::LineCoefficients).
using Coefficients = G2Prepared::LineCoefficients;

// T <- 2T, returning the tangent at T. With slope 3X^2 / (2YZ), the line
// y_p w^3 - slope x_p w^2 + (slope x_T - y_T), scaled by 2 Y Z, is
// (3X^3 / Z - 2Y^2) - 3X^2 x_p w^2 + 2 Y Z y_p w^3, and the curve equation Y^2 Z = X^3 + b' Z^3
// turns the constant into Y^2 - 3 b' Z^2. The doubling uses the same identity (Costello, Lange
// and Naehrig, "Faster pairing computations on curves with high-degree twists", PKC 2010):
// 2T = (XY/2 (Y^2 - 9b'Z^2), ((Y^2 + 9b'Z^2) / 2)^2 - 27 b'^2 Z^4, 2 Y^3 Z), here times 4 to
// avoid the halvings. With b' = 4 xi, 3b' Z^2 is 12 xi Z^2.
Coefficients double_step(Projective& t) {
  Fp2 b = t.y.square();
  Fp2 c = t.z.square();
  Fp2 xi_c = c.mul_by_xi();
  Fp2 xi_c4 = xi_c.dbl().dbl();
  Fp2 e = xi_c4.dbl() + xi_c4;  // 3 b' Z^2
  Fp2 f = e.dbl() + e;          // 9 b' Z^2
  Fp2 h = (t.y + t.z).square() - b - c;  // 2 Y Z
  Fp2 xx = t.x.square();
  Coefficients l{b - e, -(xx.dbl() + xx), h};
  Fp2 e2 = e.square();
  Fp2 e2_4 = e2.dbl().dbl();
  Fp2 new_x = (t.x * t.y).dbl() * (b - f);
  Fp2 new_y = (b + f).square() - (e2_4.dbl() + e2_4);
  t.x = new_x;
  t.y = new_y;
  t.z = (b * h).dbl().dbl();
  return l;
}

// T <- T + Q for affine Q, returning the line through both. With theta = y_Q Z - Y and
// rho = x_Q Z - X, the slope is theta / rho; the line through Q scaled by rho is
// (theta x_Q - rho y_Q) - theta x_p w^2 + rho y_p w^3.
Coefficients add_step(Projective& t, const Fp2& xq, const Fp2& yq) {
  Fp2 theta = yq * t.z - t.y;
  Fp2 rho = xq * t.z - t.x;
  Coefficients l{theta * xq - rho * yq, -theta, rho};
  // madd-1998-cmo.
  Fp2 uu = theta.square();
  Fp2 vv = rho.square();
  Fp2 vvv = rho * vv;
  Fp2 r = vv * t.x;
  Fp2 a = uu * t.z - vvv - r.dbl();
  t.x = rho * a;
  t.y = theta * (r - a) - vvv * t.y;
  t.z = vvv * t.z;
  return l;
}

// w^0 is c0.c0, w^2 = v is c0.c1, w^3 = v w is c1.c1.
Fp12 mul_by_line(const Fp12& f, const Coefficients& l, const G1Affine& p) {
  return f.mul_by_line(l.c0, l.cx * p.x, l.cy * p.y);
}

// a^x for a in the cyclotomic subgroup, where inversion is conjugation and x < 0.
Fp12 pow_x(const Fp12& a) {
  Fp12 acc = a;  // the leading bit of |x|
  for (int bit = 62; bit >= 0; --bit) {
    acc = acc.cyclotomic_square();
    if ((kBlsXAbs >> bit) & 1) acc *= a;
  }
  return acc.conjugate();
}

}  // namespace

G2Prepared::G2Prepared(const G2Affine& q) {
  if (q.infinity) return;
  Projective t{q.x, q.y, Fp2::one()};
  // Bits of |x| below the leading one. T never meets +-Q or infinity: it is [k]Q with
  // 1 < k <= |x|, far below r.
  for (int bit = 62; bit >= 0; --bit) {
    coefficients_.push_back(double_step(t));
    if ((kBlsXAbs >> bit) & 1) coefficients_.push_back(add_step(t, q.x, q.y));
  }
}

Fp12 multi_miller_loop(std::span<const PreparedPairingInput> inputs) {
  std::vector<const PreparedPairingInput*> active;
  active.reserve(inputs.size());
  for (const PreparedPairingInput& in : inputs) {
    if (!in.p.infinity && !in.q->is_identity()) active.push_back(&in);
  }
  Fp12 f = Fp12::one();
  size_t step = 0;
  for (int bit = 62; bit >= 0; --bit) {
    f = f.square();
    for (const PreparedPairingInput* in : active) {
      f = mul_by_line(f, in->q->coefficients()[step], in->p);
    }
    ++step;
    if ((kBlsXAbs >> bit) & 1) {
      for (const PreparedPairingInput* in : active) {
        f = mul_by_line(f, in->q->coefficients()[step], in->p);
      }
      ++step;
    }
  }
  // x < 0: f_{x,Q} = 1 / f_{|x|,Q} up to factors the final exponentiation removes, and after it
  // the inverse is the conjugate; conjugating here already gives the same final value.
  return f.conjugate();
}

Fp12 multi_miller_loop(std::span<const PairingInput> inputs) {
  std::vector<G2Prepared> prepared;
  prepared.reserve(inputs.size());
  std::vector<PreparedPairingInput> with_prepared;
  with_prepared.reserve(inputs.size());
  for (const PairingInput& in : inputs) {
    prepared.emplace_back(in.q);
    with_prepared.push_back({in.p, &prepared.back()});
  }
  return multi_miller_loop(std::span<const PreparedPairingInput>(with_prepared));
}

Fp12 final_exponentiation(const Fp12& f) {
  // Easy part: f^((p^6 - 1)(p^2 + 1)) lands in the cyclotomic subgroup.
  Fp12 m = f.conjugate() * f.inverse();
  m = m.frobenius().frobenius() * m;
  // Hard part, see the header.
  Fp12 t0 = pow_x(m) * m.conjugate();                                    // m^(x - 1)
  Fp12 t1 = pow_x(t0) * t0.conjugate();                                  // m^((x - 1)^2)
  Fp12 t2 = pow_x(t1) * t1.frobenius();                                  // t1^(x + p)
  Fp12 t3 = pow_x(pow_x(t2)) * t2.frobenius().frobenius() * t2.conjugate();  // t2^(x^2 + p^2 - 1)
  return t3 * m.square() * m;
}

Fp12 pairing(const G1& p, const G2& q) {
  PairingInput in{p.to_affine(), q.to_affine()};
  return final_exponentiation(multi_miller_loop(std::span<const PairingInput>(&in, 1)));
}

bool pairing_product_is_one(std::span<const PairingInput> inputs) {
  return final_exponentiation(multi_miller_loop(inputs)).is_one();
}

bool pairing_product_is_one(std::span<const PreparedPairingInput> inputs) {
  return final_exponentiation(multi_miller_loop(inputs)).is_one();
}

}  // namespace chorus::bls12_381
