#include "state/state_manager.h"

#include "state/state_codec.h"

namespace chorus::state {

Result<StateManager> StateManager::open(std::string root, StateManagerOptions options) {
  if (options.checkpoint_interval == 0) return Error("checkpoint_interval must be at least 1");
  CHORUS_ASSIGN_OR_RETURN(CheckpointStore store, CheckpointStore::open(std::move(root), options.checkpoints));
  return StateManager(std::move(store), options);
}

Result<std::optional<RestoredState>> StateManager::restore() {
  CHORUS_ASSIGN_OR_RETURN(std::optional<LoadedCheckpoint> loaded, store_.load_latest());
  if (!loaded) return std::optional<RestoredState>();
  EncodedState enc;
  enc.blobs = std::move(loaded->data.blobs);
  enc.memories = std::move(loaded->data.memories);
  auto state = decode_state(enc);
  if (!state.ok()) {
    return Error("checkpoint " + std::to_string(loaded->height) + " does not decode: " + state.error().message());
  }
  last_checkpoint_ = loaded->height;
  return std::optional<RestoredState>(RestoredState{loaded->height, std::move(state).value(), loaded->skipped});
}

Result<std::optional<CheckpointWriteStats>> StateManager::commit(uint64_t height, const ReplicatedState& state,
                                                                 bool force) {
  if (!force && height % options_.checkpoint_interval != 0) return std::optional<CheckpointWriteStats>();
  if (height <= last_checkpoint_ && last_checkpoint_ != 0) return std::optional<CheckpointWriteStats>();
  EncodedState enc = encode_state(state);
  CheckpointData data;
  data.blobs = std::move(enc.blobs);
  data.memories = std::move(enc.memories);
  CHORUS_ASSIGN_OR_RETURN(CheckpointWriteStats stats, store_.write(height, data));
  last_checkpoint_ = height;
  return std::optional<CheckpointWriteStats>(stats);
}

}  // namespace chorus::state
