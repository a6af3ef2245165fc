// The fields of BLS12-381: the base field Fp and the tower Fp2 = Fp[u]/(u^2 + 1),
// Fp6 = Fp2[v]/(v^3 - (u + 1)), Fp12 = Fp6[w]/(w^2 - v) (draft-irtf-cfrg-pairing-friendly-curves,
// BLS12_381). Pairings land in Fp12; points of G1 have Fp coordinates, points of G2 Fp2.
//
// Fp elements are kept in Montgomery form on six 64-bit limbs. Every Fp multiplication goes
// through mont_mul() below: MULX/ADCX/ADOX assembly on x86-64 CPUs that have them, portable C++
// otherwise (both compute the same exact integer). Addition, multiplication, pow() with a fixed
// exponent, and inversion are branch-free in the elements; the square roots branch on whether
// one exists, which is public wherever they are used (decoding points, hashing to the curve).
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "base/bytes.h"

namespace chorus::bls12_381 {

__extension__ typedef unsigned __int128 u128;

// Little-endian 64-bit limbs.
using Limbs = std::array<uint64_t, 6>;

namespace detail {

constexpr int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Not constexpr: reaching it during constant evaluation is a compile error.
[[noreturn]] inline void bad_hex_constant() { std::abort(); }

// Big-endian hex (optional "0x") to limbs, for constants written as the specifications print
// them. A bad digit or an overlong string fails compilation when used in a constant expression.
constexpr Limbs parse_hex_limbs(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() > 96) bad_hex_constant();
  Limbs out{};
  size_t bit = 0;
  for (size_t i = hex.size(); i-- > 0;) {
    int d = hex_digit(hex[i]);
    if (d < 0) bad_hex_constant();
    out[bit / 64] |= static_cast<uint64_t>(d) << (bit % 64);
    bit += 4;
  }
  return out;
}

// p, the BLS12-381 base field modulus (pairing-friendly-curves draft, BLS12_381).
inline constexpr Limbs kP = parse_hex_limbs(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf"
    "6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab");

// Add and subtract with carry. Through u128 GCC emits long chains of moves; the x86-64 carry
// intrinsics give plain adc/sbb chains. Constant evaluation takes the portable path.
constexpr uint64_t add_carry(uint64_t a, uint64_t b, uint64_t& carry) {
#if defined(__x86_64__)
  if (!std::is_constant_evaluated()) {
    unsigned long long out;
    carry = _addcarry_u64(static_cast<unsigned char>(carry), a, b, &out);
    return out;
  }
#endif
  u128 s = static_cast<u128>(a) + b + carry;
  carry = static_cast<uint64_t>(s >> 64);
  return static_cast<uint64_t>(s);
}
constexpr uint64_t sub_borrow(uint64_t a, uint64_t b, uint64_t& borrow) {
#if defined(__x86_64__)
  if (!std::is_constant_evaluated()) {
    unsigned long long out;
    borrow = _subborrow_u64(static_cast<unsigned char>(borrow), a, b, &out);
    return out;
  }
#endif
  u128 d = static_cast<u128>(a) - b - borrow;
  borrow = static_cast<uint64_t>(d >> 64) & 1;
  return static_cast<uint64_t>(d);
}

// out = a - b; returns the borrow.
constexpr uint64_t sub_limbs(Limbs& out, const Limbs& a, const Limbs& b) {
  uint64_t borrow = 0;
#pragma GCC unroll 6
  for (size_t i = 0; i < 6; ++i) out[i] = sub_borrow(a[i], b[i], borrow);
  return borrow;
}

// out = a + b; returns the carry.
constexpr uint64_t add_limbs(Limbs& out, const Limbs& a, const Limbs& b) {
  uint64_t carry = 0;
#pragma GCC unroll 6
  for (size_t i = 0; i < 6; ++i) out[i] = add_carry(a[i], b[i], carry);
  return carry;
}

// Branch-free: a if mask is all ones, b if zero.
constexpr Limbs select(uint64_t mask, const Limbs& a, const Limbs& b) {
  Limbs out{};
#pragma GCC unroll 6
  for (size_t i = 0; i < 6; ++i) out[i] = (a[i] & mask) | (b[i] & ~mask);
  return out;
}

// a - p if a >= p (with |carry| the bit above a), otherwise a.
constexpr Limbs reduce_once(const Limbs& a, uint64_t carry) {
  Limbs d{};
  uint64_t borrow = sub_limbs(d, a, kP);
  // Keep d unless the subtraction borrowed past the carry bit.
  uint64_t keep_a = static_cast<uint64_t>(0) - (borrow & (carry ^ 1));
  return select(keep_a, a, d);
}

constexpr uint64_t compute_minus_p_inverse() {
  uint64_t inv = 1;  // Newton's iteration doubles the correct low bits each step.
  for (int i = 0; i < 6; ++i) inv *= 2 - kP[0] * inv;
  return static_cast<uint64_t>(0) - inv;
}
inline constexpr uint64_t kMinusPInverse = compute_minus_p_inverse();  // -p^-1 mod 2^64

// Montgomery product a * b / 2^384 mod p, for a, b < p; the result is below p. This is CIOS with
// the "no-carry" shortcut known from gnark: p's top limb is below 2^63 - 1, so the running sum
// never needs a seventh limb.
constexpr Limbs mont_mul_portable(const Limbs& a, const Limbs& b) {
  uint64_t t[6] = {};
#pragma GCC unroll 6
  for (size_t i = 0; i < 6; ++i) {
    u128 s = static_cast<u128>(a[0]) * b[i] + t[0];
    uint64_t carry = static_cast<uint64_t>(s >> 64);
    uint64_t m = static_cast<uint64_t>(s) * kMinusPInverse;
    u128 r = static_cast<u128>(m) * kP[0] + static_cast<uint64_t>(s);
    uint64_t carry2 = static_cast<uint64_t>(r >> 64);
#pragma GCC unroll 5
    for (size_t j = 1; j < 6; ++j) {
      s = static_cast<u128>(a[j]) * b[i] + t[j] + carry;
      carry = static_cast<uint64_t>(s >> 64);
      r = static_cast<u128>(m) * kP[j] + static_cast<uint64_t>(s) + carry2;
      t[j - 1] = static_cast<uint64_t>(r);
      carry2 = static_cast<uint64_t>(r >> 64);
    }
    t[5] = carry + carry2;
  }
  return reduce_once(Limbs{t[0], t[1], t[2], t[3], t[4], t[5]}, 0);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CHORUS_BLS_MULX_ADX 1

// Whether this CPU has MULX (BMI2) and ADCX/ADOX (ADX). Set during static initialisation; until
// then it reads false and mont_mul() takes the portable path, which gives the same results.
extern const bool g_cpu_has_mulx_adx;

// The same CIOS product as mont_mul_portable() with MULX, which leaves the flags alone, and two
// independent carry chains: ADCX carries through CF and ADOX through OF, so the additions of the
// low and high product halves interleave instead of waiting on one another. Each of the six
// rounds adds a * b[i] into t (seven limbs with |hi|), then adds m * p with m = t[0] * (-p^-1)
// and shifts down a limb; p's top limb being below 2^63 keeps t within six limbs plus |hi|.
// REQUIRES: g_cpu_has_mulx_adx.
inline constexpr std::array<uint64_t, 7> kPAndMinusPInverse = {kP[0], kP[1], kP[2], kP[3],
                                                               kP[4], kP[5], kMinusPInverse};
[[gnu::always_inline]] inline Limbs mont_mul_mulx_adx(const Limbs& a, const Limbs& b) {
  uint64_t t0, t1, t2, t3, t4, t5, hi, tmp;
  __asm__(
      "xorl %%eax, %%eax\n\t"
      "movq 0(%[b]), %%rdx\n\t"
      "mulxq 0(%[a]), %[t0], %[t1]\n\t"
      "mulxq 8(%[a]), %%rax, %[t2]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "mulxq 16(%[a]), %%rax, %[t3]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "mulxq 24(%[a]), %%rax, %[t4]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "mulxq 32(%[a]), %%rax, %[t5]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "mulxq 40(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t5]\n\t"
      "movl $0, %%eax\n\t"
      "adoxq %%rax, %[hi]\n\t"
      "movq %[t0], %%rdx\n\t"
      "imulq 48(%[p]), %%rdx\n\t"
      "xorl %%eax, %%eax\n\t"
      "mulxq 0(%[p]), %%rax, %[tmp]\n\t"
      "adcxq %[t0], %%rax\n\t"
      "movq %[tmp], %[t0]\n\t"
      "adcxq %[t1], %[t0]\n\t"
      "mulxq 8(%[p]), %%rax, %[t1]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[t2], %[t1]\n\t"
      "mulxq 16(%[p]), %%rax, %[t2]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[t3], %[t2]\n\t"
      "mulxq 24(%[p]), %%rax, %[t3]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[t4], %[t3]\n\t"
      "mulxq 32(%[p]), %%rax, %[t4]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[t5], %[t4]\n\t"
      "mulxq 40(%[p]), %%rax, %[t5]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[t5]\n\t"
      "adoxq %[hi], %[t5]\n\t"
      "xorl %%eax, %%eax\n\t"
      "movq 8(%[b]), %%rdx\n\t"
      "mulxq 0(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[hi], %[t1]\n\t"
      "mulxq 8(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[hi], %[t2]\n\t"
      "mulxq 16(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[hi], %[t3]\n\t"
      "mulxq 24(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[hi], %[t4]\n\t"
      "mulxq 32(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "adcxq %[hi], %[t5]\n\t"
      "mulxq 40(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t5]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[hi]\n\t"
      "adoxq %%rax, %[hi]\n\t"
      "movq %[t0], %%rdx\n\t"
      "imulq 48(%[p]), %%rdx\n\t"
      "xorl %%eax, %%eax\n\t"
      "mulxq 0(%[p]), %%rax, %[tmp]\n\t"
      "adcxq %[t0], %%rax\n\t"
      "movq %[tmp], %[t0]\n\t"
      "adcxq %[t1], %[t0]\n\t"
      "mulxq 8(%[p]), %%rax, %[t1]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[t2], %[t1]\n\t"
      "mulxq 16(%[p]), %%rax, %[t2]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[t3], %[t2]\n\t"
      "mulxq 24(%[p]), %%rax, %[t3]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[t4], %[t3]\n\t"
      "mulxq 32(%[p]), %%rax, %[t4]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[t5], %[t4]\n\t"
      "mulxq 40(%[p]), %%rax, %[t5]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[t5]\n\t"
      "adoxq %[hi], %[t5]\n\t"
      "xorl %%eax, %%eax\n\t"
      "movq 16(%[b]), %%rdx\n\t"
      "mulxq 0(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[hi], %[t1]\n\t"
      "mulxq 8(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[hi], %[t2]\n\t"
      "mulxq 16(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[hi], %[t3]\n\t"
      "mulxq 24(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[hi], %[t4]\n\t"
      "mulxq 32(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "adcxq %[hi], %[t5]\n\t"
      "mulxq 40(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t5]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[hi]\n\t"
      "adoxq %%rax, %[hi]\n\t"
      "movq %[t0], %%rdx\n\t"
      "imulq 48(%[p]), %%rdx\n\t"
      "xorl %%eax, %%eax\n\t"
      "mulxq 0(%[p]), %%rax, %[tmp]\n\t"
      "adcxq %[t0], %%rax\n\t"
      "movq %[tmp], %[t0]\n\t"
      "adcxq %[t1], %[t0]\n\t"
      "mulxq 8(%[p]), %%rax, %[t1]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[t2], %[t1]\n\t"
      "mulxq 16(%[p]), %%rax, %[t2]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[t3], %[t2]\n\t"
      "mulxq 24(%[p]), %%rax, %[t3]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[t4], %[t3]\n\t"
      "mulxq 32(%[p]), %%rax, %[t4]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[t5], %[t4]\n\t"
      "mulxq 40(%[p]), %%rax, %[t5]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[t5]\n\t"
      "adoxq %[hi], %[t5]\n\t"
      "xorl %%eax, %%eax\n\t"
      "movq 24(%[b]), %%rdx\n\t"
      "mulxq 0(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[hi], %[t1]\n\t"
      "mulxq 8(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[hi], %[t2]\n\t"
      "mulxq 16(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[hi], %[t3]\n\t"
      "mulxq 24(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[hi], %[t4]\n\t"
      "mulxq 32(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "adcxq %[hi], %[t5]\n\t"
      "mulxq 40(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t5]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[hi]\n\t"
      "adoxq %%rax, %[hi]\n\t"
      "movq %[t0], %%rdx\n\t"
      "imulq 48(%[p]), %%rdx\n\t"
      "xorl %%eax, %%eax\n\t"
      "mulxq 0(%[p]), %%rax, %[tmp]\n\t"
      "adcxq %[t0], %%rax\n\t"
      "movq %[tmp], %[t0]\n\t"
      "adcxq %[t1], %[t0]\n\t"
      "mulxq 8(%[p]), %%rax, %[t1]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[t2], %[t1]\n\t"
      "mulxq 16(%[p]), %%rax, %[t2]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[t3], %[t2]\n\t"
      "mulxq 24(%[p]), %%rax, %[t3]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[t4], %[t3]\n\t"
      "mulxq 32(%[p]), %%rax, %[t4]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[t5], %[t4]\n\t"
      "mulxq 40(%[p]), %%rax, %[t5]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[t5]\n\t"
      "adoxq %[hi], %[t5]\n\t"
      "xorl %%eax, %%eax\n\t"
      "movq 32(%[b]), %%rdx\n\t"
      "mulxq 0(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[hi], %[t1]\n\t"
      "mulxq 8(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[hi], %[t2]\n\t"
      "mulxq 16(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[hi], %[t3]\n\t"
      "mulxq 24(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[hi], %[t4]\n\t"
      "mulxq 32(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "adcxq %[hi], %[t5]\n\t"
      "mulxq 40(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t5]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[hi]\n\t"
      "adoxq %%rax, %[hi]\n\t"
      "movq %[t0], %%rdx\n\t"
      "imulq 48(%[p]), %%rdx\n\t"
      "xorl %%eax, %%eax\n\t"
      "mulxq 0(%[p]), %%rax, %[tmp]\n\t"
      "adcxq %[t0], %%rax\n\t"
      "movq %[tmp], %[t0]\n\t"
      "adcxq %[t1], %[t0]\n\t"
      "mulxq 8(%[p]), %%rax, %[t1]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[t2], %[t1]\n\t"
      "mulxq 16(%[p]), %%rax, %[t2]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[t3], %[t2]\n\t"
      "mulxq 24(%[p]), %%rax, %[t3]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[t4], %[t3]\n\t"
      "mulxq 32(%[p]), %%rax, %[t4]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[t5], %[t4]\n\t"
      "mulxq 40(%[p]), %%rax, %[t5]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[t5]\n\t"
      "adoxq %[hi], %[t5]\n\t"
      "xorl %%eax, %%eax\n\t"
      "movq 40(%[b]), %%rdx\n\t"
      "mulxq 0(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[hi], %[t1]\n\t"
      "mulxq 8(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[hi], %[t2]\n\t"
      "mulxq 16(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[hi], %[t3]\n\t"
      "mulxq 24(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[hi], %[t4]\n\t"
      "mulxq 32(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "adcxq %[hi], %[t5]\n\t"
      "mulxq 40(%[a]), %%rax, %[hi]\n\t"
      "adoxq %%rax, %[t5]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[hi]\n\t"
      "adoxq %%rax, %[hi]\n\t"
      "movq %[t0], %%rdx\n\t"
      "imulq 48(%[p]), %%rdx\n\t"
      "xorl %%eax, %%eax\n\t"
      "mulxq 0(%[p]), %%rax, %[tmp]\n\t"
      "adcxq %[t0], %%rax\n\t"
      "movq %[tmp], %[t0]\n\t"
      "adcxq %[t1], %[t0]\n\t"
      "mulxq 8(%[p]), %%rax, %[t1]\n\t"
      "adoxq %%rax, %[t0]\n\t"
      "adcxq %[t2], %[t1]\n\t"
      "mulxq 16(%[p]), %%rax, %[t2]\n\t"
      "adoxq %%rax, %[t1]\n\t"
      "adcxq %[t3], %[t2]\n\t"
      "mulxq 24(%[p]), %%rax, %[t3]\n\t"
      "adoxq %%rax, %[t2]\n\t"
      "adcxq %[t4], %[t3]\n\t"
      "mulxq 32(%[p]), %%rax, %[t4]\n\t"
      "adoxq %%rax, %[t3]\n\t"
      "adcxq %[t5], %[t4]\n\t"
      "mulxq 40(%[p]), %%rax, %[t5]\n\t"
      "adoxq %%rax, %[t4]\n\t"
      "movl $0, %%eax\n\t"
      "adcxq %%rax, %[t5]\n\t"
      "adoxq %[hi], %[t5]\n\t"
      : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4),
        [t5] "=&r"(t5), [hi] "=&r"(hi), [tmp] "=&r"(tmp)
      : [a] "r"(a.data()), [b] "r"(b.data()), [p] "r"(kPAndMinusPInverse.data())
      // "memory": the limbs are read through the pointers. Operands naming each limb instead
      // would need more registers than an unoptimised build can spare.
      : "rax", "rdx", "cc", "memory");
  return reduce_once(Limbs{t0, t1, t2, t3, t4, t5}, 0);
}
#endif

#if defined(CHORUS_BLS_MULX_ADX)
// Out of line (field.cc): mont_mul_mulx_adx() if the CPU has it, else mont_mul_portable(). One
// call per product, with the CPU check inside, and small call sites.
Limbs mont_mul_dispatch(const Limbs& a, const Limbs& b);
#endif

// Every Fp product in the library goes through here. Constant evaluation (the constants of this
// header) takes the portable path.
constexpr Limbs mont_mul(const Limbs& a, const Limbs& b) {
#if defined(CHORUS_BLS_MULX_ADX)
  if (!std::is_constant_evaluated()) return mont_mul_dispatch(a, b);
#endif
  return mont_mul_portable(a, b);
}

// Any 384-bit value mod p: 2^384 < 10 p, so ten branch-free conditional subtractions suffice.
constexpr Limbs reduce_384(Limbs v) {
  for (int i = 0; i < 10; ++i) v = reduce_once(v, 0);
  return v;
}

constexpr Limbs compute_r_squared() {
  Limbs r{1, 0, 0, 0, 0, 0};
  for (int i = 0; i < 768; ++i) {  // 2^768 mod p by doubling
    Limbs d{};
    uint64_t carry = add_limbs(d, r, r);
    r = reduce_once(d, carry);
  }
  return r;
}
inline constexpr Limbs kRSquared = compute_r_squared();  // 2^768 mod p

// Limb-array arithmetic for deriving exponents such as (p - 1) / 2 from p at compile time.
constexpr Limbs add_small(Limbs a, uint64_t v) {
  for (size_t i = 0; i < 6 && v != 0; ++i) {
    u128 s = static_cast<u128>(a[i]) + v;
    a[i] = static_cast<uint64_t>(s);
    v = static_cast<uint64_t>(s >> 64);
  }
  return a;
}
constexpr Limbs sub_small(Limbs a, uint64_t v) {
  for (size_t i = 0; i < 6 && v != 0; ++i) {
    uint64_t before = a[i];
    a[i] -= v;
    v = before < v ? 1 : 0;
  }
  return a;
}
constexpr Limbs div_small(const Limbs& a, uint64_t d) {
  Limbs q{};
  u128 rem = 0;
  for (size_t i = 6; i-- > 0;) {
    u128 cur = (rem << 64) | a[i];
    q[i] = static_cast<uint64_t>(cur / d);
    rem = cur % d;
  }
  return q;
}

}  // namespace detail

class Fp;

namespace detail {
// The Montgomery limbs of an Fp, for the Fp2 products in field.cc that pick the multiplication
// path once per product rather than once per Fp multiplication.
struct FpLimbsAccess;
}  // namespace detail

class Fp {
 public:
  static constexpr size_t kBytes = 48;

  constexpr Fp() : l_{} {}
  static constexpr Fp zero() { return Fp(); }
  static constexpr Fp one() { return from_canonical(Limbs{1, 0, 0, 0, 0, 0}); }
  static constexpr Fp from_u64(uint64_t v) { return from_canonical(Limbs{v, 0, 0, 0, 0, 0}); }
  // For constants: big-endian hex, which must be below p.
  static constexpr Fp from_hex(std::string_view hex) {
    return from_canonical(detail::parse_hex_limbs(hex));
  }
  // REQUIRES: v < p.
  static constexpr Fp from_canonical(const Limbs& v) {
    Fp out;
    out.l_ = detail::mont_mul(v, detail::kRSquared);
    return out;
  }
  // Big-endian, exactly 48 bytes; nullopt if the value is not below p.
  static std::optional<Fp> from_bytes(ByteView be48);
  // Big-endian, reduced mod p (hash_to_field, RFC 9380 section 5.2). REQUIRES: at most 96 bytes.
  static Fp from_bytes_reduce(ByteView be);

  Limbs to_canonical() const { return detail::mont_mul(l_, Limbs{1, 0, 0, 0, 0, 0}); }
  std::array<uint8_t, kBytes> to_bytes() const;  // big-endian

  constexpr bool is_zero() const {
    uint64_t acc = 0;
    for (uint64_t v : l_) acc |= v;
    return acc == 0;
  }
  friend constexpr bool operator==(const Fp& a, const Fp& b) { return a.l_ == b.l_; }

  friend constexpr Fp operator+(const Fp& a, const Fp& b) {
    Fp out;
    uint64_t carry = detail::add_limbs(out.l_, a.l_, b.l_);
    out.l_ = detail::reduce_once(out.l_, carry);
    return out;
  }
  friend constexpr Fp operator-(const Fp& a, const Fp& b) {
    Fp out;
    uint64_t borrow = detail::sub_limbs(out.l_, a.l_, b.l_);
    Limbs fixed{};
    detail::add_limbs(fixed, out.l_, detail::kP);
    out.l_ = detail::select(static_cast<uint64_t>(0) - borrow, fixed, out.l_);
    return out;
  }
  friend constexpr Fp operator*(const Fp& a, const Fp& b) {
    Fp out;
    out.l_ = detail::mont_mul(a.l_, b.l_);
    return out;
  }
  constexpr Fp operator-() const { return zero() - *this; }
  Fp& operator+=(const Fp& b) { return *this = *this + b; }
  Fp& operator-=(const Fp& b) { return *this = *this - b; }
  Fp& operator*=(const Fp& b) { return *this = *this * b; }

  constexpr Fp square() const { return *this * *this; }
  constexpr Fp dbl() const { return *this + *this; }

  // Exponent in little-endian limbs; the exponent's bits are not hidden.
  Fp pow(std::span<const uint64_t> exponent) const;
  Fp inverse() const;  // 0 maps to 0 (RFC 9380's inv0)
  // A square root if one exists (p = 3 mod 4, so a^((p+1)/4)); which of the two is unspecified.
  std::optional<Fp> sqrt() const;
  bool is_square() const;  // RFC 9380 is_square: true for 0
  // RFC 9380 section 4.1 sgn0: the parity of the canonical value.
  bool sgn0() const { return (to_canonical()[0] & 1) != 0; }
  // ZCash serialization's sign: the value exceeds (p - 1) / 2.
  bool lexicographically_largest() const;

  // Branch-free: a if choose, else b.
  static constexpr Fp select(bool choose, const Fp& a, const Fp& b) {
    Fp out;
    out.l_ = detail::select(static_cast<uint64_t>(0) - static_cast<uint64_t>(choose), a.l_, b.l_);
    return out;
  }

 private:
  friend struct detail::FpLimbsAccess;
  Limbs l_;  // Montgomery form a * 2^384 mod p, always below p
};

// Fp2 = Fp[u] / (u^2 + 1).
struct Fp2 {
  Fp c0, c1;  // c0 + c1 * u

  static constexpr Fp2 zero() { return {}; }
  static constexpr Fp2 one() { return {Fp::one(), Fp::zero()}; }

  bool is_zero() const { return c0.is_zero() && c1.is_zero(); }
  friend bool operator==(const Fp2& a, const Fp2& b) = default;

  friend Fp2 operator+(const Fp2& a, const Fp2& b) { return {a.c0 + b.c0, a.c1 + b.c1}; }
  friend Fp2 operator-(const Fp2& a, const Fp2& b) { return {a.c0 - b.c0, a.c1 - b.c1}; }
  // Out of line (field.cc), choosing the multiplication path once for the three Fp products.
  friend Fp2 operator*(const Fp2& a, const Fp2& b);
  friend Fp2 operator*(const Fp2& a, const Fp& b) { return {a.c0 * b, a.c1 * b}; }
  Fp2 operator-() const { return {-c0, -c1}; }
  Fp2& operator+=(const Fp2& b) { return *this = *this + b; }
  Fp2& operator-=(const Fp2& b) { return *this = *this - b; }
  Fp2& operator*=(const Fp2& b) { return *this = *this * b; }

  Fp2 square() const;  // out of line, as the product
  Fp2 dbl() const { return {c0.dbl(), c1.dbl()}; }
  Fp2 conjugate() const { return {c0, -c1}; }  // also the p-power Frobenius
  // Multiplication by the Fp6 non-residue xi = u + 1.
  Fp2 mul_by_xi() const { return {c0 - c1, c0 + c1}; }
  Fp2 inverse() const;  // 0 maps to 0
  Fp2 pow(std::span<const uint64_t> exponent) const;
  std::optional<Fp2> sqrt() const;
  // RFC 9380 section 4.1 sgn0 for m = 2.
  bool sgn0() const { return c0.sgn0() || (c0.is_zero() && c1.sgn0()); }
  // ZCash serialization's sign: compare c1 first, c0 if c1 is zero.
  bool lexicographically_largest() const {
    return c1.lexicographically_largest() || (c1.is_zero() && c0.lexicographically_largest());
  }
};

namespace detail {
// The Fp2 product and square on the portable multiplication whatever the CPU, for the tests that
// hold the two paths of the operators above to the same results.
Fp2 fp2_mul_portable(const Fp2& a, const Fp2& b);
Fp2 fp2_square_portable(const Fp2& a);
}  // namespace detail

// Fp6 = Fp2[v] / (v^3 - xi).
struct Fp6 {
  Fp2 c0, c1, c2;  // c0 + c1 v + c2 v^2

  static Fp6 zero() { return {}; }
  static Fp6 one() { return {Fp2::one(), Fp2::zero(), Fp2::zero()}; }

  bool is_zero() const { return c0.is_zero() && c1.is_zero() && c2.is_zero(); }
  friend bool operator==(const Fp6& a, const Fp6& b) = default;

  friend Fp6 operator+(const Fp6& a, const Fp6& b) {
    return {a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2};
  }
  friend Fp6 operator-(const Fp6& a, const Fp6& b) {
    return {a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2};
  }
  friend Fp6 operator*(const Fp6& a, const Fp6& b);
  Fp6 operator-() const { return {-c0, -c1, -c2}; }

  Fp6 square() const { return *this * *this; }
  // Products with sparse factors b0 + b1 v and b1 v, for Miller loop lines.
  Fp6 mul_by_01(const Fp2& b0, const Fp2& b1) const;
  Fp6 mul_by_1(const Fp2& b1) const { return {(c2 * b1).mul_by_xi(), c0 * b1, c1 * b1}; }
  // Multiplication by v, the Fp12 non-residue.
  Fp6 mul_by_v() const { return {c2.mul_by_xi(), c0, c1}; }
  Fp6 inverse() const;
};

// Fp12 = Fp6[w] / (w^2 - v). As a vector over Fp2 in powers of w (w^6 = xi), the coefficient of
// w^k sits in c(k % 2).c(k / 2).
struct Fp12 {
  Fp6 c0, c1;  // c0 + c1 w

  static Fp12 one() { return {Fp6::one(), Fp6::zero()}; }

  bool is_one() const { return *this == one(); }
  friend bool operator==(const Fp12& a, const Fp12& b) = default;

  friend Fp12 operator*(const Fp12& a, const Fp12& b) {
    Fp6 t0 = a.c0 * b.c0;
    Fp6 t1 = a.c1 * b.c1;
    return {t0 + t1.mul_by_v(), (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1};
  }
  Fp12& operator*=(const Fp12& b) { return *this = *this * b; }

  Fp12 square() const;
  // Squaring for elements of the cyclotomic subgroup (norm 1 over Fp6, as after the easy part of
  // the final exponentiation), about three times cheaper than square() (Granger and Scott,
  // "Faster squaring in the cyclotomic subgroup of sixth degree extensions", PKC 2010).
  Fp12 cyclotomic_square() const;
  // Product with the sparse element c00 + c01 v + c11 v w, the shape of Miller loop lines.
  Fp12 mul_by_line(const Fp2& c00, const Fp2& c01, const Fp2& c11) const;
  // The p^6-power Frobenius; the inverse for elements of the cyclotomic subgroup.
  Fp12 conjugate() const { return {c0, -c1}; }
  Fp12 inverse() const;
  Fp12 frobenius() const;  // x^p
  Fp12 pow(std::span<const uint64_t> exponent) const;
};

}  // namespace chorus::bls12_381
