#include "crypto/bls12_381_field.h"

#include <cassert>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace chorus::bls12_381 {
namespace {

using detail::kP;

constexpr Limbs kPMinus2 = detail::sub_small(kP, 2);
constexpr Limbs kPPlus1Over4 = detail::div_small(detail::add_small(kP, 1), 4);
constexpr Limbs kPMinus1Over2 = detail::div_small(detail::sub_small(kP, 1), 2);
constexpr Limbs kPMinus1Over6 = detail::div_small(detail::sub_small(kP, 1), 6);
constexpr Limbs kPMinus3Over4 = detail::div_small(detail::sub_small(kP, 3), 4);
constexpr Fp kHalf = Fp::from_canonical(detail::div_small(detail::add_small(kP, 1), 2));  // 1 / 2

// Fixed 4-bit windows from the top: about one product per four exponent bits instead of one per
// set bit. Which table entry is used depends on the exponent only, which callers make public.
// |T| is any type with *, square() and a one().
template <typename T>
T pow_limbs(const T& base, const T& one, std::span<const uint64_t> exponent) {
  std::array<T, 16> table;
  table[0] = one;
  table[1] = base;
  for (size_t i = 2; i < 16; ++i) table[i] = table[i - 1] * base;
  T acc = one;
  bool started = false;  // spares the squarings of one above the exponent's leading window
  for (size_t i = exponent.size(); i-- > 0;) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      size_t window = static_cast<size_t>((exponent[i] >> shift) & 0xf);
      if (started) {
        acc = acc.square().square().square().square();
        if (window != 0) acc = acc * table[window];
      } else if (window != 0) {
        acc = table[window];
        started = true;
      }
    }
  }
  return acc;
}

}  // namespace

namespace detail {
#if defined(CHORUS_BLS_MULX_ADX)
// CPUID leaf 7: EBX bit 8 is BMI2 (MULX), bit 19 ADX. Asked directly because Clang's
// __builtin_cpu_supports does not know "adx".
const bool g_cpu_has_mulx_adx = [] {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
  return ((ebx >> 8) & 1) != 0 && ((ebx >> 19) & 1) != 0;
}();

Limbs mont_mul_dispatch(const Limbs& a, const Limbs& b) {
  if (g_cpu_has_mulx_adx) return mont_mul_mulx_adx(a, b);
  return mont_mul_portable(a, b);
}
#endif
}  // namespace detail

namespace detail {

struct FpLimbsAccess {
  static const Limbs& limbs(const Fp& a) { return a.l_; }
  static Fp from_limbs(const Limbs& l) {
    Fp out;
    out.l_ = l;
    return out;
  }
};

}  // namespace detail

namespace {

// The Fp product by one path, inlined into the Fp2 operations below.
template <bool kMulxAdx>
[[gnu::always_inline]] inline Fp mul_by_path(const Fp& a, const Fp& b) {
  using detail::FpLimbsAccess;
#if defined(CHORUS_BLS_MULX_ADX)
  if constexpr (kMulxAdx) {
    return FpLimbsAccess::from_limbs(
        detail::mont_mul_mulx_adx(FpLimbsAccess::limbs(a), FpLimbsAccess::limbs(b)));
  }
#endif
  return FpLimbsAccess::from_limbs(
      detail::mont_mul_portable(FpLimbsAccess::limbs(a), FpLimbsAccess::limbs(b)));
}

template <bool kMulxAdx>
Fp2 fp2_mul(const Fp2& a, const Fp2& b) {
  // Karatsuba: three Fp products instead of four.
  Fp t0 = mul_by_path<kMulxAdx>(a.c0, b.c0);
  Fp t1 = mul_by_path<kMulxAdx>(a.c1, b.c1);
  return {t0 - t1, mul_by_path<kMulxAdx>(a.c0 + a.c1, b.c0 + b.c1) - t0 - t1};
}

template <bool kMulxAdx>
Fp2 fp2_square(const Fp2& a) {
  // (c0 + c1 u)^2 = (c0 + c1)(c0 - c1) + 2 c0 c1 u
  return {mul_by_path<kMulxAdx>(a.c0 + a.c1, a.c0 - a.c1), mul_by_path<kMulxAdx>(a.c0, a.c1).dbl()};
}

}  // namespace

Fp2 operator*(const Fp2& a, const Fp2& b) {
#if defined(CHORUS_BLS_MULX_ADX)
  if (detail::g_cpu_has_mulx_adx) return fp2_mul<true>(a, b);
#endif
  return fp2_mul<false>(a, b);
}

Fp2 Fp2::square() const {
#if defined(CHORUS_BLS_MULX_ADX)
  if (detail::g_cpu_has_mulx_adx) return fp2_square<true>(*this);
#endif
  return fp2_square<false>(*this);
}

Fp2 detail::fp2_mul_portable(const Fp2& a, const Fp2& b) { return fp2_mul<false>(a, b); }
Fp2 detail::fp2_square_portable(const Fp2& a) { return fp2_square<false>(a); }

std::optional<Fp> Fp::from_bytes(ByteView be48) {
  if (be48.size() != kBytes) return std::nullopt;
  Limbs v{};
  for (size_t i = 0; i < kBytes; ++i) {
    v[(kBytes - 1 - i) / 8] |= static_cast<uint64_t>(be48[i]) << (8 * ((kBytes - 1 - i) % 8));
  }
  Limbs diff{};
  if (detail::sub_limbs(diff, v, kP) == 0) return std::nullopt;  // v >= p
  return from_canonical(v);
}

Fp Fp::from_bytes_reduce(ByteView be) {
  // value = hi * 2^384 + lo; RFC 9380 uses 64 bytes (L = 64 for BLS12-381).
  assert(be.size() <= 96);
  uint8_t buf[96] = {};
  size_t n = be.size() > 96 ? 96 : be.size();
  std::memcpy(buf + 96 - n, be.data() + be.size() - n, n);
  auto limbs_at = [&](size_t offset) {
    Limbs v{};
    for (size_t i = 0; i < 48; ++i) {
      v[(47 - i) / 8] |= static_cast<uint64_t>(buf[offset + i]) << (8 * ((47 - i) % 8));
    }
    return v;
  };
  // Montgomery form of x is mont_mul(x, R^2); that of hi * 2^384 is mont_mul(hi * R, R^2).
  Fp lo, hi;
  lo.l_ = detail::mont_mul(detail::reduce_384(limbs_at(48)), detail::kRSquared);
  hi.l_ = detail::mont_mul(detail::reduce_384(limbs_at(0)), detail::kRSquared);
  hi.l_ = detail::mont_mul(hi.l_, detail::kRSquared);
  return hi + lo;
}

std::array<uint8_t, Fp::kBytes> Fp::to_bytes() const {
  Limbs v = to_canonical();
  std::array<uint8_t, kBytes> out{};
  for (size_t i = 0; i < kBytes; ++i) {
    out[kBytes - 1 - i] = static_cast<uint8_t>(v[i / 8] >> (8 * (i % 8)));
  }
  return out;
}

Fp Fp::pow(std::span<const uint64_t> exponent) const { return pow_limbs(*this, one(), exponent); }

Fp Fp::inverse() const { return pow(kPMinus2); }

std::optional<Fp> Fp::sqrt() const {
  Fp r = pow(kPPlus1Over4);
  if (r.square() != *this) return std::nullopt;
  return r;
}

bool Fp::is_square() const {
  Fp legendre = pow(kPMinus1Over2);
  return legendre.is_zero() || legendre == one();
}

bool Fp::lexicographically_largest() const {
  Limbs v = to_canonical();
  Limbs diff{};
  // v > (p - 1) / 2  <=>  (p - 1) / 2 - v borrows.
  return detail::sub_limbs(diff, kPMinus1Over2, v) != 0;
}

Fp2 Fp2::inverse() const {
  // 1 / (c0 + c1 u) = (c0 - c1 u) / (c0^2 + c1^2)
  Fp norm_inv = (c0.square() + c1.square()).inverse();
  return {c0 * norm_inv, -(c1 * norm_inv)};
}

Fp2 Fp2::pow(std::span<const uint64_t> exponent) const {
  return pow_limbs(*this, one(), exponent);
}

std::optional<Fp2> Fp2::sqrt() const {
  // Via the norm (the "complex method" for p = 3 mod 4): if x = a + b u with x^2 = c0 + c1 u,
  // then a^2 - b^2 = c0 and 2 a b = c1, so with alpha = sqrt(c0^2 + c1^2) the values
  // delta = (c0 + alpha) / 2 and delta' = (c0 - alpha) / 2 are a^2 and -b^2 in some order. Their
  // product is -c1^2 / 4, a non-square as -1 is one, so exactly one of them is a square. One
  // exponentiation t = delta^((p - 3) / 4) serves both cases: s = t delta has s t = delta^((p-1)/2),
  // which is 1 when delta is a square (s = sqrt(delta), 1 / s = t) and -1 otherwise (s^2 = -delta,
  // 1 / s = -t). The result is checked by squaring, which covers every degenerate case.
  if (is_zero()) return zero();
  if (c1.is_zero()) {
    if (auto r = c0.sqrt()) return Fp2{*r, Fp::zero()};
    // c0 is a non-square in Fp; -1 is a non-square too (p = 3 mod 4), so -c0 is a square and
    // (sqrt(-c0) u)^2 = c0.
    if (auto r = (-c0).sqrt()) return Fp2{Fp::zero(), *r};
    return std::nullopt;
  }
  std::optional<Fp> alpha = (c0.square() + c1.square()).sqrt();
  if (!alpha) return std::nullopt;
  Fp delta = (c0 + *alpha) * kHalf;
  Fp t = delta.pow(kPMinus3Over4);
  Fp s = t * delta;
  Fp half_c1_t = c1 * kHalf * t;
  // delta a square: a = s, b = c1 / (2 s). Otherwise -delta = s^2 is b^2 and a = c1 / (2 s).
  Fp2 candidate = s.square() == delta ? Fp2{s, half_c1_t} : Fp2{-half_c1_t, s};
  if (candidate.square() != *this) return std::nullopt;
  return candidate;
}

Fp6 operator*(const Fp6& a, const Fp6& b) {
  // Karatsuba over the cubic extension: six Fp2 products.
  Fp2 t0 = a.c0 * b.c0;
  Fp2 t1 = a.c1 * b.c1;
  Fp2 t2 = a.c2 * b.c2;
  Fp2 c0 = ((a.c1 + a.c2) * (b.c1 + b.c2) - t1 - t2).mul_by_xi() + t0;
  Fp2 c1 = (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1 + t2.mul_by_xi();
  Fp2 c2 = (a.c0 + a.c2) * (b.c0 + b.c2) - t0 - t2 + t1;
  return {c0, c1, c2};
}

Fp6 Fp6::mul_by_01(const Fp2& b0, const Fp2& b1) const {
  // (c0 + c1 v + c2 v^2)(b0 + b1 v), with v^3 = xi.
  Fp2 t0 = c0 * b0;
  Fp2 t1 = c1 * b1;
  return {(c2 * b1).mul_by_xi() + t0, (c0 + c1) * (b0 + b1) - t0 - t1, t1 + c2 * b0};
}

Fp6 Fp6::inverse() const {
  Fp2 t0 = c0.square() - (c1 * c2).mul_by_xi();
  Fp2 t1 = c2.square().mul_by_xi() - c0 * c1;
  Fp2 t2 = c1.square() - c0 * c2;
  Fp2 norm = c0 * t0 + (c2 * t1 + c1 * t2).mul_by_xi();
  Fp2 inv = norm.inverse();
  return {t0 * inv, t1 * inv, t2 * inv};
}

Fp12 Fp12::square() const {
  // (c0 + c1 w)^2 = (c0^2 + v c1^2) + 2 c0 c1 w, the first term as
  // (c0 + c1)(c0 + v c1) - c0 c1 - v c0 c1: two Fp6 products instead of three.
  Fp6 t = c0 * c1;
  return {(c0 + c1) * (c0 + c1.mul_by_v()) - t - t.mul_by_v(), t + t};
}

namespace {

// (x + y z)^2 in Fp4 = Fp2[z] / (z^2 - xi).
void fp4_square(const Fp2& x, const Fp2& y, Fp2& out_x, Fp2& out_y) {
  Fp2 xx = x.square();
  Fp2 yy = y.square();
  out_x = yy.mul_by_xi() + xx;
  out_y = (x + y).square() - xx - yy;
}

}  // namespace

Fp12 Fp12::cyclotomic_square() const {
  // Over Fp4 = Fp2[z], z = w^3, an element is A0 + A1 w + A2 w^2 with A0 = a0 + a3 z,
  // A1 = a1 + a4 z, A2 = a2 + a5 z (a_k the coefficient of w^k). In the cyclotomic subgroup
  // its square is (3 A0^2 - 2 conj(A0)) + (3 z A2^2 + 2 conj(A1)) w + (3 A1^2 - 2 conj(A2)) w^2,
  // where conj(x + y z) = x - y z.
  const Fp2& a0 = c0.c0;
  const Fp2& a1 = c1.c0;
  const Fp2& a2 = c0.c1;
  const Fp2& a3 = c1.c1;
  const Fp2& a4 = c0.c2;
  const Fp2& a5 = c1.c2;
  Fp2 s0x, s0y, s1x, s1y, s2x, s2y;
  fp4_square(a0, a3, s0x, s0y);
  fp4_square(a1, a4, s1x, s1y);
  fp4_square(a2, a5, s2x, s2y);
  // 3 s - 2 a as 2 (s - a) + s, and 3 s + 2 a as 2 (s + a) + s: three additions, not four.
  auto minus = [](const Fp2& sq, const Fp2& a) { return (sq - a).dbl() + sq; };
  auto plus = [](const Fp2& sq, const Fp2& a) { return (sq + a).dbl() + sq; };
  Fp2 r0 = minus(s0x, a0);
  Fp2 r3 = plus(s0y, a3);
  Fp2 r1 = plus(s2y.mul_by_xi(), a1);
  Fp2 r4 = minus(s2x, a4);
  Fp2 r2 = minus(s1x, a2);
  Fp2 r5 = plus(s1y, a5);
  return {{r0, r2, r4}, {r1, r3, r5}};
}

Fp12 Fp12::mul_by_line(const Fp2& c00, const Fp2& c01, const Fp2& c11) const {
  // Karatsuba over w with the line (c00 + c01 v) + (c11 v) w.
  Fp6 t0 = c0.mul_by_01(c00, c01);
  Fp6 t1 = c1.mul_by_1(c11);
  return {t0 + t1.mul_by_v(), (c0 + c1).mul_by_01(c00, c01 + c11) - t0 - t1};
}

Fp12 Fp12::inverse() const {
  // 1 / (c0 + c1 w) = (c0 - c1 w) / (c0^2 - v c1^2)
  Fp6 inv = (c0.square() - c1.square().mul_by_v()).inverse();
  return {c0 * inv, -(c1 * inv)};
}

namespace {

// gamma[k] = xi^(k (p - 1) / 6): (a w^k)^p = conj(a) w^(k p) = conj(a) gamma[k] w^k, as w^6 = xi.
const std::array<Fp2, 6>& frobenius_gammas() {
  static const std::array<Fp2, 6> gammas = [] {
    std::array<Fp2, 6> g;
    Fp2 xi{Fp::one(), Fp::one()};
    Fp2 base = xi.pow(kPMinus1Over6);
    g[0] = Fp2::one();
    for (size_t k = 1; k < 6; ++k) g[k] = g[k - 1] * base;
    return g;
  }();
  return gammas;
}

}  // namespace

Fp12 Fp12::frobenius() const {
  const auto& g = frobenius_gammas();
  return {
      {c0.c0.conjugate(), c0.c1.conjugate() * g[2], c0.c2.conjugate() * g[4]},
      {c1.c0.conjugate() * g[1], c1.c1.conjugate() * g[3], c1.c2.conjugate() * g[5]},
  };
}

Fp12 Fp12::pow(std::span<const uint64_t> exponent) const {
  return pow_limbs(*this, one(), exponent);
}

}  // namespace chorus::bls12_381
