// Cycles: the IC's unit of payment for compute and storage. Balances are u128 and saturate
// (interface spec, "Cycles"), so no arithmetic here wraps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bigint.h"
#include "base/bytes.h"

namespace chorus::state {

class Cycles {
 public:
  __extension__ typedef unsigned __int128 u128;  // GCC and Clang; not ISO C++
  constexpr Cycles() = default;
  constexpr explicit Cycles(u128 v) : v_(v) {}
  static constexpr Cycles from_parts(uint64_t hi, uint64_t lo) {
    return Cycles((static_cast<u128>(hi) << 64) | lo);
  }
  static constexpr Cycles max() { return Cycles(~u128{0}); }

  constexpr u128 value() const { return v_; }
  constexpr uint64_t high() const { return static_cast<uint64_t>(v_ >> 64); }
  constexpr uint64_t low() const { return static_cast<uint64_t>(v_); }
  constexpr bool is_zero() const { return v_ == 0; }

  // Saturating: a sum past 2^128-1 stays there; a difference below zero is zero.
  constexpr Cycles operator+(Cycles o) const { return Cycles(v_ + o.v_ < v_ ? ~u128{0} : v_ + o.v_); }
  constexpr Cycles operator-(Cycles o) const { return Cycles(o.v_ > v_ ? 0 : v_ - o.v_); }
  Cycles& operator+=(Cycles o) { return *this = *this + o; }
  Cycles& operator-=(Cycles o) { return *this = *this - o; }
  // Saturating product with a u64 factor.
  constexpr Cycles times(uint64_t k) const {
    if (k == 0 || v_ == 0) return Cycles();
    if (v_ > ~u128{0} / k) return max();
    return Cycles(v_ * k);
  }
  constexpr Cycles divided_by(uint64_t k) const { return Cycles(v_ / k); }
  friend constexpr auto operator<=>(Cycles a, Cycles b) = default;

  // 16 bytes, little-endian: how ic0's *128 functions write a value to canister memory.
  void write_le(uint8_t out[16]) const {
    for (int i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(v_ >> (8 * i));
  }
  BigInt to_bigint() const {
    return BigInt::from_limbs({static_cast<uint32_t>(v_), static_cast<uint32_t>(v_ >> 32),
                               static_cast<uint32_t>(v_ >> 64), static_cast<uint32_t>(v_ >> 96)},
                              false);
  }
  // A nat that does not fit saturates, as the IC's cycle counts do.
  static Cycles from_bigint(const BigInt& n) {
    if (n.is_negative()) return Cycles();
    if (n.bit_length() > 128) return max();
    u128 v = 0;
    const auto& l = n.limbs();
    for (size_t i = l.size(); i-- > 0;) v = (v << 32) | l[i];
    return Cycles(v);
  }
  std::string to_string() const { return to_bigint().to_decimal(); }

 private:
  u128 v_ = 0;
};

}  // namespace chorus::state
