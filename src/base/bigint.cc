#include "base/bigint.h"

#include <algorithm>

namespace chorus {
namespace {

// Multiplies the magnitude by m and adds a, in place.
void mul_add(std::vector<uint32_t>& limbs, uint32_t m, uint32_t a) {
  uint64_t carry = a;
  for (uint32_t& limb : limbs) {
    uint64_t t = static_cast<uint64_t>(limb) * m + carry;
    limb = static_cast<uint32_t>(t);
    carry = t >> 32;
  }
  if (carry != 0) limbs.push_back(static_cast<uint32_t>(carry));
}

// Divides the magnitude by d in place and returns the remainder.
uint32_t div_rem(std::vector<uint32_t>& limbs, uint32_t d) {
  uint64_t rem = 0;
  for (size_t i = limbs.size(); i-- > 0;) {
    uint64_t cur = (rem << 32) | limbs[i];
    limbs[i] = static_cast<uint32_t>(cur / d);
    rem = cur % d;
  }
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  return static_cast<uint32_t>(rem);
}

std::strong_ordering compare_magnitude(const std::vector<uint32_t>& a,
                                       const std::vector<uint32_t>& b) {
  if (a.size() != b.size()) return a.size() <=> b.size();
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] <=> b[i];
  }
  return std::strong_ordering::equal;
}

}  // namespace

void BigInt::normalize() {
  while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
  if (limbs_.empty()) negative_ = false;
}

BigInt BigInt::from_u64(uint64_t v) {
  BigInt r;
  if (v != 0) r.limbs_.push_back(static_cast<uint32_t>(v));
  if (v >> 32 != 0) r.limbs_.push_back(static_cast<uint32_t>(v >> 32));
  return r;
}

BigInt BigInt::from_i64(int64_t v) {
  // Negate in unsigned arithmetic so that INT64_MIN is exact.
  uint64_t mag = v < 0 ? ~static_cast<uint64_t>(v) + 1 : static_cast<uint64_t>(v);
  BigInt r = from_u64(mag);
  r.negative_ = v < 0;
  return r;
}

BigInt BigInt::from_limbs(std::vector<uint32_t> limbs, bool negative) {
  BigInt r;
  r.limbs_ = std::move(limbs);
  r.negative_ = negative;
  r.normalize();
  return r;
}

Result<BigInt> BigInt::from_decimal(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return Error("expected decimal digits in \"" + std::string(text) + "\"");
  BigInt r;
  size_t digits = 0;
  bool last_was_digit = false;
  uint32_t chunk = 0;
  uint32_t chunk_scale = 1;
  for (char c : s) {
    if (c == '_') {
      if (!last_was_digit) return Error("misplaced '_' in number \"" + std::string(text) + "\"");
      last_was_digit = false;
      continue;
    }
    if (c < '0' || c > '9') {
      return Error("invalid character '" + std::string(1, c) + "' in number \"" +
                   std::string(text) + "\"");
    }
    if (++digits > kMaxDecimalDigits) return Error("number has too many digits");
    chunk = chunk * 10 + static_cast<uint32_t>(c - '0');
    chunk_scale *= 10;
    last_was_digit = true;
    if (chunk_scale == 1000000000) {
      mul_add(r.limbs_, chunk_scale, chunk);
      chunk = 0;
      chunk_scale = 1;
    }
  }
  if (!last_was_digit) return Error("number ends with '_': \"" + std::string(text) + "\"");
  if (chunk_scale != 1) mul_add(r.limbs_, chunk_scale, chunk);
  r.negative_ = negative;
  r.normalize();
  return r;
}

std::string BigInt::to_decimal() const {
  if (limbs_.empty()) return "0";
  std::vector<uint32_t> mag = limbs_;
  std::string out;
  while (!mag.empty()) {
    uint32_t rem = div_rem(mag, 1000000000);
    for (int i = 0; i < 9; ++i) {
      out.push_back(static_cast<char>('0' + rem % 10));
      rem /= 10;
      if (mag.empty() && rem == 0) break;
    }
  }
  if (negative_) out.push_back('-');
  std::reverse(out.begin(), out.end());
  return out;
}

size_t BigInt::bit_length() const {
  if (limbs_.empty()) return 0;
  return 32 * (limbs_.size() - 1) + (32 - static_cast<size_t>(__builtin_clz(limbs_.back())));
}

std::optional<uint64_t> BigInt::to_u64() const {
  if (negative_ || limbs_.size() > 2) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < limbs_.size(); ++i) v |= static_cast<uint64_t>(limbs_[i]) << (32 * i);
  return v;
}

std::optional<int64_t> BigInt::to_i64() const {
  if (limbs_.size() > 2) return std::nullopt;
  uint64_t mag = 0;
  for (size_t i = 0; i < limbs_.size(); ++i) mag |= static_cast<uint64_t>(limbs_[i]) << (32 * i);
  if (!negative_) {
    if (mag > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(mag);
  }
  if (mag > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
  return static_cast<int64_t>(~mag + 1);
}

BigInt BigInt::negated() const {
  BigInt r = *this;
  r.negative_ = !negative_;
  r.normalize();
  return r;
}

std::strong_ordering operator<=>(const BigInt& a, const BigInt& b) {
  if (a.negative_ != b.negative_) {
    return a.negative_ ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  auto m = compare_magnitude(a.limbs_, b.limbs_);
  if (a.negative_) return 0 <=> m;
  return m;
}

}  // namespace chorus
