// The configuration of a replica process: where its state lives, where it listens, how its block
// maker paces rounds, how often it checkpoints, where it logs. Every field has a default fit for a
// local development network, so an empty (or absent) file is a working configuration.
#pragma once

#include <cstdint>
#include <string>

#include "base/log.h"
#include "base/result.h"

namespace chorus::replica {

struct ReplicaConfig {
  // Checkpoints, the batch log and the node's keys.
  std::string state_dir = ".chorus/replica";

  // [http]
  std::string host = "127.0.0.1";
  uint16_t port = 4943;  // 0: any free port (see port_file)
  int http_threads = 2;
  uint64_t max_body_bytes = 5 * 1024 * 1024;  // the IC's limit; 413 beyond
  // Written with the port once the replica answers, for tools that started it with port 0.
  std::string port_file;

  // [consensus] The local block maker: a round as soon as ingress waits (at most
  // max_ingress_per_batch messages each), otherwise one every idle_round_ms so that time advances
  // in the certified state and timers and heartbeats run.
  uint64_t idle_round_ms = 200;
  uint64_t max_ingress_per_batch = 2000;
  // fdatasync the batch log before acknowledging; off only for throwaway test networks.
  bool durable = true;

  // [state]
  uint64_t checkpoint_interval = 1000;  // rounds between checkpoints

  // [calls] How long a synchronous call (v3/v4) waits for its certificate before answering 202.
  uint64_t sync_call_timeout_ms = 10'000;

  // [log]
  std::string log_path = "-";  // "-": standard error
  log::Level log_level = log::Level::kInfo;
  log::Format log_format = log::Format::kText;
};

// Reads a TOML configuration file; keys not given keep their defaults, unknown keys are refused
// (a misspelt key must not be silently ignored).
Result<ReplicaConfig> load_config(const std::string& path);
Result<ReplicaConfig> parse_config(std::string_view toml_text, const std::string& source_name);

// The configuration as TOML, every key with its value (for `chorus-replica --print-config`).
std::string to_toml(const ReplicaConfig& config);

}  // namespace chorus::replica
