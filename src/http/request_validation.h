// Validation of a decoded request (interface spec, "Authentication" and abstract-behavior.md
// verify_envelope): the sender and its signature, the delegation chain, ingress_expiry, and the
// effective canister id of the endpoint. What the request's target canister thinks of the message
// (canister_inspect_message, controllers) is for execution to decide, not here.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "http/request.h"
#include "state/canister_state.h"

namespace chorus::http {

struct ValidationOptions {
  // Agents set ingress_expiry to now + 5 min; the replica allows 30 s of drift on top
  // (ic-spec-checklist §A.7).
  uint64_t max_ingress_ttl_nanos = 5 * 60 * uint64_t{1'000'000'000};
  uint64_t permitted_drift_nanos = 30 * uint64_t{1'000'000'000};
  // Dev instances accept provisional_create_canister_with_cycles from anyone.
  bool allow_provisional_create = true;
};

struct ValidatedRequest {
  Envelope envelope;
  Principal effective_canister_id;
  // The intersection of the delegations' targets; absent when no delegation restricts them.
  // The read_state handler needs it to check request_status paths against the original call.
  std::optional<std::vector<Principal>> targets;
  // A delegation carried permissions "queries": the request may not be used to call.
  bool queries_only = false;
};

// Validates |envelope| as received on an endpoint for |effective_canister_id| at time |now_nanos|.
// |root_public_key| is the 96-byte BLS root key canister signatures verify under. Refuses with
// 400 malformed or inconsistent requests (anonymous sender with a key, expiry outside the window,
// wrong effective canister id, a management method not allowed as ingress), with 403 failures of
// authentication (sender not the key's principal, bad signature, expired or non-targeting
// delegation).
HttpResult<ValidatedRequest> validate(Envelope envelope, const Principal& effective_canister_id,
                                      uint64_t now_nanos, ByteView root_public_key,
                                      const ValidationOptions& options = {});

// The ingress message of a validated call: message_id is the request id, the effective canister
// id kept for calls to the management canister. REQUIRES: request.envelope.content.type is kCall.
state::Ingress to_ingress(const ValidatedRequest& request);

// Verifies |signature| over |payload| (domain separator included) under a DER key of any scheme
// the spec allows for senders: Ed25519, ECDSA P-256 and secp256k1, WebAuthn, canister signatures.
Status verify_sender_signature(ByteView der_public_key, ByteView payload, ByteView signature,
                               ByteView root_public_key);

}  // namespace chorus::http
