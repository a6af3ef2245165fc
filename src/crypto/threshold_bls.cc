#include "crypto/threshold_bls.h"

#include <algorithm>
#include <array>
#include <string>

#include "crypto/bls12_381_hash.h"

namespace chorus::threshold {
namespace {

using bls12_381::kG2CompressedBytes;

std::string index_name(NodeIndex index) { return "share " + std::to_string(index); }

// Refuses index 0 and duplicates; the indices are public, so sorting a copy is fine.
Status check_indices(std::span<const NodeIndex> indices) {
  std::vector<NodeIndex> sorted(indices.begin(), indices.end());
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] == 0) return Error("index 0 is not a share index (shares start at 1)");
    if (i > 0 && sorted[i] == sorted[i - 1]) {
      return Error("duplicate " + index_name(sorted[i]));
    }
  }
  return ok_status();
}

std::vector<NodeIndex> indices_of(std::span<const SignatureShare> shares) {
  std::vector<NodeIndex> out;
  out.reserve(shares.size());
  for (const SignatureShare& s : shares) out.push_back(s.index);
  return out;
}

// For the small public multipliers of Horner's rule (node indices): doublings only from the
// highest set bit, where Point::mul walks all 64 bits of a limb.
template <typename P>
P mul_small(const P& p, uint32_t k) {
  P acc;
  for (int bit = 31; bit >= 0; --bit) {
    if (!acc.is_identity()) acc = acc.dbl();
    if ((k >> bit) & 1) acc += p;
  }
  return acc;
}

template <typename P>
P straus(std::span<const Fr> scalars, std::span<const P> points) {
  constexpr size_t kWindow = 4;
  constexpr size_t kTable = size_t{1} << kWindow;
  std::vector<std::array<P, kTable>> tables(points.size());
  std::vector<bls12_381::Scalar> limbs(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    tables[i][1] = points[i];
    for (size_t j = 2; j < kTable; ++j) tables[i][j] = tables[i][j - 1] + points[i];
    limbs[i] = scalars[i].to_scalar();
  }
  P acc;
  for (size_t w = 256 / kWindow; w-- > 0;) {
    for (size_t d = 0; d < kWindow; ++d) acc = acc.dbl();
    size_t bit = w * kWindow;
    for (size_t i = 0; i < points.size(); ++i) {
      size_t digit = (limbs[i][bit / 64] >> (bit % 64)) & (kTable - 1);
      if (digit != 0) acc += tables[i][digit];
    }
  }
  return acc;
}

template <typename P>
Result<P> interpolate(std::span<const NodeIndex> indices, std::span<const P> points) {
  if (indices.size() != points.size()) {
    return Error("interpolation: " + std::to_string(indices.size()) + " indices for " +
                 std::to_string(points.size()) + " points");
  }
  CHORUS_ASSIGN_OR_RETURN(std::vector<Fr> lambdas, lagrange_coefficients_at_zero(indices));
  return straus<P>(lambdas, points);
}

}  // namespace

bls12_381::PublicKey PublicCoefficients::group_public_key() const {
  return bls12_381::g2_to_compressed(group_public_key_point());
}

G2 PublicCoefficients::share_public_key(NodeIndex index) const {
  G2 acc;
  for (size_t k = coefficients_.size(); k-- > 0;) acc = mul_small(acc, index) + coefficients_[k];
  return acc;
}

Bytes PublicCoefficients::encode() const {
  Bytes out;
  out.reserve(coefficients_.size() * kG2CompressedBytes);
  for (const G2& c : coefficients_) append(out, bls12_381::g2_to_compressed(c));
  return out;
}

Result<PublicCoefficients> PublicCoefficients::decode(ByteView bytes) {
  if (bytes.empty() || bytes.size() % kG2CompressedBytes != 0) {
    return Error("public coefficients: expected a positive multiple of 96 bytes, got " +
                 std::to_string(bytes.size()));
  }
  std::vector<G2> coefficients;
  for (size_t k = 0; k < bytes.size() / kG2CompressedBytes; ++k) {
    Result<G2> c = bls12_381::g2_from_compressed(
        bytes.subspan(k * kG2CompressedBytes, kG2CompressedBytes));
    if (!c.ok()) {
      return c.error().with_context("public coefficients: coefficient " + std::to_string(k));
    }
    coefficients.push_back(*c);
  }
  if (coefficients.front().is_identity()) {
    return Error("public coefficients: the group public key (coefficient 0) is the identity");
  }
  return PublicCoefficients(std::move(coefficients));
}

Result<Polynomial> Polynomial::random(size_t threshold, const Fr& constant, RandomSource& rng) {
  if (threshold == 0) return Error("polynomial: the threshold must be at least 1");
  std::vector<Fr> coefficients{constant};
  coefficients.reserve(threshold);
  for (size_t k = 1; k < threshold; ++k) {
    CHORUS_ASSIGN_OR_RETURN(Fr a, Fr::random(rng));
    coefficients.push_back(a);
  }
  return Polynomial(std::move(coefficients));
}

Fr Polynomial::evaluate(const Fr& x) const {
  Fr acc;
  for (size_t k = coefficients_.size(); k-- > 0;) acc = acc * x + coefficients_[k];
  return acc;
}

PublicCoefficients Polynomial::commit() const {
  std::vector<G2> out;
  out.reserve(coefficients_.size());
  for (const Fr& a : coefficients_) out.push_back(mul_secret(G2::generator(), a));
  return PublicCoefficients(std::move(out));
}

Result<Dealt> deal(uint32_t threshold, uint32_t n, RandomSource& rng) {
  if (threshold == 0) return Error("deal: the threshold must be at least 1");
  if (threshold > n) {
    return Error("deal: threshold " + std::to_string(threshold) + " exceeds the " +
                 std::to_string(n) + " nodes");
  }
  if (n > (uint32_t{1} << 31)) return Error("deal: too many nodes");
  CHORUS_ASSIGN_OR_RETURN(Fr secret, Fr::random_nonzero(rng));
  CHORUS_ASSIGN_OR_RETURN(Polynomial f, Polynomial::random(threshold, secret, rng));
  Dealt out;
  out.public_coefficients = f.commit();
  out.shares.reserve(n);
  for (NodeIndex i = 1; i <= n; ++i) out.shares.push_back(SecretShare{i, f.evaluate(i)});
  return out;
}

Result<SignatureShare> SignatureShare::from_bytes(NodeIndex index, ByteView bytes) {
  Result<G1> sig = bls12_381::decode_signature(bytes);
  if (!sig.ok()) return sig.error().with_context(index_name(index));
  return SignatureShare{index, *sig};
}

SignatureShare sign_share(const SecretShare& share, ByteView message) {
  G1 h = bls12_381::hash_to_g1(message, as_bytes(bls12_381::kSignatureDst));
  return SignatureShare{share.index, mul_secret(h, share.value)};
}

Status verify_signature_share(const SignatureShare& share, ByteView message,
                              const G2& share_public_key) {
  if (!bls12_381::verify_points(share.signature, message, share_public_key)) {
    return Error("signature " + index_name(share.index) + " does not verify");
  }
  return ok_status();
}

Status verify_signature_share(const SignatureShare& share, ByteView message,
                              const PublicCoefficients& public_coefficients) {
  if (share.index == 0) return Error("index 0 is not a share index (shares start at 1)");
  if (public_coefficients.threshold() == 0) return Error("no public coefficients to verify with");
  return verify_signature_share(share, message,
                                public_coefficients.share_public_key(share.index));
}

Result<std::vector<Fr>> lagrange_coefficients_at_zero(std::span<const NodeIndex> indices) {
  if (indices.empty()) return Error("interpolation needs at least one point");
  CHORUS_RETURN_IF_ERROR(check_indices(indices));
  const size_t k = indices.size();
  std::vector<Fr> xs;
  xs.reserve(k);
  for (NodeIndex i : indices) xs.push_back(Fr::from_u64(i));
  std::vector<Fr> numerators(k, Fr::one());
  std::vector<Fr> denominators(k, Fr::one());
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) {
      if (i == j) continue;
      numerators[i] *= xs[j];
      denominators[i] *= xs[j] - xs[i];
    }
  }
  // One inversion for all denominators (Montgomery's trick): prefix products forward, then peel
  // the inverses off backwards.
  std::vector<Fr> prefix(k);
  Fr running = Fr::one();
  for (size_t i = 0; i < k; ++i) {
    prefix[i] = running;
    running *= denominators[i];
  }
  Fr inverse = running.inverse();
  std::vector<Fr> out(k);
  for (size_t i = k; i-- > 0;) {
    out[i] = numerators[i] * inverse * prefix[i];
    inverse *= denominators[i];
  }
  return out;
}

Result<G1> interpolate_signature(std::span<const SignatureShare> shares) {
  std::vector<NodeIndex> indices = indices_of(shares);
  std::vector<G1> points;
  points.reserve(shares.size());
  for (const SignatureShare& s : shares) points.push_back(s.signature);
  return interpolate<G1>(indices, points);
}

Result<G2> interpolate_g2(std::span<const NodeIndex> indices, std::span<const G2> points) {
  return interpolate<G2>(indices, points);
}

Result<bls12_381::Signature> combine_signatures(std::span<const SignatureShare> shares,
                                                size_t threshold) {
  if (threshold == 0) return Error("combine: the threshold must be at least 1");
  CHORUS_RETURN_IF_ERROR(check_indices(indices_of(shares)));
  if (shares.size() < threshold) {
    return Error("combine: " + std::to_string(shares.size()) + " signature shares, threshold " +
                 std::to_string(threshold));
  }
  std::vector<SignatureShare> used(shares.begin(), shares.end());
  std::sort(used.begin(), used.end(),
            [](const SignatureShare& a, const SignatureShare& b) { return a.index < b.index; });
  used.resize(threshold);
  CHORUS_ASSIGN_OR_RETURN(G1 signature, interpolate_signature(used));
  return bls12_381::g1_to_compressed(signature);
}

Result<bls12_381::Signature> combine_verified_signatures(
    std::span<const SignatureShare> shares, ByteView message,
    const PublicCoefficients& public_coefficients) {
  const size_t threshold = public_coefficients.threshold();
  if (threshold == 0) return Error("combine: no public coefficients");
  CHORUS_RETURN_IF_ERROR(check_indices(indices_of(shares)));
  if (shares.size() < threshold) {
    return Error("combine: " + std::to_string(shares.size()) + " signature shares, threshold " +
                 std::to_string(threshold));
  }
  for (const SignatureShare& s : shares) {
    CHORUS_RETURN_IF_ERROR(verify_signature_share(s, message, public_coefficients));
  }
  CHORUS_ASSIGN_OR_RETURN(bls12_381::Signature signature, combine_signatures(shares, threshold));
  // Valid shares of one polynomial cannot interpolate to anything else; this guards against
  // public coefficients of the wrong degree.
  CHORUS_RETURN_IF_ERROR(bls12_381::verify(signature, message,
                                           public_coefficients.group_public_key()));
  return signature;
}

G1 multi_mul_public(std::span<const Fr> scalars, std::span<const G1> points) {
  return straus<G1>(scalars, points);
}

G2 multi_mul_public(std::span<const Fr> scalars, std::span<const G2> points) {
  return straus<G2>(scalars, points);
}

}  // namespace chorus::threshold
