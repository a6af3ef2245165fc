#include "crypto/bls12_381_curve.h"

#include <string>

#include "crypto/secure_wipe.h"

namespace chorus::bls12_381 {
namespace {

Fp select(bool choose, const Fp& a, const Fp& b) { return Fp::select(choose, a, b); }
Fp2 select(bool choose, const Fp2& a, const Fp2& b) {
  return {Fp::select(choose, a.c0, b.c0), Fp::select(choose, a.c1, b.c1)};
}

}  // namespace

template <>
Fp Point<Fp>::curve_b() {
  return Fp::from_u64(4);
}

template <>
Fp2 Point<Fp2>::curve_b() {
  return {Fp::from_u64(4), Fp::from_u64(4)};  // 4 (u + 1)
}

// The generators of the pairing-friendly-curves draft's BLS12_381 (also ZCash's).
template <>
const G1& Point<Fp>::generator() {
  static const G1 g = G1::from_affine(
      Fp::from_hex("17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905"
                   "a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"),
      Fp::from_hex("08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af6"
                   "00db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1"));
  return g;
}

template <>
const G2& Point<Fp2>::generator() {
  static const G2 g = G2::from_affine(
      Fp2{Fp::from_hex("024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02"
                       "b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"),
          Fp::from_hex("13e02b6052719f607dacd3a088274f65596bd0d09920b61a"
                       "b5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e")},
      Fp2{Fp::from_hex("0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a7"
                       "6d429a695160d12c923ac9cc3baca289e193548608b82801"),
          Fp::from_hex("0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af"
                       "267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be")});
  return g;
}

template <typename F>
bool Point<F>::is_on_curve() const {
  if (is_identity()) return true;
  // Y^2 = X^3 + b Z^6
  F z2 = z_.square();
  F z6 = z2.square() * z2;
  return y_.square() == x_.square() * x_ + curve_b() * z6;
}

// Subgroup checks by endomorphisms (M. Scott, "A note on group membership tests for G1, G2 and GT
// on BLS pairing-friendly curves", 2021): on E, phi(x, y) = (beta x, y) with beta a cube root of
// unity, and P is in G1 iff phi(P) = [-x^2] P; on E', psi = untwist-Frobenius-twist, and Q is in
// G2 iff psi(Q) = [x] Q. Each needs a scalar of 128 or 64 bits instead of the 255 of [r] P.

namespace {

// Of the two primitive cube roots of unity in Fp, the one for which phi acts on G1 as -x^2
// (the other gives the other eigenvalue, x^2 - 1); chosen once on the generator.
const Fp& g1_beta() {
  static const Fp beta = [] {
    Fp half = Fp::from_u64(2).inverse();
    Fp b = (*(-Fp::from_u64(3)).sqrt() - Fp::one()) * half;  // (-1 + sqrt(-3)) / 2
    const G1& g = G1::generator();
    G1Affine a = g.to_affine();
    G1 minus_x2_g = -g.mul(kBlsXAbs).mul(kBlsXAbs);
    return G1::from_affine(b * a.x, a.y) == minus_x2_g ? b : b.square();
  }();
  return beta;
}

struct PsiCoefficients {
  Fp2 x, y;  // xi^(-(p - 1) / 3) and xi^(-(p - 1) / 2)
};

const PsiCoefficients& psi_coefficients() {
  static const PsiCoefficients c = [] {
    Fp2 xi{Fp::one(), Fp::one()};
    Limbs p_minus_1 = detail::sub_small(detail::kP, 1);
    return PsiCoefficients{xi.pow(detail::div_small(p_minus_1, 3)).inverse(),
                           xi.pow(detail::div_small(p_minus_1, 2)).inverse()};
  }();
  return c;
}

}  // namespace

template <>
bool Point<Fp>::is_torsion_free() const {
  Point phi(x_ * g1_beta(), y_, z_);
  return phi == -mul(kBlsXAbs).mul(kBlsXAbs);
}

template <>
bool Point<Fp2>::is_torsion_free() const {
  // (X / Z^2)^p = conj(X) / conj(Z)^2, and likewise for Y, so psi keeps Jacobian form.
  const PsiCoefficients& c = psi_coefficients();
  Point psi(x_.conjugate() * c.x, y_.conjugate() * c.y, z_.conjugate());
  return psi == -mul(kBlsXAbs);
}

template <typename F>
Affine<F> Point<F>::to_affine() const {
  if (is_identity()) return Affine<F>{};
  if (z_ == F::one()) return Affine<F>{x_, y_, false};  // decoded points; spares an inversion
  F zinv = z_.inverse();
  F zinv2 = zinv.square();
  return Affine<F>{x_ * zinv2, y_ * zinv2 * zinv, false};
}

template <typename F>
Point<F> Point<F>::dbl() const {
  // dbl-2009-l (a = 0) from the Explicit-Formulas Database.
  if (is_identity()) return *this;
  F a = x_.square();
  F b = y_.square();
  F c = b.square();
  F d = ((x_ + b).square() - a - c).dbl();
  F e = a.dbl() + a;
  F f = e.square();
  F x3 = f - d.dbl();
  F y3 = e * (d - x3) - c.dbl().dbl().dbl();
  F z3 = (y_ * z_).dbl();
  return Point(x3, y3, z3);
}

template <typename F>
Point<F> Point<F>::operator+(const Point& b) const {
  // add-2007-bl from the Explicit-Formulas Database, with its exceptional cases.
  if (is_identity()) return b;
  if (b.is_identity()) return *this;
  F z1z1 = z_.square();
  F z2z2 = b.z_.square();
  F u1 = x_ * z2z2;
  F u2 = b.x_ * z1z1;
  F s1 = y_ * b.z_ * z2z2;
  F s2 = b.y_ * z_ * z1z1;
  F h = u2 - u1;
  F r = (s2 - s1).dbl();
  if (h.is_zero()) {
    if (r.is_zero()) return dbl();
    return identity();  // b = -this
  }
  F i = h.dbl().square();
  F j = h * i;
  F v = u1 * i;
  F x3 = r.square() - j - v.dbl();
  F y3 = r * (v - x3) - (s1 * j).dbl();
  F z3 = ((z_ + b.z_).square() - z1z1 - z2z2) * h;
  return Point(x3, y3, z3);
}

template <typename F>
Point<F> Point<F>::mul(std::span<const uint64_t> scalar) const {
  Point acc;
  for (size_t i = scalar.size(); i-- > 0;) {
    for (int bit = 63; bit >= 0; --bit) {
      acc = acc.dbl();
      if ((scalar[i] >> bit) & 1) acc += *this;
    }
  }
  return acc;
}

template <typename F>
void Point<F>::conditional_swap(bool swap, Point& a, Point& b) {
  Point na(select(swap, b.x_, a.x_), select(swap, b.y_, a.y_), select(swap, b.z_, a.z_));
  Point nb(select(swap, a.x_, b.x_), select(swap, a.y_, b.y_), select(swap, a.z_, b.z_));
  a = na;
  b = nb;
}

namespace {

// a + b over 256 bits, wrapping.
Scalar add_256(const Scalar& a, const Scalar& b) {
  Scalar out;
  uint64_t carry = 0;
  for (size_t i = 0; i < 4; ++i) {
    uint64_t t = a[i] + carry;
    uint64_t c1 = t < carry;
    out[i] = t + b[i];
    carry = c1 | (out[i] < t);
  }
  return out;
}

// k + r or k + 2r, whichever has bit 255 set, chosen without a branch on k. For k < r exactly one
// of them lies in [2^255, 2^256): k + r when k >= 2^255 - r, else k + 2r (r ≈ 0.906 · 2^255).
// Both equal k modulo r, so they multiply subgroup points alike, and a ladder over a scalar whose
// top bit is always set starts at the point itself: no iteration depends on k's length.
Scalar recode_with_top_bit(const Scalar& k) {
  Scalar k1 = add_256(k, kGroupOrder);
  Scalar k2 = add_256(k1, kGroupOrder);
  uint64_t use_k1 = 0 - (k1[3] >> 63);
  Scalar out;
  for (size_t i = 0; i < 4; ++i) out[i] = (k1[i] & use_k1) | (k2[i] & ~use_k1);
  secure_wipe(k1);
  secure_wipe(k2);
  return out;
}

}  // namespace

template <typename F>
Point<F> Point<F>::mul_secret(const Scalar& scalar) const {
  Scalar k = recode_with_top_bit(scalar);
  // Invariant: r1 = r0 + this. Bit 255 is set, so the ladder starts at (this, 2·this) and neither
  // register is the identity along the way (for a point of order r and k < r).
  Point r0 = *this;
  Point r1 = dbl();
  for (int bit = 254; bit >= 0; --bit) {
    bool b = ((k[static_cast<size_t>(bit) / 64] >> (bit % 64)) & 1) != 0;
    conditional_swap(b, r0, r1);
    r1 = r0 + r1;
    r0 = r0.dbl();
    conditional_swap(b, r0, r1);
  }
  secure_wipe(k);
  return r0;
}

template <typename F>
bool Point<F>::equals(const Point& b) const {
  if (is_identity() || b.is_identity()) return is_identity() == b.is_identity();
  F z1z1 = z_.square();
  F z2z2 = b.z_.square();
  return x_ * z2z2 == b.x_ * z1z1 && y_ * z2z2 * b.z_ == b.y_ * z1z1 * z_;
}

template class Point<Fp>;
template class Point<Fp2>;

namespace {

constexpr uint8_t kCompressedFlag = 0x80;
constexpr uint8_t kInfinityFlag = 0x40;
constexpr uint8_t kSignFlag = 0x20;
constexpr uint8_t kFlagMask = 0xe0;

// Checks length and flags. Returns true for a well-formed infinity, false for a finite point
// whose coordinate bytes (flags cleared) are in |coordinates|.
Result<bool> parse_flags(std::string_view group, ByteView bytes, size_t expected,
                         Bytes& coordinates, bool& sign) {
  if (bytes.size() != expected) {
    return Error(std::string(group) + " point: expected " + std::to_string(expected) +
                 " bytes, got " + std::to_string(bytes.size()));
  }
  uint8_t flags = bytes[0] & kFlagMask;
  if ((flags & kCompressedFlag) == 0) {
    return Error(std::string(group) +
                 " point: compression flag not set (only compressed encodings are accepted)");
  }
  coordinates.assign(bytes.begin(), bytes.end());
  coordinates[0] &= static_cast<uint8_t>(~kFlagMask);
  sign = (flags & kSignFlag) != 0;
  if ((flags & kInfinityFlag) != 0) {
    bool rest_zero = true;
    for (uint8_t b : coordinates) rest_zero = rest_zero && b == 0;
    if (sign || !rest_zero) {
      return Error(std::string(group) +
                   " point: infinity flag set but the sign flag or coordinate bytes are not zero");
    }
    return true;
  }
  return false;
}

Error not_below_p(std::string_view group, std::string_view which) {
  return Error(std::string(group) + " point: " + std::string(which) +
               " is not below the field modulus");
}

}  // namespace

std::array<uint8_t, kG1CompressedBytes> g1_to_compressed(const G1& p) {
  std::array<uint8_t, kG1CompressedBytes> out{};
  G1Affine a = p.to_affine();
  if (a.infinity) {
    out[0] = kCompressedFlag | kInfinityFlag;
    return out;
  }
  out = a.x.to_bytes();
  out[0] |= kCompressedFlag;
  if (a.y.lexicographically_largest()) out[0] |= kSignFlag;
  return out;
}

std::array<uint8_t, kG2CompressedBytes> g2_to_compressed(const G2& p) {
  std::array<uint8_t, kG2CompressedBytes> out{};
  G2Affine a = p.to_affine();
  if (a.infinity) {
    out[0] = kCompressedFlag | kInfinityFlag;
    return out;
  }
  auto c1 = a.x.c1.to_bytes();
  auto c0 = a.x.c0.to_bytes();
  std::copy(c1.begin(), c1.end(), out.begin());
  std::copy(c0.begin(), c0.end(), out.begin() + Fp::kBytes);
  out[0] |= kCompressedFlag;
  if (a.y.lexicographically_largest()) out[0] |= kSignFlag;
  return out;
}

Result<G1> g1_from_compressed(ByteView bytes) {
  Bytes coords;
  bool sign = false;
  CHORUS_ASSIGN_OR_RETURN(bool infinity,
                          parse_flags("G1", bytes, kG1CompressedBytes, coords, sign));
  if (infinity) return G1::identity();
  std::optional<Fp> x = Fp::from_bytes(coords);
  if (!x) return not_below_p("G1", "x");
  std::optional<Fp> y = (x->square() * *x + G1::curve_b()).sqrt();
  if (!y) return Error("G1 point: x is not the coordinate of a point on the curve");
  if (y->lexicographically_largest() != sign) y = -*y;
  G1 p = G1::from_affine(*x, *y);
  if (!p.is_torsion_free()) return Error("G1 point: not in the prime-order subgroup");
  return p;
}

Result<G2> g2_from_compressed(ByteView bytes) {
  Bytes coords;
  bool sign = false;
  CHORUS_ASSIGN_OR_RETURN(bool infinity,
                          parse_flags("G2", bytes, kG2CompressedBytes, coords, sign));
  if (infinity) return G2::identity();
  ByteView view(coords);
  std::optional<Fp> x1 = Fp::from_bytes(view.subspan(0, Fp::kBytes));
  if (!x1) return not_below_p("G2", "x.c1");
  std::optional<Fp> x0 = Fp::from_bytes(view.subspan(Fp::kBytes));
  if (!x0) return not_below_p("G2", "x.c0");
  Fp2 x{*x0, *x1};
  std::optional<Fp2> y = (x.square() * x + G2::curve_b()).sqrt();
  if (!y) return Error("G2 point: x is not the coordinate of a point on the curve");
  if (y->lexicographically_largest() != sign) y = -*y;
  G2 p = G2::from_affine(x, *y);
  if (!p.is_torsion_free()) return Error("G2 point: not in the prime-order subgroup");
  return p;
}

}  // namespace chorus::bls12_381
