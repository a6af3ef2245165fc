// Arbitrary-precision integers, as far as the wire formats need them: Candid's nat and int are
// unbounded, CBOR has bignums. This is a value type with exact conversions (decimal text, machine
// integers, LEB128 in leb128.h), not an arithmetic library.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chorus {

class BigInt {
 public:
  BigInt() = default;  // zero
  static BigInt from_u64(uint64_t v);
  static BigInt from_i64(int64_t v);
  // |limbs| is the magnitude in little-endian base 2^32; high zero limbs are dropped.
  static BigInt from_limbs(std::vector<uint32_t> limbs, bool negative);

  // Decimal with an optional sign; '_' may separate digits (Candid's "1_000"). At most
  // kMaxDecimalDigits digits, so that hostile text cannot cost quadratic time.
  static Result<BigInt> from_decimal(std::string_view text);
  static constexpr size_t kMaxDecimalDigits = 100000;

  std::string to_decimal() const;

  bool is_zero() const { return limbs_.empty(); }
  bool is_negative() const { return negative_; }
  const std::vector<uint32_t>& limbs() const { return limbs_; }
  size_t bit_length() const;
  bool bit(size_t i) const {
    return i / 32 < limbs_.size() && ((limbs_[i / 32] >> (i % 32)) & 1) != 0;
  }

  std::optional<uint64_t> to_u64() const;
  std::optional<int64_t> to_i64() const;

  BigInt negated() const;

  friend bool operator==(const BigInt&, const BigInt&) = default;
  friend std::strong_ordering operator<=>(const BigInt& a, const BigInt& b);

 private:
  void normalize();

  std::vector<uint32_t> limbs_;  // magnitude, little-endian, no high zero limb
  bool negative_ = false;        // never true for zero
};

}  // namespace chorus
