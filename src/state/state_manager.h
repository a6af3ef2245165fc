// The state manager: commits each height's state, writes a checkpoint every N heights, and
// gives back the newest checkpointed state after a restart (the IC's StateManager, without state
// sync yet). The replica replays what came after that checkpoint from its own records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "state/checkpoint.h"
#include "state/replicated_state.h"

namespace chorus::state {

struct StateManagerOptions {
  uint64_t checkpoint_interval = 100;  // heights between checkpoints; at least 1
  CheckpointOptions checkpoints;
};

struct RestoredState {
  uint64_t height = 0;
  ReplicatedState state;
  std::vector<std::string> skipped;  // newer checkpoints that could not be loaded, and why
};

class StateManager {
 public:
  // Opens the checkpoints under |root| (see CheckpointStore::open).
  static Result<StateManager> open(std::string root, StateManagerOptions options = {});

  // The newest checkpoint that loads and decodes, or nullopt when there is none. Call once, before
  // the first commit, so that later checkpoints are incremental against it.
  Result<std::optional<RestoredState>> restore();

  // Records that |state| is the state of |height|; writes it as a checkpoint when |height| is a
  // multiple of the interval (or |force|). Returns what the write did, or nullopt if none.
  Result<std::optional<CheckpointWriteStats>> commit(uint64_t height, const ReplicatedState& state,
                                                     bool force = false);

  uint64_t last_checkpoint_height() const { return last_checkpoint_; }

 private:
  StateManager(CheckpointStore store, StateManagerOptions options)
      : store_(std::move(store)), options_(options) {}
  CheckpointStore store_;
  StateManagerOptions options_;
  uint64_t last_checkpoint_ = 0;
};

}  // namespace chorus::state
