// The local network: one chorus-replica process whose state lives in the project's
// .chorus/network/ (or $CHORUS_HOME/network outside a project), described while it runs by
// network.json next to that folder: {"url", "pid", "port", "root_key"}.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <filesystem>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace chorus::cli {

struct NetworkPaths {
  std::filesystem::path dir;        // .chorus/network: replica state (state/), log, port file
  std::filesystem::path info_file;  // .chorus/network.json
  std::filesystem::path state_dir() const { return dir / "state"; }
  std::filesystem::path log_file() const { return dir / "replica.log"; }
  std::filesystem::path port_file() const { return dir / "port"; }
};

// The paths of the network of project_root, or of $CHORUS_HOME (default ~/.config/chorus) when
// there is no project.
NetworkPaths network_paths(const std::optional<std::filesystem::path>& project_root,
                           const std::string& chorus_home = "");

struct NetworkInfo {
  std::string url;
  pid_t pid = 0;
  uint16_t port = 0;
  Bytes root_key_der;
};

// Reads network.json; nullopt when there is none.
Result<std::optional<NetworkInfo>> read_network_info(const std::filesystem::path& file);
Status write_network_info(const std::filesystem::path& file, const NetworkInfo& info);

// The running network described by paths, or nullopt when none runs (a stale network.json, whose
// process is gone, is removed).
Result<std::optional<NetworkInfo>> running_network(const NetworkPaths& paths);

// What /api/v2/status says.
struct ReplicaStatus {
  bool healthy = false;
  Bytes root_key_der;
};
Result<ReplicaStatus> fetch_status(const std::string& url);

struct StartOptions {
  bool background = false;
  uint16_t port = 4943;  // 0: any free port
  bool clean = false;    // wipe the network's state first
  bool verbose = false;
  std::filesystem::path replica;  // empty: next to this binary, else chorus-replica on $PATH
};

// Finds chorus-replica next to the running binary (also ../replica/ in a build tree) or on PATH.
Result<std::filesystem::path> find_replica_binary();

// Starts the network. In the background: returns once the replica says healthy, with its info
// (network.json is written). In the foreground: writes network.json once healthy, calls
// on_ready, then waits until the replica exits (Ctrl-C stops it) and removes network.json.
// Errors: already running, port in use, replica binary missing, replica failed to start (with
// the tail of its log).
Result<NetworkInfo> start_network(const NetworkPaths& paths, const StartOptions& options,
                                  const std::function<void(const NetworkInfo&)>& on_ready = {});

// Sends SIGTERM to the running replica and waits (up to timeout) until it has exited. Returns
// false when no network was running.
Result<bool> stop_network(const NetworkPaths& paths, std::chrono::seconds timeout = std::chrono::seconds(60));

// A few figures from /metrics for `chorus status`: certified height and canister count.
struct NetworkMetrics {
  std::optional<uint64_t> certified_height;
  std::optional<uint64_t> canisters;
};
NetworkMetrics fetch_metrics(const std::string& url);

}  // namespace chorus::cli
