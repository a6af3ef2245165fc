// The replicated state of a subnet: its canisters, the management canister's queue, the ingress
// history and subnet metadata. Execution maps (state h-1, batch h) to state h; two replicas that
// apply the same batches hold byte-identical states, which state_digest() makes checkable.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "base/bytes.h"
#include "crypto/sha2.h"
#include "state/canister_state.h"

namespace chorus::state {

// The status of an update call, as read_state's request_status reports it.
struct IngressStatus {
  enum Kind : uint8_t { kReceived, kProcessing, kReplied, kRejected, kDone };
  Kind kind = kReceived;
  Principal receiver;
  Principal user;
  uint64_t time_nanos = 0;  // when it reached this status
  Bytes reply;              // kReplied
  uint32_t reject_code = 0;  // kRejected
  std::string reject_message;
  std::string error_code;  // kRejected: "IC0503" etc.
};

struct SubnetMetadata {
  Principal subnet_id;
  uint64_t batch_number = 0;
  uint64_t time_nanos = 0;  // the current batch's time
  Bytes randomness;         // the current batch's random seed (32 bytes)
  uint64_t next_canister_index = 0;  // canister ids are allocated in order from the subnet's range
  uint64_t canister_range_start = 0;
  uint64_t canister_range_end = (uint64_t{1} << 20) - 1;
  uint64_t raw_rand_counter = 0;  // mixes raw_rand outputs within one batch
  // Cycles ever charged (burned) and minted on this subnet: with the balances and the cycles held
  // by messages and call contexts they make the conservation invariant checkable.
  Cycles consumed_cycles;
  Cycles minted_cycles;
};

struct ReplicatedState {
  std::map<CanisterId, CanisterState> canisters;
  // Calls to the management canister, from canisters and from ingress, in arrival order.
  std::deque<InputMessage> subnet_queue;
  std::map<Bytes, IngressStatus> ingress_history;
  // (time, id) of each status that became replied, rejected or done, in time order, so that
  // pruning the history costs what it prunes.
  std::deque<std::pair<uint64_t, Bytes>> ingress_history_by_time;
  SubnetMetadata metadata;

  CanisterState* canister(const Principal& id) {
    auto it = canisters.find(id);
    return it == canisters.end() ? nullptr : &it->second;
  }
  const CanisterState* canister(const Principal& id) const {
    auto it = canisters.find(id);
    return it == canisters.end() ? nullptr : &it->second;
  }
};

// SHA-256 over a canonical encoding of the whole state (memories included, by page), so that two
// states with the same digest are the same state. Not the certified state tree's root (that one
// covers only what the spec certifies); this one covers everything, for determinism checks.
Sha256Digest state_digest(const ReplicatedState& state);

// Every cycle held in the state: balances, reserved balances, cycles attached to queued requests
// and responses, to open call contexts, and callbacks' prepayments for their responses. With
// consumed and minted cycles: held == minted - consumed (all cycles are minted at some point).
Cycles total_cycles_held(const ReplicatedState& state);

}  // namespace chorus::state
