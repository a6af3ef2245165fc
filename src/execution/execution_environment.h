// The deterministic core of a replica: executes rounds. A round takes the replicated state of
// height h-1 and a batch (ingress messages, time, randomness) and turns the state into that of
// height h: ingress is inducted into canister queues, canisters run their messages, callbacks,
// heartbeats and timers, the management canister serves its calls, cycles are charged. The
// batch is what consensus finalizes; nothing here assumes a single node, reads a clock, or
// iterates anything unordered, so every replica fed the same batches holds the same state
// (state_digest() equal).
//
// Queries (non-replicated) run against a state without changing it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "execution/cycles_account.h"
#include "execution/hypervisor.h"
#include "state/replicated_state.h"

namespace chorus::execution {

// Reject codes (https-interface.md, "Reject codes").
enum class RejectCode : uint32_t {
  kSysFatal = 1,
  kSysTransient = 2,
  kDestinationInvalid = 3,
  kCanisterReject = 4,
  kCanisterError = 5,
  kSysUnknown = 6,
};

struct ExecutionConfig {
  Principal subnet_id;
  Bytes root_key;  // DER, for ic0.root_key_*
  CyclesConfig cycles;
  ModuleLimits module_limits;
  HypervisorConfig hypervisor;
  // Instruction limits per execution (resource-limits.md).
  uint64_t max_instructions_per_update = 40'000'000'000;
  uint64_t max_instructions_per_query = 5'000'000'000;
  uint64_t max_instructions_per_install = 300'000'000'000;
  uint64_t max_instructions_per_inspect = 200'000'000;
  // A round stops taking new messages once it has executed this many instructions.
  uint64_t max_instructions_per_round = 4'000'000'000;
  // Development subnets (the local network): anyone may call provisional_* methods.
  bool provisional_api = true;
  Cycles default_provisional_cycles = Cycles(100'000'000'000'000);  // 100 T
  size_t max_canisters = 100'000;
  size_t max_snapshots_per_canister = 10;
  size_t max_chunks = 10'000;  // per canister chunk store
  size_t max_chunk_bytes = 1024 * 1024;
  size_t max_log_bytes = 4096;
  size_t max_history_records = 20;
  // How long replied and rejected statuses stay readable before they become done (the IC keeps
  // them at least until the request could expire: 5 minutes after submission).
  uint64_t ingress_history_retention_nanos = 5ull * 60 * 1'000'000'000;
};

struct Batch {
  uint64_t batch_number = 0;
  uint64_t time_nanos = 0;
  Bytes randomness;  // 32 bytes from the random beacon
  std::vector<state::Ingress> ingress;
};

struct RoundSummary {
  uint64_t messages_executed = 0;
  uint64_t instructions_executed = 0;
  // Request ids whose status became replied or rejected in this round, in the order it happened.
  std::vector<Bytes> completed;
  // Request ids whose ingress-history entry was added, changed or removed in this round (a
  // status set by induction or execution, made done or pruned), in the order it happened; an id
  // may repeat. What state::StateTreeBuilder needs to certify the round at the cost of its changes.
  std::vector<Bytes> ingress_changed;
};

struct Query {
  Principal sender;
  Principal receiver;
  std::string method;
  Bytes arg;
  std::optional<Bytes> data_certificate;  // for ic0.data_certificate_*
};

struct QueryResponse {
  bool replied = false;
  Bytes reply;
  RejectCode reject_code = RejectCode::kCanisterError;
  std::string reject_message;
  std::string error_code;
  uint64_t instructions = 0;
};

class ExecutionEnvironment {
 public:
  explicit ExecutionEnvironment(ExecutionConfig config);
  ~ExecutionEnvironment();

  const ExecutionConfig& config() const { return config_; }

  // A new, empty subnet state for this configuration.
  state::ReplicatedState initial_state() const;

  // Executes one round on |state|. Batch times below the state's are raised to it plus one: time
  // never goes backwards.
  RoundSummary execute_round(state::ReplicatedState& state, const Batch& batch);

  // Runs a query method (or, for the management canister, a query method of it) against |state|
  // without changing it.
  QueryResponse execute_query(const state::ReplicatedState& state, const Query& query);

  // Runs canister_inspect_message for an update |ingress| (non-replicated, on one node). An error
  // says why the message is refused; ok means it may enter the ingress pool.
  Status inspect_message(const state::ReplicatedState& state, const state::Ingress& ingress);

  Hypervisor& hypervisor() { return *hypervisor_; }

 private:
  friend struct QueryRunner;
  struct Round;
  ExecutionConfig config_;
  std::unique_ptr<Hypervisor> hypervisor_;
};

}  // namespace chorus::execution
