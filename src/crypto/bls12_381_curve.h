// The groups G1 (on E: y^2 = x^3 + 4 over Fp) and G2 (on the twist E': y^2 = x^3 + 4 (u + 1)
// over Fp2) of BLS12-381, and their compressed ZCash encodings: 48 bytes for G1, 96 for G2 (x.c1
// then x.c0), big-endian, with the three top bits of the first byte flagging compression,
// infinity, and whether y is the lexicographically larger of its two values.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/bls12_381_field.h"

namespace chorus::bls12_381 {

// A scalar in little-endian 64-bit limbs.
using Scalar = std::array<uint64_t, 4>;

// r, the order of G1 and G2 (pairing-friendly-curves draft, BLS12_381).
inline constexpr Scalar kGroupOrder = {0xffffffff00000001, 0x53bda402fffe5bfe, 0x3339d80809a1d805,
                                       0x73eda753299d7d48};

// |x| for the BLS parameter x = -0xd201000000010000 (same draft); x is negative.
inline constexpr uint64_t kBlsXAbs = 0xd201000000010000;

template <typename F>
struct Affine {
  F x, y;
  bool infinity = true;
};

// A point in Jacobian coordinates (X / Z^2, Y / Z^3); Z = 0 is the point at infinity. F is Fp
// for G1 and Fp2 for G2. Points are not necessarily in the prime-order subgroup: decoding checks
// that, arithmetic does not.
template <typename F>
class Point {
 public:
  Point() : x_(F::one()), y_(F::one()), z_(F::zero()) {}  // the point at infinity
  static Point identity() { return Point(); }
  // REQUIRES: (x, y) on the curve (see is_on_curve()).
  static Point from_affine(const F& x, const F& y) { return Point(x, y, F::one()); }
  // REQUIRES: (x / z^2, y / z^3) on the curve, z nonzero.
  static Point from_jacobian(const F& x, const F& y, const F& z) { return Point(x, y, z); }
  static Point from_affine(const Affine<F>& a) {
    return a.infinity ? identity() : from_affine(a.x, a.y);
  }
  static const Point& generator();
  static F curve_b();

  bool is_identity() const { return z_.is_zero(); }
  bool is_on_curve() const;
  // In the prime-order subgroup ([r] P is the identity), by an endomorphism test.
  bool is_torsion_free() const;

  Affine<F> to_affine() const;

  Point dbl() const;
  Point operator+(const Point& b) const;
  Point operator-() const { return Point(x_, -y_, z_); }
  Point operator-(const Point& b) const { return *this + (-b); }
  Point& operator+=(const Point& b) { return *this = *this + b; }

  // Variable time in the scalar; for public scalars (cofactors, the group order, test values).
  Point mul(std::span<const uint64_t> scalar) const;
  Point mul(uint64_t scalar) const { return mul(std::span<const uint64_t>(&scalar, 1)); }
  // For secret scalars: the scalar is recoded branch-free to k + r or k + 2r, whichever has bit
  // 255 set, and a Montgomery ladder with branch-free swaps runs a fixed 255 steps that never
  // meet the point at infinity, so timing does not depend on k.
  // REQUIRES: this point is in the order-r subgroup and scalar < r (the recoding preserves the
  // product only there).
  Point mul_secret(const Scalar& scalar) const;

  friend bool operator==(const Point& a, const Point& b) { return a.equals(b); }

 private:
  Point(const F& x, const F& y, const F& z) : x_(x), y_(y), z_(z) {}
  bool equals(const Point& b) const;
  static void conditional_swap(bool swap, Point& a, Point& b);

  F x_, y_, z_;
};

template <>
Fp Point<Fp>::curve_b();
template <>
Fp2 Point<Fp2>::curve_b();
template <>
bool Point<Fp>::is_torsion_free() const;
template <>
bool Point<Fp2>::is_torsion_free() const;
template <>
const Point<Fp>& Point<Fp>::generator();
template <>
const Point<Fp2>& Point<Fp2>::generator();
extern template class Point<Fp>;
extern template class Point<Fp2>;

using G1 = Point<Fp>;
using G2 = Point<Fp2>;
using G1Affine = Affine<Fp>;
using G2Affine = Affine<Fp2>;

inline constexpr size_t kG1CompressedBytes = 48;
inline constexpr size_t kG2CompressedBytes = 96;

std::array<uint8_t, kG1CompressedBytes> g1_to_compressed(const G1& p);
std::array<uint8_t, kG2CompressedBytes> g2_to_compressed(const G2& p);

// Refuses a wrong length, an uncompressed or malformed flag combination, a coordinate not below
// p, a point off the curve, and a point outside the prime-order subgroup, saying which.
Result<G1> g1_from_compressed(ByteView bytes);
Result<G2> g2_from_compressed(ByteView bytes);

}  // namespace chorus::bls12_381
