// Verifiable distributed key generation for threshold BLS (Pedersen's joint-Feldman DKG with the
// complaint round of Gennaro, Jarecki, Krawczyk and Rabin), and resharing of an existing key to a
// new committee under the same public key. Nobody ever holds the group secret: each dealer
// contributes a random polynomial, the group polynomial is the sum of the qualified dealers'
// polynomials, and each receiver only ever learns its own evaluation of it.
//
// One round, as the consensus layer will run it:
//   1. Every dealer calls create_dealing() (create_resharing_dealing() when resharing); it
//      broadcasts the Dealing (public commitments) and sends each receiver its PrivateShare.
//   2. Every receiver checks what it got (complaints_against()) and broadcasts a Complaint for each
//      dealer whose share is missing or does not match the dealer's commitments.
//   3. A dealer answers each complaint against it with a Justification that reveals the disputed
//      share in the open (justify()). A correct revelation settles the complaint (the complainer
//      uses the revealed share); a wrong or missing one disqualifies the dealer. Revealed shares
//      only ever concern complainers: a corrupt complainer learns nothing it did not have, and
//      an honest one has only that dealer's term of its key share made public, while the terms
//      of the other honest dealers stay secret.
//   4. Everybody computes the same Transcript from the same dealings, complaints and
//      justifications (create_transcript()): the qualified dealers and the group's public
//      coefficients. Each receiver then sums its shares into its key share
//      (compute_secret_share()).
//
// Known property of joint-Feldman: a dealer who sees the others' commitments before committing
// can bias the distribution of the group public key (Gennaro et al., "Secure Distributed Key
// Generation for Discrete-Log Based Cryptosystems", 1999). Their follow-up ("Secure Applications
// of Pedersen's Distributed Key Generation Protocol", CT-RSA 2003) shows that discrete-log
// signature schemes stay secure under such keys, which is why the bias is tolerated here; the
// consensus layer also narrows the window by fixing the dealings it accepts in a block.
//
// Everything here is a pure function of its inputs except the two dealing functions, whose
// randomness comes from the caller; iteration orders follow dealer and receiver indices, never a hash table's.
//
// CONFIDENTIALITY: a PrivateShare is secret key material. It must travel encrypted and
// authenticated to its receiver alone (for instance under a key agreed with the receiver's node
// key exchange), and complaints and justifications must be signed by their senders. This layer is
// the verification and aggregation logic only; it neither encrypts nor authenticates, and the
// consensus layer that carries the messages must.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/threshold_bls.h"

namespace chorus::threshold {

// Who deals to whom, and for what key. Dealers are 1..dealers, receivers 1..receivers; in a fresh
// DKG they are the same n nodes, in a resharing the old and the new committee.
struct DkgConfig {
  uint32_t dealers = 0;
  uint32_t receivers = 0;
  uint32_t threshold = 0;  // of the key being made: this many receivers' shares sign
  // Resharing: the public coefficients of the key the dealers hold shares of. Dealer i then deals
  // its own share (its constant term must commit to that share's public key) and the transcript
  // weights dealer i by its Lagrange coefficient, so the group public key stays the same.
  std::optional<PublicCoefficients> resharing;

  // A fresh t-of-n key among nodes 1..n.
  static DkgConfig fresh(uint32_t n, uint32_t threshold);
  // The key of |current| (held by nodes 1..current_n) moved to new nodes 1..new_n, threshold
  // new_threshold.
  static DkgConfig reshare(PublicCoefficients current, uint32_t current_n, uint32_t new_n,
                           uint32_t new_threshold);

  // The fewest qualified dealers that make a key: the threshold of a fresh key (so at least one
  // honest dealer if fewer than t are corrupt), the old threshold when resharing (to interpolate).
  size_t min_qualified() const;
  // Refuses a zero threshold, a threshold above the receivers, fewer dealers than min_qualified(),
  // and counts beyond 2^31.
  Status validate() const;
};

// What a dealer broadcasts: the Feldman commitments of its polynomial.
struct Dealing {
  NodeIndex dealer = 0;
  PublicCoefficients commitments;

  // 4-byte big-endian dealer index, then PublicCoefficients::encode(). Decoding checks every point.
  Bytes encode() const;
  static Result<Dealing> decode(ByteView bytes);
};

// What a dealer sends to one receiver: f_dealer(recipient). Secret; see CONFIDENTIALITY above.
struct PrivateShare {
  NodeIndex dealer = 0;
  NodeIndex recipient = 0;
  Fr value;
};

struct DealerOutput {
  Dealing dealing;
  std::vector<PrivateShare> shares;  // shares[j] goes to receiver j + 1
};

// A fresh dealing: a random polynomial of degree threshold - 1 with a random constant term.
// REQUIRES: config is not a resharing.
Result<DealerOutput> create_dealing(const DkgConfig& config, NodeIndex dealer, RandomSource& rng);

// A resharing dealing by the holder of |current_share|: a random polynomial whose constant term is
// that share. REQUIRES: config is a resharing.
Result<DealerOutput> create_resharing_dealing(const DkgConfig& config,
                                              const SecretShare& current_share, RandomSource& rng);

// What anyone can check of a dealing: the dealer is in range, there are |threshold| commitments,
// and, when resharing, commitment 0 is the dealer's share public key under the current key.
Status verify_dealing(const DkgConfig& config, const Dealing& dealing);

// A receiver's check of its share: value g2 = sum_k recipient^k C_k (Feldman).
Status verify_private_share(const DkgConfig& config, const Dealing& dealing,
                            const PrivateShare& share);

struct Complaint {
  NodeIndex complainer = 0;  // a receiver
  NodeIndex dealer = 0;
};

// The dealer's public answer to a complaint: the disputed share, revealed.
struct Justification {
  NodeIndex dealer = 0;
  NodeIndex complainer = 0;
  Fr value;
};

// Receiver |recipient|'s complaints, one per publicly valid dealing whose share to it is missing or
// wrong, in dealer order. Dealings that fail verify_dealing() need no complaint: everybody
// excludes them. REQUIRES: at most one dealing per dealer.
Result<std::vector<Complaint>> complaints_against(const DkgConfig& config, NodeIndex recipient,
                                                  std::span<const Dealing> dealings,
                                                  std::span<const PrivateShare> received);

// An honest dealer's answers to the complaints against it (complaints against others are skipped).
std::vector<Justification> justify(const DealerOutput& output,
                                   std::span<const Complaint> complaints);

struct Transcript {
  uint32_t receivers = 0;
  std::vector<NodeIndex> qualified;        // in increasing order
  PublicCoefficients public_coefficients;  // of the group polynomial; C_0 is the group key
  // Resharing: dealer qualified[i] is weighted by lagrange[i]; empty for a fresh key (weights 1).
  std::vector<Fr> lagrange;
  // The justifications that settled complaints against qualified dealers, by (dealer, complainer):
  // the complainers take their shares from here.
  std::vector<Justification> revealed;

  size_t threshold() const { return public_coefficients.threshold(); }
  bls12_381::PublicKey group_public_key() const { return public_coefficients.group_public_key(); }
};

// Everybody's common view of the round. A dealer is qualified when its dealing passes
// verify_dealing() and every complaint against it is answered by a justification whose share
// matches its commitments. Refuses two dealings from one dealer, complaints and justifications from
// outside the committee, fewer than min_qualified() qualified dealers, and an identity group key.
Result<Transcript> create_transcript(const DkgConfig& config, std::span<const Dealing> dealings,
                                     std::span<const Complaint> complaints,
                                     std::span<const Justification> justifications);

// Receiver |recipient|'s share of the new key: the (weighted) sum of the shares of the qualified
// dealers, taking the transcript's revealed share where the receiver complained. The result is
// checked against the transcript's share public key; the error names a qualified dealer whose
// share is missing.
Result<SecretShare> compute_secret_share(const Transcript& transcript, NodeIndex recipient,
                                         std::span<const PrivateShare> received);

}  // namespace chorus::threshold
