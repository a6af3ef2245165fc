// Lane plumbing for the interpreter's SIMD handlers (interpreter_simd.inc): a v128 is two adjacent
// 64-bit slots holding its 16 bytes in memory order, so its lanes are read and written with one
// 16-byte copy on the little-endian hosts the interpreter requires. Everything here is integer
// arithmetic on lanes; float semantics (canonical NaNs, Wasm min/max) stay in interpreter.cc.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace chorus::wasm::simd {

// The lanes of a v128 as |16 / sizeof(T)| values of T, lane 0 first.
template <typename T>
using Lanes = std::array<T, 16 / sizeof(T)>;

// The lanes of the v128 whose first slot is |s|.
template <typename T>
inline Lanes<T> lanes_at(const uint64_t* s) {
  Lanes<T> l;
  std::memcpy(l.data(), s, 16);
  return l;
}

// Writes |l| as the v128 whose first slot is |s|.
template <typename T>
inline void store_lanes(uint64_t* s, const Lanes<T>& l) {
  std::memcpy(s, l.data(), 16);
}

// A comparison's lane result: all ones when true, zero otherwise.
template <typename T>
inline T lane_mask(bool c) {
  return c ? static_cast<T>(~T{0}) : T{0};
}

// |v| clamped to T's range (saturating arithmetic and narrowing).
template <typename T>
inline T saturate(int64_t v) {
  if (v < static_cast<int64_t>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (v > static_cast<int64_t>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

// Two's-complement absolute value of an unsigned lane read as signed: the minimum stays itself.
template <typename U>
inline U lane_abs(U x) {
  using S = std::make_signed_t<U>;
  return static_cast<S>(x) < 0 ? static_cast<U>(U{0} - x) : x;
}

}  // namespace chorus::wasm::simd
