// Numeric helpers shared by the executors, so that every executor computes the same bits: the
// canonical NaN, Wasm's min/max, the truncation bounds, and slot conversions. Slots hold i32 and
// f32 zero-extended, as described in runtime.h.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace chorus::wasm::numeric {

// Declared locals start at zero. Most functions have a few: plain stores beat a call to memset,
// which is what a loop becomes.
inline void zero_locals(uint64_t* l, uint32_t n) {
  if (n > 4) {
    std::memset(l, 0, n * sizeof(uint64_t));
    return;
  }
  if (n > 0) l[0] = 0;
  if (n > 1) l[1] = 0;
  if (n > 2) l[2] = 0;
  if (n > 3) l[3] = 0;
}

inline uint32_t u32(uint64_t s) { return static_cast<uint32_t>(s); }
inline float f32(uint64_t s) { return std::bit_cast<float>(static_cast<uint32_t>(s)); }
inline double f64(uint64_t s) { return std::bit_cast<double>(s); }
inline uint64_t bits(float f) { return std::bit_cast<uint32_t>(f); }
inline uint64_t bits(double d) { return std::bit_cast<uint64_t>(d); }

// Every float result that may be a NaN goes through these: Wasm leaves the NaN's payload
// nondeterministic, the IC fixes it to the canonical one.
inline uint64_t canon(float f) { return f != f ? 0x7FC00000u : bits(f); }
inline uint64_t canon(double d) { return d != d ? 0x7FF8000000000000u : bits(d); }

template <typename F>
inline F wasm_min(F a, F b) {
  if (a != a || b != b) return std::numeric_limits<F>::quiet_NaN();
  if (a == b) return std::signbit(a) ? a : b;  // min(-0, +0) is -0
  return a < b ? a : b;
}
template <typename F>
inline F wasm_max(F a, F b) {
  if (a != a || b != b) return std::numeric_limits<F>::quiet_NaN();
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// Integer I's range as exact powers of two: a truncated float t converts iff lo <= t < hi.
template <typename I>
constexpr double kTruncLo =
    std::is_signed_v<I> ? -static_cast<double>(uint64_t{1} << (sizeof(I) * 8 - 1)) : 0.0;
template <typename I>
constexpr double kTruncHi = std::is_signed_v<I>
                                ? static_cast<double>(uint64_t{1} << (sizeof(I) * 8 - 1))
                                : 2.0 * static_cast<double>(uint64_t{1} << (sizeof(I) * 8 - 1));

template <typename I>
inline uint64_t int_slot(I v) {
  if constexpr (sizeof(I) == 4) {
    return static_cast<uint32_t>(v);
  } else {
    return static_cast<uint64_t>(v);
  }
}

enum class TruncOutcome : uint8_t { kOk, kNaN, kOverflow };

// A trapping truncation: kNaN and kOverflow are the "invalid conversion" and "integer overflow"
// traps; |out| is set only on kOk.
template <typename I, typename F>
inline TruncOutcome trunc_checked(F x, uint64_t& out) {
  if (x != x) return TruncOutcome::kNaN;
  F t = std::trunc(x);
  if (!(t >= static_cast<F>(kTruncLo<I>) && t < static_cast<F>(kTruncHi<I>))) {
    return TruncOutcome::kOverflow;
  }
  out = int_slot(static_cast<I>(t));
  return TruncOutcome::kOk;
}

template <typename I, typename F>
inline uint64_t trunc_saturating(F x) {
  if (x != x) return 0;
  F t = std::trunc(x);
  if (t < static_cast<F>(kTruncLo<I>)) return int_slot(std::numeric_limits<I>::min());
  if (t >= static_cast<F>(kTruncHi<I>)) return int_slot(std::numeric_limits<I>::max());
  return int_slot(static_cast<I>(t));
}

// [start, start + n) within [0, size), without overflow.
inline bool in_bounds(uint64_t start, uint64_t n, uint64_t size) {
  return start <= size && n <= size - start;
}

}  // namespace chorus::wasm::numeric
