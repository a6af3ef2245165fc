// One node: every component of a replica constructed and wired in one place (the IC's
// construct_ic_stack). A single node is a whole subnet here: its local block maker stands in for
// consensus, making batches from the ingress pool, logging them durably, and feeding them to the
// execution environment; after each round the state tree is certified with the subnet's threshold
// key (one share of one), and the public HTTP interface answers from that certified state.
//
// The path of an update (docs/architecture.md): HTTP → validation → ingress pool → batch (durable
// in the batch log) → round (execution) → state tree → certificate → the caller.
#pragma once

#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/log.h"
#include "base/result.h"
#include "encoding/principal.h"
#include "replica/replica_config.h"

namespace chorus::replica {

class Replica {
 public:
  // Opens (or creates) the state directory, restores the newest checkpoint, replays the batches
  // logged after it, and starts serving. Fails with a message when the state directory cannot be
  // used or the port cannot be bound; nothing is left running then.
  static Result<std::unique_ptr<Replica>> start(ReplicaConfig config,
                                                std::shared_ptr<log::Logger> logger);
  ~Replica();  // stop()

  uint16_t port() const;
  const Bytes& root_key_der() const;
  const Principal& subnet_id() const;
  uint64_t certified_height() const;

  // Graceful shutdown: no new requests, the ingress already admitted is executed, waiting
  // callers are answered, a checkpoint is written. Idempotent.
  void stop();

  // Blocks until stop() has completed (from another thread or a signal handler's thread).
  void wait();

  struct Impl;

 private:
  explicit Replica(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace chorus::replica
