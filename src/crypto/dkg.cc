#include "crypto/dkg.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace chorus::threshold {
namespace {

constexpr uint32_t kMaxParticipants = uint32_t{1} << 31;

std::string dealer_name(NodeIndex dealer) { return "dealer " + std::to_string(dealer); }

bool share_matches(const PublicCoefficients& commitments, NodeIndex recipient, const Fr& value) {
  return mul_secret(G2::generator(), value) == commitments.share_public_key(recipient);
}

Result<DealerOutput> deal_polynomial(const DkgConfig& config, NodeIndex dealer,
                                     const Fr& constant, RandomSource& rng) {
  CHORUS_RETURN_IF_ERROR(config.validate());
  if (dealer == 0 || dealer > config.dealers) {
    return Error(dealer_name(dealer) + " is not among dealers 1.." +
                 std::to_string(config.dealers));
  }
  CHORUS_ASSIGN_OR_RETURN(Polynomial f, Polynomial::random(config.threshold, constant, rng));
  DealerOutput out;
  out.dealing = Dealing{dealer, f.commit()};
  out.shares.reserve(config.receivers);
  for (NodeIndex j = 1; j <= config.receivers; ++j) {
    out.shares.push_back(PrivateShare{dealer, j, f.evaluate(j)});
  }
  return out;
}

// The one dealing of each dealer, by dealer index; refuses a second.
Result<std::map<NodeIndex, const Dealing*>> index_dealings(std::span<const Dealing> dealings) {
  std::map<NodeIndex, const Dealing*> out;
  for (const Dealing& d : dealings) {
    if (!out.emplace(d.dealer, &d).second) {
      return Error("two dealings from " + dealer_name(d.dealer));
    }
  }
  return out;
}

}  // namespace

DkgConfig DkgConfig::fresh(uint32_t n, uint32_t threshold) {
  return DkgConfig{n, n, threshold, std::nullopt};
}

DkgConfig DkgConfig::reshare(PublicCoefficients current, uint32_t current_n, uint32_t new_n,
                             uint32_t new_threshold) {
  return DkgConfig{current_n, new_n, new_threshold, std::move(current)};
}

size_t DkgConfig::min_qualified() const {
  return resharing ? resharing->threshold() : threshold;
}

Status DkgConfig::validate() const {
  if (threshold == 0) return Error("DKG: the threshold must be at least 1");
  if (dealers > kMaxParticipants || receivers > kMaxParticipants) {
    return Error("DKG: too many participants");
  }
  if (threshold > receivers) {
    return Error("DKG: threshold " + std::to_string(threshold) + " exceeds the " +
                 std::to_string(receivers) + " receivers");
  }
  if (resharing && resharing->threshold() == 0) {
    return Error("DKG: the key being reshared has no public coefficients");
  }
  if (dealers < min_qualified()) {
    return Error("DKG: " + std::to_string(dealers) + " dealers cannot reach the " +
                 std::to_string(min_qualified()) + " qualified dealers a key needs");
  }
  return ok_status();
}

Bytes Dealing::encode() const {
  Bytes out(4);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(dealer >> (8 * (3 - i)));
  append(out, commitments.encode());
  return out;
}

Result<Dealing> Dealing::decode(ByteView bytes) {
  if (bytes.size() < 4) return Error("dealing: shorter than its 4-byte dealer index");
  NodeIndex dealer = 0;
  for (int i = 0; i < 4; ++i) dealer = (dealer << 8) | bytes[i];
  Result<PublicCoefficients> commitments = PublicCoefficients::decode(bytes.subspan(4));
  if (!commitments.ok()) {
    return commitments.error().with_context("dealing of " + dealer_name(dealer));
  }
  return Dealing{dealer, std::move(commitments).value()};
}

Result<DealerOutput> create_dealing(const DkgConfig& config, NodeIndex dealer, RandomSource& rng) {
  if (config.resharing) return Error("DKG: a resharing dealing must deal the dealer's share");
  CHORUS_ASSIGN_OR_RETURN(Fr secret, Fr::random(rng));
  return deal_polynomial(config, dealer, secret, rng);
}

Result<DealerOutput> create_resharing_dealing(const DkgConfig& config,
                                              const SecretShare& current_share,
                                              RandomSource& rng) {
  if (!config.resharing) return Error("DKG: not a resharing");
  return deal_polynomial(config, current_share.index, current_share.value, rng);
}

Status verify_dealing(const DkgConfig& config, const Dealing& dealing) {
  CHORUS_RETURN_IF_ERROR(config.validate());
  if (dealing.dealer == 0 || dealing.dealer > config.dealers) {
    return Error(dealer_name(dealing.dealer) + " is not among dealers 1.." +
                 std::to_string(config.dealers));
  }
  if (dealing.commitments.threshold() != config.threshold) {
    return Error("dealing of " + dealer_name(dealing.dealer) + ": " +
                 std::to_string(dealing.commitments.threshold()) + " commitments, threshold " +
                 std::to_string(config.threshold));
  }
  if (config.resharing && !(dealing.commitments.group_public_key_point() ==
                            config.resharing->share_public_key(dealing.dealer))) {
    return Error("resharing dealing of " + dealer_name(dealing.dealer) +
                 ": does not deal the dealer's current share (commitment 0 is not its share "
                 "public key)");
  }
  return ok_status();
}

Status verify_private_share(const DkgConfig& config, const Dealing& dealing,
                            const PrivateShare& share) {
  if (share.dealer != dealing.dealer) {
    return Error("share from " + dealer_name(share.dealer) + " checked against the dealing of " +
                 dealer_name(dealing.dealer));
  }
  if (share.recipient == 0 || share.recipient > config.receivers) {
    return Error("share for receiver " + std::to_string(share.recipient) +
                 ", who is not among receivers 1.." + std::to_string(config.receivers));
  }
  if (!share_matches(dealing.commitments, share.recipient, share.value)) {
    return Error("share from " + dealer_name(share.dealer) + " to receiver " +
                 std::to_string(share.recipient) + " does not match the dealer's commitments");
  }
  return ok_status();
}

Result<std::vector<Complaint>> complaints_against(const DkgConfig& config, NodeIndex recipient,
                                                  std::span<const Dealing> dealings,
                                                  std::span<const PrivateShare> received) {
  CHORUS_ASSIGN_OR_RETURN(auto by_dealer, index_dealings(dealings));
  std::map<NodeIndex, const PrivateShare*> shares;
  for (const PrivateShare& s : received) {
    // A second share from one dealer is itself misbehaviour; keep the first, which the complaint
    // round then settles in the open.
    if (s.recipient == recipient) shares.emplace(s.dealer, &s);
  }
  std::vector<Complaint> out;
  for (const auto& [dealer, dealing] : by_dealer) {
    if (!verify_dealing(config, *dealing).ok()) continue;
    auto it = shares.find(dealer);
    if (it == shares.end() || !verify_private_share(config, *dealing, *it->second).ok()) {
      out.push_back(Complaint{recipient, dealer});
    }
  }
  return out;
}

std::vector<Justification> justify(const DealerOutput& output,
                                   std::span<const Complaint> complaints) {
  std::vector<Justification> out;
  for (const Complaint& c : complaints) {
    if (c.dealer != output.dealing.dealer) continue;
    if (c.complainer == 0 || c.complainer > output.shares.size()) continue;
    out.push_back(Justification{c.dealer, c.complainer, output.shares[c.complainer - 1].value});
  }
  return out;
}

Result<Transcript> create_transcript(const DkgConfig& config, std::span<const Dealing> dealings,
                                     std::span<const Complaint> complaints,
                                     std::span<const Justification> justifications) {
  CHORUS_RETURN_IF_ERROR(config.validate());
  CHORUS_ASSIGN_OR_RETURN(auto by_dealer, index_dealings(dealings));

  std::set<std::pair<NodeIndex, NodeIndex>> disputes;  // (dealer, complainer)
  for (const Complaint& c : complaints) {
    if (c.complainer == 0 || c.complainer > config.receivers) {
      return Error("complaint from " + std::to_string(c.complainer) +
                   ", who is not among receivers 1.." + std::to_string(config.receivers));
    }
    disputes.emplace(c.dealer, c.complainer);
  }
  std::map<std::pair<NodeIndex, NodeIndex>, Fr> settled;
  for (const Justification& j : justifications) {
    if (j.complainer == 0 || j.complainer > config.receivers) {
      return Error("justification for " + std::to_string(j.complainer) +
                   ", who is not among receivers 1.." + std::to_string(config.receivers));
    }
    auto key = std::make_pair(j.dealer, j.complainer);
    if (!disputes.contains(key) || settled.contains(key)) continue;
    auto it = by_dealer.find(j.dealer);
    if (it == by_dealer.end()) continue;
    if (share_matches(it->second->commitments, j.complainer, j.value)) {
      settled.emplace(key, j.value);
    }
  }

  Transcript out;
  out.receivers = config.receivers;
  std::vector<const Dealing*> qualified;
  for (const auto& [dealer, dealing] : by_dealer) {
    if (!verify_dealing(config, *dealing).ok()) continue;
    bool answered = true;
    std::vector<Justification> answers;
    for (auto it = disputes.lower_bound({dealer, 0});
         it != disputes.end() && it->first == dealer; ++it) {
      auto answer = settled.find(*it);
      if (answer == settled.end()) {
        answered = false;
        break;
      }
      answers.push_back(Justification{dealer, it->second, answer->second});
    }
    if (!answered) continue;
    out.revealed.insert(out.revealed.end(), answers.begin(), answers.end());
    out.qualified.push_back(dealer);
    qualified.push_back(dealing);
  }
  if (out.qualified.size() < config.min_qualified()) {
    return Error("DKG: only " + std::to_string(out.qualified.size()) +
                 " qualified dealers, at least " + std::to_string(config.min_qualified()) +
                 " needed");
  }

  std::vector<G2> coefficients(config.threshold);
  if (config.resharing) {
    CHORUS_ASSIGN_OR_RETURN(out.lagrange, lagrange_coefficients_at_zero(out.qualified));
    std::vector<G2> column(qualified.size());
    for (size_t k = 0; k < config.threshold; ++k) {
      for (size_t i = 0; i < qualified.size(); ++i) {
        column[i] = qualified[i]->commitments.coefficients()[k];
      }
      coefficients[k] = multi_mul_public(out.lagrange, column);
    }
  } else {
    for (const Dealing* d : qualified) {
      for (size_t k = 0; k < config.threshold; ++k) {
        coefficients[k] += d->commitments.coefficients()[k];
      }
    }
  }
  out.public_coefficients = PublicCoefficients(std::move(coefficients));
  if (out.public_coefficients.group_public_key_point().is_identity()) {
    return Error("DKG: the qualified dealings add up to the identity as group key");
  }
  if (config.resharing && !(out.public_coefficients.group_public_key_point() ==
                            config.resharing->group_public_key_point())) {
    // verify_dealing() ties each constant term to the current key, so this cannot happen; the
    // check keeps a future change from silently moving the key.
    return Error("resharing: the group public key changed");
  }
  return out;
}

Result<SecretShare> compute_secret_share(const Transcript& transcript, NodeIndex recipient,
                                         std::span<const PrivateShare> received) {
  if (recipient == 0 || recipient > transcript.receivers) {
    return Error("receiver " + std::to_string(recipient) + " is not among receivers 1.." +
                 std::to_string(transcript.receivers));
  }
  if (transcript.threshold() == 0) return Error("DKG: empty transcript");
  std::map<NodeIndex, Fr> shares;
  // A justified revelation replaces whatever the dealer sent privately: it is the share that
  // matched the dealer's commitments in public.
  for (const Justification& j : transcript.revealed) {
    if (j.complainer == recipient) shares.emplace(j.dealer, j.value);
  }
  for (const PrivateShare& s : received) {
    if (s.recipient == recipient) shares.emplace(s.dealer, s.value);
  }
  Fr sum;
  for (size_t i = 0; i < transcript.qualified.size(); ++i) {
    NodeIndex dealer = transcript.qualified[i];
    auto it = shares.find(dealer);
    if (it == shares.end()) {
      return Error("receiver " + std::to_string(recipient) + " has no share from qualified " +
                   dealer_name(dealer));
    }
    sum += transcript.lagrange.empty() ? it->second : transcript.lagrange[i] * it->second;
  }
  if (!(mul_secret(G2::generator(), sum) ==
        transcript.public_coefficients.share_public_key(recipient))) {
    return Error("receiver " + std::to_string(recipient) +
                 ": the sum of the received shares does not match the transcript (a share it "
                 "accepted without complaint was wrong)");
  }
  return SecretShare{recipient, sum};
}

}  // namespace chorus::threshold
