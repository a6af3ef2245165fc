// The replicated state as bytes: what checkpoints store and what the determinism checks hash.
// One visitor per state type (state_codec.cc) drives three readers of it: the encoder, the
// decoder and the digest, so the three cannot drift apart.
//
// An encoded state is a set of named blobs and named memories (the shape CheckpointStore keeps):
//   "subnet"                       metadata, the management canister's queue, the ingress history
//   "canister/<id>"                one canister without its memories and module
//   "module/<sha256 hex>"          each distinct module once, however many canisters run it
//   "canister/<id>/wasm", ".../stable", ".../snapshot/<n>/wasm", ".../snapshot/<n>/stable"
#pragma once

#include <map>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "state/replicated_state.h"
#include "wasm/linear_memory.h"

namespace chorus::state {

struct EncodedState {
  std::map<std::string, Bytes> blobs;
  std::map<std::string, wasm::Snapshot> memories;
};

// REQUIRES: every installed canister's wasm_binary is set.
EncodedState encode_state(const ReplicatedState& state);

// The inverse of encode_state. The input is untrusted (it comes from disk): a missing or
// malformed blob, trailing bytes, a bad principal or a module whose hash does not match fail
// with an error that names the blob, and nothing is returned.
Result<ReplicatedState> decode_state(const EncodedState& encoded);

}  // namespace chorus::state
