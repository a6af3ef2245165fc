#include "base/leb128.h"

#include <string>

namespace chorus {
namespace {

// The 7 bits of |limbs| starting at bit |pos|.
uint8_t seven_bits(const std::vector<uint32_t>& limbs, size_t pos) {
  uint8_t out = 0;
  for (size_t i = 0; i < 7; ++i) {
    size_t b = pos + i;
    if (b / 32 < limbs.size() && ((limbs[b / 32] >> (b % 32)) & 1) != 0) out |= 1 << i;
  }
  return out;
}

// True when |limbs| has no set bit at or above |pos|.
bool no_bits_from(const std::vector<uint32_t>& limbs, size_t pos) {
  for (size_t i = pos / 32; i < limbs.size(); ++i) {
    uint32_t limb = limbs[i];
    if (i == pos / 32) limb >>= pos % 32;
    if (limb != 0) return false;
  }
  return true;
}

// Reads the 7-bit groups of one LEB128 number. The last group is the one without the high bit.
Result<std::vector<uint8_t>> read_groups(ByteReader& in, size_t max_bytes, const char* what) {
  std::vector<uint8_t> groups;
  while (true) {
    auto b = in.read_u8(what);
    if (!b) return std::move(b).error();
    groups.push_back(*b & 0x7f);
    if ((*b & 0x80) == 0) return groups;
    if (groups.size() >= max_bytes) {
      return Error(std::string(what) + " longer than " + std::to_string(max_bytes) + " bytes");
    }
  }
}

std::vector<uint32_t> groups_to_limbs(const std::vector<uint8_t>& groups, bool invert) {
  std::vector<uint32_t> limbs((groups.size() * 7 + 31) / 32, 0);
  for (size_t k = 0; k < groups.size(); ++k) {
    uint8_t g = invert ? (groups[k] ^ 0x7f) : groups[k];
    for (size_t i = 0; i < 7; ++i) {
      if ((g >> i) & 1) limbs[(7 * k + i) / 32] |= 1u << ((7 * k + i) % 32);
    }
  }
  return limbs;
}

void add_one(std::vector<uint32_t>& limbs) {
  for (uint32_t& limb : limbs) {
    if (++limb != 0) return;
  }
  limbs.push_back(1);
}

void sub_one(std::vector<uint32_t>& limbs) {  // REQUIRES: value > 0
  for (uint32_t& limb : limbs) {
    if (limb-- != 0) return;
  }
}

}  // namespace

void append_uleb128(Bytes& out, uint64_t value) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out.push_back(byte);
  } while (value != 0);
}

void append_sleb128(Bytes& out, int64_t value) {
  while (true) {
    uint8_t byte = static_cast<uint8_t>(value) & 0x7f;
    value >>= 7;  // arithmetic shift: C++20 defines it for negative values
    bool done = (value == 0 && (byte & 0x40) == 0) || (value == -1 && (byte & 0x40) != 0);
    if (!done) byte |= 0x80;
    out.push_back(byte);
    if (done) return;
  }
}

void append_uleb128(Bytes& out, const BigInt& value) {
  const auto& limbs = value.limbs();
  size_t pos = 0;
  while (true) {
    uint8_t byte = seven_bits(limbs, pos);
    pos += 7;
    bool done = no_bits_from(limbs, pos);
    out.push_back(done ? byte : (byte | 0x80));
    if (done) return;
  }
}

void append_sleb128(Bytes& out, const BigInt& value) {
  // A negative -m is written as the infinite two's complement ~(m - 1): the groups of m - 1,
  // inverted, ending once the rest is all ones and the last group's sign bit is set.
  bool negative = value.is_negative();
  std::vector<uint32_t> limbs = value.limbs();
  if (negative) sub_one(limbs);
  size_t pos = 0;
  while (true) {
    uint8_t byte = seven_bits(limbs, pos);
    if (negative) byte ^= 0x7f;
    pos += 7;
    bool sign = (byte & 0x40) != 0;
    bool done = no_bits_from(limbs, pos) && sign == negative;
    out.push_back(done ? byte : (byte | 0x80));
    if (done) return;
  }
}

Bytes uleb128(uint64_t value) {
  Bytes out;
  append_uleb128(out, value);
  return out;
}

Bytes sleb128(int64_t value) {
  Bytes out;
  append_sleb128(out, value);
  return out;
}

Result<uint64_t> read_uleb128(ByteReader& in) {
  size_t start = in.position();
  uint64_t value = 0;
  for (unsigned shift = 0;; shift += 7) {
    auto b = in.read_u8("LEB128 number");
    if (!b) return std::move(b).error();
    uint64_t group = *b & 0x7f;
    if (shift < 64) {
      if (shift > 0 && (group >> (64 - shift)) != 0) {
        return Error("LEB128 number at offset " + std::to_string(start) + " exceeds 64 bits");
      }
      value |= group << shift;
    } else if (group != 0) {
      return Error("LEB128 number at offset " + std::to_string(start) + " exceeds 64 bits");
    }
    if ((*b & 0x80) == 0) return value;
  }
}

Result<int64_t> read_sleb128(ByteReader& in) {
  size_t start = in.position();
  auto big = read_sleb128_big(in);
  if (!big) return std::move(big).error();
  auto v = big->to_i64();
  if (!v) {
    return Error("signed LEB128 number at offset " + std::to_string(start) + " exceeds 64 bits");
  }
  return *v;
}

Result<BigInt> read_uleb128_big(ByteReader& in, size_t max_bytes) {
  auto groups = read_groups(in, max_bytes, "LEB128 number");
  if (!groups) return std::move(groups).error();
  return BigInt::from_limbs(groups_to_limbs(*groups, false), false);
}

Result<BigInt> read_sleb128_big(ByteReader& in, size_t max_bytes) {
  auto groups = read_groups(in, max_bytes, "signed LEB128 number");
  if (!groups) return std::move(groups).error();
  bool negative = (groups->back() & 0x40) != 0;
  if (!negative) return BigInt::from_limbs(groups_to_limbs(*groups, false), false);
  // raw = value + 2^n, so the magnitude is (~raw within n bits) + 1.
  std::vector<uint32_t> limbs = groups_to_limbs(*groups, true);
  add_one(limbs);
  return BigInt::from_limbs(std::move(limbs), true);
}

}  // namespace chorus
