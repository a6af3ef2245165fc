#include "crypto/dkg.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "crypto/bls12_381_signature.h"

namespace chorus::threshold {
namespace {

using bls12_381::SeededRandom;

constexpr std::string_view kMessage = "certify this state root";

// How a test bends the protocol: applied to every dealer's output before anything is sent, and to
// the justifications before they are published.
struct Misbehaviour {
  std::function<void(DealerOutput&)> tamper_dealing;
  std::function<void(std::vector<Justification>&)> tamper_justifications;
  std::function<void(std::vector<Complaint>&)> tamper_complaints;
};

struct DkgRun {
  std::vector<Dealing> dealings;
  std::vector<Complaint> complaints;
  std::vector<Justification> justifications;
  Transcript transcript;
  std::vector<SecretShare> shares;  // shares[j] of receiver j + 1
};

// The whole round in-process: |dealers| lists who deals (a subset when some are absent), and
// |deal| makes each dealer's output.
Result<DkgRun> run_round(const DkgConfig& config, std::span<const NodeIndex> dealers,
                         const std::function<Result<DealerOutput>(NodeIndex)>& deal_for,
                         const Misbehaviour& bad = {}) {
  DkgRun run;
  std::vector<DealerOutput> outputs;
  for (NodeIndex d : dealers) {
    CHORUS_ASSIGN_OR_RETURN(DealerOutput out, deal_for(d));
    if (bad.tamper_dealing) bad.tamper_dealing(out);
    run.dealings.push_back(out.dealing);
    outputs.push_back(std::move(out));
  }
  // What each receiver got privately.
  std::vector<std::vector<PrivateShare>> inbox(config.receivers);
  for (const DealerOutput& out : outputs) {
    for (const PrivateShare& s : out.shares) inbox[s.recipient - 1].push_back(s);
  }
  for (NodeIndex j = 1; j <= config.receivers; ++j) {
    CHORUS_ASSIGN_OR_RETURN(std::vector<Complaint> mine,
                            complaints_against(config, j, run.dealings, inbox[j - 1]));
    run.complaints.insert(run.complaints.end(), mine.begin(), mine.end());
  }
  if (bad.tamper_complaints) bad.tamper_complaints(run.complaints);
  for (const DealerOutput& out : outputs) {
    std::vector<Justification> answers = justify(out, run.complaints);
    run.justifications.insert(run.justifications.end(), answers.begin(), answers.end());
  }
  if (bad.tamper_justifications) bad.tamper_justifications(run.justifications);
  CHORUS_ASSIGN_OR_RETURN(run.transcript, create_transcript(config, run.dealings, run.complaints,
                                                            run.justifications));
  for (NodeIndex j = 1; j <= config.receivers; ++j) {
    CHORUS_ASSIGN_OR_RETURN(SecretShare s,
                            compute_secret_share(run.transcript, j, inbox[j - 1]));
    run.shares.push_back(s);
  }
  return run;
}

Result<DkgRun> run_fresh(uint32_t n, uint32_t t, std::string_view seed,
                         const Misbehaviour& bad = {}) {
  DkgConfig config = DkgConfig::fresh(n, t);
  std::vector<NodeIndex> dealers;  // everybody deals
  for (NodeIndex d = 1; d <= n; ++d) dealers.push_back(d);
  SeededRandom rng(as_bytes(seed));
  return run_round(config, dealers,
                   [&](NodeIndex d) { return create_dealing(config, d, rng); }, bad);
}

// Signs with the shares of |signers| (1-based) and combines them without any threshold check.
bls12_381::Signature sign_with(const DkgRun& run, std::span<const NodeIndex> signers,
                               ByteView message) {
  std::vector<SignatureShare> shares;
  for (NodeIndex i : signers) shares.push_back(sign_share(run.shares[i - 1], message));
  for (const SignatureShare& s : shares) {
    Status ok = verify_signature_share(s, message, run.transcript.public_coefficients);
    EXPECT_TRUE(ok.ok()) << ok.error().message();
  }
  return bls12_381::g1_to_compressed(*interpolate_signature(shares));
}

// Any t of the shares sign under the group key (checked on a few subsets: first, last, spread
// out), and t - 1 do not.
void expect_threshold_signing(const DkgRun& run, uint32_t n, uint32_t t) {
  bls12_381::PublicKey key = run.transcript.group_public_key();
  std::vector<std::vector<NodeIndex>> subsets(3);
  for (uint32_t k = 0; k < t; ++k) {
    subsets[0].push_back(k + 1);
    subsets[1].push_back(n - k);
    subsets[2].push_back(1 + (k * n) / t);
  }
  for (const auto& subset : subsets) {
    bls12_381::Signature sig = sign_with(run, subset, as_bytes(kMessage));
    Status ok = bls12_381::verify(sig, as_bytes(kMessage), key);
    EXPECT_TRUE(ok.ok()) << "n=" << n << " t=" << t << ": " << ok.error().message();
  }
  std::vector<NodeIndex> too_few(subsets[1].begin(), subsets[1].end() - 1);
  bls12_381::Signature weak = sign_with(run, too_few, as_bytes(kMessage));
  EXPECT_FALSE(bls12_381::verify(weak, as_bytes(kMessage), key).ok()) << "n=" << n << " t=" << t;
}

TEST(Dkg, HonestAndOneMaliciousDealerForFourToThirteenParties) {
  for (uint32_t n = 4; n <= 13; ++n) {
    uint32_t f = (n - 1) / 3;
    uint32_t t = (n % 2 == 0) ? f + 1 : 2 * f + 1;  // both thresholds the IC uses
    // Dealer 2 sends receiver 3 a share off by one and does not answer the complaint.
    Misbehaviour bad;
    bad.tamper_dealing = [](DealerOutput& out) {
      if (out.dealing.dealer == 2) out.shares[2].value += Fr::one();
    };
    bad.tamper_justifications = [](std::vector<Justification>& js) {
      std::erase_if(js, [](const Justification& j) { return j.dealer == 2; });
    };
    Result<DkgRun> run = run_fresh(n, t, "dkg " + std::to_string(n), bad);
    ASSERT_TRUE(run.ok()) << "n=" << n << ": " << run.error().message();

    ASSERT_EQ(run->complaints.size(), 1u) << "n=" << n;
    EXPECT_EQ(run->complaints[0].complainer, 3u);
    EXPECT_EQ(run->complaints[0].dealer, 2u);
    std::vector<NodeIndex> expected_qualified;
    for (NodeIndex d = 1; d <= n; ++d) {
      if (d != 2) expected_qualified.push_back(d);
    }
    EXPECT_EQ(run->transcript.qualified, expected_qualified);

    // The group key is the sum of the qualified dealers' constant-term commitments.
    G2 sum;
    for (const Dealing& d : run->dealings) {
      if (d.dealer != 2) sum += d.commitments.group_public_key_point();
    }
    EXPECT_EQ(run->transcript.public_coefficients.group_public_key_point(), sum);
    expect_threshold_signing(*run, n, t);
  }
}

TEST(Dkg, SeveralFaultsAtOnce) {
  // 13 nodes, f = 4, threshold 2f + 1: dealer 2 wrongs three receivers and stays silent, dealer 5
  // deals a polynomial of the wrong degree, dealer 9 never deals, and receiver 11 complains falsely
  // about dealer 1, who answers.
  const uint32_t n = 13, t = 9;
  DkgConfig config = DkgConfig::fresh(n, t);
  SeededRandom rng(as_bytes("several faults"));
  std::vector<NodeIndex> dealers;
  for (NodeIndex d = 1; d <= n; ++d) {
    if (d != 9) dealers.push_back(d);
  }
  Misbehaviour bad;
  bad.tamper_dealing = [](DealerOutput& out) {
    if (out.dealing.dealer == 2) {
      for (size_t j : {0, 6, 12}) out.shares[j].value += Fr::from_u64(j + 1);
    }
  };
  bad.tamper_complaints = [](std::vector<Complaint>& cs) { cs.push_back(Complaint{11, 1}); };
  bad.tamper_justifications = [](std::vector<Justification>& js) {
    std::erase_if(js, [](const Justification& j) { return j.dealer == 2; });
  };
  Result<DkgRun> run = run_round(
      config, dealers,
      [&](NodeIndex d) {
        DkgConfig used = config;
        if (d == 5) used.threshold = t - 1;
        return create_dealing(used, d, rng);
      },
      bad);
  ASSERT_TRUE(run.ok()) << run.error().message();
  EXPECT_EQ(run->complaints.size(), 4u);
  EXPECT_EQ(run->transcript.qualified,
            (std::vector<NodeIndex>{1, 3, 4, 6, 7, 8, 10, 11, 12, 13}));
  expect_threshold_signing(*run, n, t);
}

TEST(Dkg, AnsweredComplaintKeepsTheDealer) {
  // Receiver 4 complains falsely about dealer 1; the dealer reveals the correct share.
  Misbehaviour bad;
  bad.tamper_complaints = [](std::vector<Complaint>& cs) { cs.push_back(Complaint{4, 1}); };
  Result<DkgRun> run = run_fresh(5, 3, "false complaint", bad);
  ASSERT_TRUE(run.ok()) << run.error().message();
  EXPECT_EQ(run->transcript.qualified, (std::vector<NodeIndex>{1, 2, 3, 4, 5}));
  ASSERT_EQ(run->transcript.revealed.size(), 1u);
  EXPECT_EQ(run->transcript.revealed[0].complainer, 4u);
  expect_threshold_signing(*run, 5, 3);
}

TEST(Dkg, BadShareAnsweredCorrectlyKeepsTheDealerAndRepairsTheShare) {
  // Dealer 3 sends receiver 1 garbage but, challenged, reveals the share that fits its
  // commitments: receiver 1 takes the revealed one.
  Misbehaviour bad;
  Fr correct;
  bad.tamper_dealing = [&](DealerOutput& out) {
    if (out.dealing.dealer == 3) {
      correct = out.shares[0].value;
      out.shares[0].value = Fr::from_u64(12345);
    }
  };
  bad.tamper_justifications = [&](std::vector<Justification>& js) {
    for (Justification& j : js) {
      if (j.dealer == 3) j.value = correct;  // justify() answered from the tampered output
    }
  };
  Result<DkgRun> run = run_fresh(4, 2, "repaired", bad);
  ASSERT_TRUE(run.ok()) << run.error().message();
  EXPECT_EQ(run->transcript.qualified, (std::vector<NodeIndex>{1, 2, 3, 4}));
  ASSERT_EQ(run->transcript.revealed.size(), 1u);
  EXPECT_EQ(run->transcript.revealed[0].value, correct);
  expect_threshold_signing(*run, 4, 2);
}

TEST(Dkg, WrongJustificationExcludesTheDealer) {
  Misbehaviour bad;
  bad.tamper_dealing = [](DealerOutput& out) {
    if (out.dealing.dealer == 4) out.shares[1].value += Fr::one();
  };
  bad.tamper_justifications = [](std::vector<Justification>& js) {
    for (Justification& j : js) {
      if (j.dealer == 4) j.value += Fr::one();  // insists on the bad share
    }
  };
  Result<DkgRun> run = run_fresh(4, 2, "insists", bad);
  ASSERT_TRUE(run.ok()) << run.error().message();
  EXPECT_EQ(run->transcript.qualified, (std::vector<NodeIndex>{1, 2, 3}));
  expect_threshold_signing(*run, 4, 2);
}

TEST(Dkg, PubliclyInvalidDealingIsExcludedWithoutComplaint) {
  Misbehaviour bad;
  bad.tamper_dealing = [](DealerOutput& out) {
    if (out.dealing.dealer == 1) {
      std::vector<G2> fewer = out.dealing.commitments.coefficients();
      fewer.pop_back();
      out.dealing.commitments = PublicCoefficients(fewer);
    }
  };
  Result<DkgRun> run = run_fresh(4, 3, "short dealing", bad);
  ASSERT_TRUE(run.ok()) << run.error().message();
  EXPECT_TRUE(run->complaints.empty());
  EXPECT_EQ(run->transcript.qualified, (std::vector<NodeIndex>{2, 3, 4}));
  expect_threshold_signing(*run, 4, 3);
}

TEST(Dkg, TooFewQualifiedDealersIsAnError) {
  Misbehaviour bad;
  bad.tamper_dealing = [](DealerOutput& out) {
    if (out.dealing.dealer != 1) out.shares[0].value += Fr::one();
  };
  bad.tamper_justifications = [](std::vector<Justification>& js) { js.clear(); };
  Result<DkgRun> run = run_fresh(4, 2, "too few", bad);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().message(), "DKG: only 1 qualified dealers, at least 2 needed");
}

TEST(Dkg, MessagesAreCheckedAndDeterministic) {
  DkgConfig config = DkgConfig::fresh(4, 3);
  SeededRandom a(as_bytes("same")), b(as_bytes("same"));
  DealerOutput one = *create_dealing(config, 2, a);
  DealerOutput two = *create_dealing(config, 2, b);
  EXPECT_EQ(one.dealing.encode(), two.dealing.encode());

  Result<Dealing> decoded = Dealing::decode(one.dealing.encode());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(decoded->dealer, 2u);
  EXPECT_EQ(decoded->commitments, one.dealing.commitments);
  EXPECT_FALSE(Dealing::decode(Bytes{0, 0}).ok());
  Bytes damaged = one.dealing.encode();
  damaged.pop_back();
  Result<Dealing> bad = Dealing::decode(damaged);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message().rfind("dealing of dealer 2: public coefficients:", 0), 0u);

  Dealing wrong_dealer = one.dealing;
  wrong_dealer.dealer = 5;
  Status out_of_range = verify_dealing(config, wrong_dealer);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(out_of_range.error().message(), "dealer 5 is not among dealers 1..4");

  EXPECT_TRUE(verify_private_share(config, one.dealing, one.shares[3]).ok());
  PrivateShare off = one.shares[3];
  off.value += Fr::one();
  Status mismatch = verify_private_share(config, one.dealing, off);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().message(),
            "share from dealer 2 to receiver 4 does not match the dealer's commitments");

  std::vector<Dealing> twice = {one.dealing, two.dealing};
  Result<Transcript> dup = create_transcript(config, twice, {}, {});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message(), "two dealings from dealer 2");

  EXPECT_FALSE(create_dealing(DkgConfig::fresh(3, 4), 1, a).ok());
  EXPECT_FALSE(create_dealing(config, 0, a).ok());

  // The same seed gives the same transcript, byte for byte.
  Result<DkgRun> r1 = run_fresh(4, 3, "replay"), r2 = run_fresh(4, 3, "replay");
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1->transcript.public_coefficients.encode(),
            r2->transcript.public_coefficients.encode());
}

// The current committee (t of n) hands its key to a new one (t' of n'); dealer |cheat| deals a
// polynomial whose constant term is not its share, and dealer |absent| does not deal at all.
void reshare_and_check(uint32_t n, uint32_t t, uint32_t new_n, uint32_t new_t, NodeIndex cheat,
                       NodeIndex absent) {
  SCOPED_TRACE("reshare " + std::to_string(t) + "/" + std::to_string(n) + " -> " +
               std::to_string(new_t) + "/" + std::to_string(new_n));
  Result<DkgRun> old_run = run_fresh(n, t, "before resharing");
  ASSERT_TRUE(old_run.ok()) << old_run.error().message();
  const Transcript& old = old_run->transcript;
  bls12_381::PublicKey old_key = old.group_public_key();
  std::vector<NodeIndex> old_signers;
  for (NodeIndex i = 1; i <= t; ++i) old_signers.push_back(i);
  bls12_381::Signature old_sig = sign_with(*old_run, old_signers, as_bytes(kMessage));
  ASSERT_TRUE(bls12_381::verify(old_sig, as_bytes(kMessage), old_key).ok());

  DkgConfig config = DkgConfig::reshare(old.public_coefficients, n, new_n, new_t);
  SeededRandom rng(as_bytes("resharing"));
  std::vector<NodeIndex> dealers;
  for (NodeIndex d = 1; d <= n; ++d) {
    if (d != absent) dealers.push_back(d);
  }
  Result<DkgRun> run = run_round(config, dealers, [&](NodeIndex d) {
    SecretShare mine = old_run->shares[d - 1];
    if (d == cheat) mine.value += Fr::one();
    return create_resharing_dealing(config, mine, rng);
  });
  ASSERT_TRUE(run.ok()) << run.error().message();
  std::vector<NodeIndex> expected;
  for (NodeIndex d : dealers) {
    if (d != cheat) expected.push_back(d);
  }
  EXPECT_EQ(run->transcript.qualified, expected);
  EXPECT_EQ(run->transcript.group_public_key(), old_key);  // byte-identical
  EXPECT_EQ(run->shares.size(), new_n);
  expect_threshold_signing(*run, new_n, new_t);

  // BLS is deterministic: the new committee makes the very signature the old one made.
  std::vector<NodeIndex> new_signers;
  for (NodeIndex i = new_n; i > new_n - new_t; --i) new_signers.push_back(i);
  EXPECT_EQ(sign_with(*run, new_signers, as_bytes(kMessage)), old_sig);
}

TEST(Dkg, ResharingKeepsTheGroupKey) {
  reshare_and_check(4, 2, 7, 5, /*cheat=*/3, /*absent=*/0);
  reshare_and_check(7, 5, 4, 3, /*cheat=*/2, /*absent=*/6);
}

TEST(Dkg, ResharingNeedsTheOldThreshold) {
  Result<DkgRun> old_run = run_fresh(4, 3, "old");
  ASSERT_TRUE(old_run.ok());
  DkgConfig config = DkgConfig::reshare(old_run->transcript.public_coefficients, 4, 4, 2);
  SeededRandom rng(as_bytes("r"));
  std::vector<NodeIndex> two = {1, 4};
  Result<DkgRun> run = run_round(config, two, [&](NodeIndex d) {
    return create_resharing_dealing(config, old_run->shares[d - 1], rng);
  });
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().message(), "DKG: only 2 qualified dealers, at least 3 needed");
  EXPECT_FALSE(create_dealing(config, 1, rng).ok());  // a resharing deals shares, not new secrets
}

}  // namespace
}  // namespace chorus::threshold
