// An in-process subnet for tests and tools, in the spirit of the IC's StateMachine (the engine
// inside PocketIC): a replicated state and an execution environment, driven round by round
// through the same Batch interface consensus will feed. Ingress submitted here is inducted in the
// next round; execute_ingress() submits and runs rounds until the call completes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "execution/execution_environment.h"
#include "state/replicated_state.h"
#include "state/state_manager.h"

namespace chorus::execution {

// The outcome of an update call or a query.
struct CallOutcome {
  bool replied = false;
  Bytes reply;
  uint32_t reject_code = 0;
  std::string reject_message;
  std::string error_code;

  // For test messages: "reply <hex>" or "reject <code> <error_code>: <message>".
  std::string describe() const;
};

class StateMachine {
 public:
  // A development subnet: provisional methods allowed, subnet id from the canister range.
  static ExecutionConfig default_config();

  explicit StateMachine(ExecutionConfig config = default_config(), uint64_t start_time_nanos = 1'700'000'000'000'000'000);

  const state::ReplicatedState& state() const { return state_; }
  state::ReplicatedState& mutable_state() { return state_; }
  ExecutionEnvironment& environment() { return env_; }
  uint64_t time() const { return time_; }
  void advance_time(uint64_t nanos) { time_ += nanos; }

  // Queues an ingress message for the next round and returns its message id.
  Bytes submit_ingress(const Principal& sender, const Principal& receiver, const std::string& method,
                       Bytes arg);
  // Runs one round with the queued ingress; time advances by one millisecond first. With
  // checkpoints on, the new state is committed to the state manager.
  RoundSummary tick();

  // Checkpoints the state under |root| every |interval| rounds from now on. If |root| holds a
  // checkpoint, the machine first continues from the newest one (a restart).
  Status use_checkpoints(std::string root, uint64_t interval);
  // What the last commit wrote, if it wrote a checkpoint.
  const std::optional<state::CheckpointWriteStats>& last_checkpoint() const { return last_checkpoint_; }
  // Submits and runs rounds until the call is replied or rejected (at most |max_rounds|).
  CallOutcome execute_ingress(const Principal& sender, const Principal& receiver,
                              const std::string& method, Bytes arg, int max_rounds = 100);
  // The current status of |message_id|, if known.
  std::optional<state::IngressStatus> ingress_status(const Bytes& message_id) const;
  CallOutcome query(const Principal& sender, const Principal& receiver, const std::string& method,
                    Bytes arg);

  // Conveniences over the management canister, called by |sender| (anonymous by default).
  Result<Principal> create_canister(Cycles cycles, const Principal& sender = Principal::anonymous(),
                                    std::optional<Principal> specified_id = std::nullopt);
  // |mode| is install, reinstall or upgrade; |keep_wasm_memory| asks an upgrade for
  // wasm_memory_persistence = keep (Motoko's enhanced orthogonal persistence).
  Status install_code(const Principal& canister, ByteView wasm, Bytes arg,
                      const Principal& sender = Principal::anonymous(),
                      const std::string& mode = "install", bool keep_wasm_memory = false);
  Sha256Digest digest() const { return state::state_digest(state_); }

  // The Candid argument of install_code, for callers that submit it themselves.
  static Result<Bytes> install_code_arg(const Principal& canister, ByteView wasm, const Bytes& arg,
                                        const std::string& mode = "install",
                                        bool keep_wasm_memory = false);

 private:
  ExecutionEnvironment env_;
  state::ReplicatedState state_;
  uint64_t time_;
  std::vector<state::Ingress> pending_;
  std::optional<state::StateManager> checkpoints_;
  std::optional<state::CheckpointWriteStats> last_checkpoint_;
};

}  // namespace chorus::execution
