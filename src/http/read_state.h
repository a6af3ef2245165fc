// read_state (interface spec, "Request: Read state"): which paths of the certified state tree a
// request may read, and the certificate that answers it.
#pragma once

#include <span>

#include "base/bytes.h"
#include "encoding/hash_tree.h"
#include "encoding/principal.h"
#include "http/request.h"
#include "http/request_validation.h"
#include "state/replicated_state.h"

namespace chorus::http {

inline constexpr int kNotFound = 404;

// The certificate (CBOR) of |tree| pruned to |paths| and /time (every certificate reveals the
// time); |signature| is the subnet's BLS signature of the whole tree's root (pruning keeps the
// root digest, so one signature serves all witnesses of a round).
Bytes certificate_for_paths(const HashTree& tree, ByteView signature, std::span<const Path> paths);

// Where a read_state arrived.
struct ReadStateScope {
  bool subnet_endpoint = false;  // /api/v*/subnet/<effective_id>/read_state
  Principal effective_id;        // the effective canister id, or the effective subnet id
  int api_version = 3;           // 2 or 3: which form of canister ranges may be read
  // /subnet/<root>/canister_ranges may be read at every endpoint; the others only at v2.
  Principal root_subnet_id;
};

// Answers a read_state request with the response body 55799({certificate}), after checking each
// requested path against the spec's rules: paths outside the spec's list → 404; forms an endpoint
// does not serve (/canister_ranges at a canister endpoint, another subnet's flat canister ranges
// at v3, metrics of another subnet, canister paths for another canister or at a subnet endpoint,
// certified_data, several request ids or canister-range subnets in one request, a non-UTF-8
// metadata name) → 400; request statuses of another sender's call, or of a call outside the
// delegations' targets or to another effective id, and private metadata for a non-controller
// → 403. Node keys and metrics of a subnet are left out of the certificate unless the effective
// canister id lies in that subnet's ranges or the effective subnet id is that subnet.
// REQUIRES: |request| is a validated read_state; |tree| is the state tree of |state| and
// |signature| signs its root.
HttpResult<Bytes> answer_read_state(const ValidatedRequest& request, const ReadStateScope& scope,
                                    const state::ReplicatedState& state, const HashTree& tree,
                                    ByteView signature);

}  // namespace chorus::http
