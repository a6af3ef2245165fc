#include "crypto/bls12_381_scalar.h"

#include <openssl/rand.h>

#include <algorithm>
#include <string>

#include "crypto/sha2.h"

namespace chorus::bls12_381 {
namespace {

using Limbs4 = std::array<uint64_t, 4>;
using detail::add_carry;
using detail::sub_borrow;

constexpr Limbs4 kR = kGroupOrder;

// out = a - b; returns the borrow.
constexpr uint64_t sub4(Limbs4& out, const Limbs4& a, const Limbs4& b) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < 4; ++i) out[i] = sub_borrow(a[i], b[i], borrow);
  return borrow;
}

constexpr Limbs4 select4(uint64_t mask, const Limbs4& a, const Limbs4& b) {
  Limbs4 out{};
  for (size_t i = 0; i < 4; ++i) out[i] = (a[i] & mask) | (b[i] & ~mask);
  return out;
}

// a - r if a >= r (with |carry| the bit above a), otherwise a; branch-free.
constexpr Limbs4 reduce_once(const Limbs4& a, uint64_t carry) {
  Limbs4 d{};
  uint64_t borrow = sub4(d, a, kR);
  uint64_t keep_a = static_cast<uint64_t>(0) - (borrow & (carry ^ 1));
  return select4(keep_a, a, d);
}

constexpr uint64_t compute_minus_r_inverse() {
  uint64_t inv = 1;  // Newton's iteration doubles the correct low bits each step.
  for (int i = 0; i < 6; ++i) inv *= 2 - kR[0] * inv;
  return static_cast<uint64_t>(0) - inv;
}
constexpr uint64_t kMinusRInverse = compute_minus_r_inverse();

// Montgomery product a * b / 2^256 mod r for a, b < r (CIOS). The running sum keeps a fifth and
// sixth word rather than relying on r's spare top bit, which keeps the proof of no overflow short.
constexpr Limbs4 mont_mul(const Limbs4& a, const Limbs4& b) {
  uint64_t t[6] = {};
  for (size_t i = 0; i < 4; ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < 4; ++j) {
      u128 s = static_cast<u128>(a[j]) * b[i] + t[j] + carry;
      t[j] = static_cast<uint64_t>(s);
      carry = static_cast<uint64_t>(s >> 64);
    }
    u128 s4 = static_cast<u128>(t[4]) + carry;
    t[4] = static_cast<uint64_t>(s4);
    t[5] = static_cast<uint64_t>(s4 >> 64);

    uint64_t m = t[0] * kMinusRInverse;
    u128 s = static_cast<u128>(m) * kR[0] + t[0];
    carry = static_cast<uint64_t>(s >> 64);
    for (size_t j = 1; j < 4; ++j) {
      s = static_cast<u128>(m) * kR[j] + t[j] + carry;
      t[j - 1] = static_cast<uint64_t>(s);
      carry = static_cast<uint64_t>(s >> 64);
    }
    s = static_cast<u128>(t[4]) + carry;
    t[3] = static_cast<uint64_t>(s);
    t[4] = t[5] + static_cast<uint64_t>(s >> 64);
  }
  return reduce_once(Limbs4{t[0], t[1], t[2], t[3]}, t[4]);
}

constexpr Limbs4 compute_r2() {
  Limbs4 v{1, 0, 0, 0};
  for (int i = 0; i < 512; ++i) {  // 2^512 mod r by doubling
    Limbs4 d{};
    uint64_t carry = 0;
    for (size_t k = 0; k < 4; ++k) d[k] = add_carry(v[k], v[k], carry);
    v = reduce_once(d, carry);
  }
  return v;
}
constexpr Limbs4 kR2 = compute_r2();  // 2^512 mod r

constexpr Limbs4 kRMinus2 = {kR[0] - 2, kR[1], kR[2], kR[3]};  // r[0] is odd and above 2

bool less_than_r(const Limbs4& v) {
  Limbs4 d{};
  return sub4(d, v, kR) != 0;
}

}  // namespace

Fr Fr::from_u64(uint64_t v) { return *from_scalar(Scalar{v, 0, 0, 0}); }

std::optional<Fr> Fr::from_scalar(const Scalar& canonical) {
  if (!less_than_r(canonical)) return std::nullopt;
  Fr out;
  out.l_ = mont_mul(canonical, kR2);
  return out;
}

Result<Fr> Fr::from_bytes(ByteView be32) {
  if (be32.size() != kBytes) {
    return Error("scalar: expected 32 bytes, got " + std::to_string(be32.size()));
  }
  Scalar s{};
  for (size_t i = 0; i < kBytes; ++i) {
    s[(kBytes - 1 - i) / 8] |= static_cast<uint64_t>(be32[i]) << (8 * ((kBytes - 1 - i) % 8));
  }
  std::optional<Fr> out = from_scalar(s);
  secure_wipe(s);
  if (!out) return Error("scalar: not below the group order");
  return *out;
}

Result<Fr> Fr::random(RandomSource& rng) {
  // Each attempt fails with probability below 0.1, so 128 failures in a row mean a broken source.
  for (int attempt = 0; attempt < 128; ++attempt) {
    std::array<uint8_t, kBytes> buf{};
    CHORUS_RETURN_IF_ERROR(rng.fill(buf));
    buf[0] &= 0x7f;  // r < 2^255
    Result<Fr> candidate = from_bytes(buf);
    secure_wipe(buf);
    if (candidate.ok()) return candidate;
  }
  return Error("random scalar: the random source keeps producing values above the group order");
}

Result<Fr> Fr::random_nonzero(RandomSource& rng) {
  for (int attempt = 0; attempt < 128; ++attempt) {
    CHORUS_ASSIGN_OR_RETURN(Fr v, random(rng));
    if (!v.is_zero()) return v;
  }
  return Error("random scalar: the random source keeps producing zero");
}

Scalar Fr::to_scalar() const { return mont_mul(l_, Limbs4{1, 0, 0, 0}); }

std::array<uint8_t, Fr::kBytes> Fr::to_bytes() const {
  Scalar s = to_scalar();
  std::array<uint8_t, kBytes> out{};
  for (size_t i = 0; i < kBytes; ++i) {
    out[kBytes - 1 - i] = static_cast<uint8_t>(s[i / 8] >> (8 * (i % 8)));
  }
  secure_wipe(s);
  return out;
}

Fr operator+(const Fr& a, const Fr& b) {
  Fr out;
  uint64_t carry = 0;
  for (size_t i = 0; i < 4; ++i) out.l_[i] = add_carry(a.l_[i], b.l_[i], carry);
  out.l_ = reduce_once(out.l_, carry);
  return out;
}

Fr operator-(const Fr& a, const Fr& b) {
  Fr out;
  uint64_t borrow = sub4(out.l_, a.l_, b.l_);
  Limbs4 fixed{};
  uint64_t carry = 0;
  for (size_t i = 0; i < 4; ++i) fixed[i] = add_carry(out.l_[i], kR[i], carry);
  out.l_ = select4(static_cast<uint64_t>(0) - borrow, fixed, out.l_);
  return out;
}

Fr operator*(const Fr& a, const Fr& b) {
  Fr out;
  out.l_ = mont_mul(a.l_, b.l_);
  return out;
}

Fr Fr::inverse() const {
  Fr acc = one();
  for (size_t i = 4; i-- > 0;) {
    for (int bit = 63; bit >= 0; --bit) {
      acc = acc * acc;
      // The exponent r - 2 is public; the branch reveals nothing about *this.
      if ((kRMinus2[i] >> bit) & 1) acc = acc * *this;
    }
  }
  return acc;
}

Status OsRandom::fill(std::span<uint8_t> out) {
  if (out.empty()) return ok_status();
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return Error("random source: OpenSSL RAND_bytes failed");
  }
  return ok_status();
}

Status SeededRandom::fill(std::span<uint8_t> out) {
  size_t pos = 0;
  Sha256 h;
  while (pos < out.size()) {
    uint8_t counter_be[8];
    for (int i = 0; i < 8; ++i) counter_be[i] = static_cast<uint8_t>(counter_ >> (8 * (7 - i)));
    ++counter_;
    h.update(seed_);
    h.update(counter_be);
    Sha256Digest block = h.finish();
    size_t n = std::min(block.size(), out.size() - pos);
    std::copy_n(block.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(pos));
    secure_wipe(block);
    pos += n;
  }
  return ok_status();
}

namespace {

template <typename F>
Point<F> mul_secret_fr(const Point<F>& p, const Fr& k) {
  Scalar limbs = k.to_scalar();
  Point<F> out = p.mul_secret(limbs);
  secure_wipe(limbs);
  return out;
}

}  // namespace

G1 mul_secret(const G1& p, const Fr& k) { return mul_secret_fr(p, k); }
G2 mul_secret(const G2& p, const Fr& k) { return mul_secret_fr(p, k); }

}  // namespace chorus::bls12_381
