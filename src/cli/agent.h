// The client side of the IC's HTTP interface for the `chorus` command: signed envelopes, v4/v3
// calls with certificate checks under the root key, v3 queries with node signatures checked,
// read_state, and the management canister's methods a developer needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bigint.h"
#include "base/bytes.h"
#include "base/result.h"
#include "cli/identity.h"
#include "encoding/principal.h"

namespace chorus::cli {

struct AgentOptions {
  std::string url = "http://127.0.0.1:4943";
  // Fetched from /api/v2/status when absent (local networks).
  std::optional<Bytes> root_key_der;
  // Print each request/response summary to stderr.
  bool verbose = false;
  std::chrono::seconds timeout{120};
};

// What a refused or rejected request came back with.
struct CallError {
  uint32_t reject_code = 0;  // 0: not a reject
  std::string reject_message, error_code;
  int http_status = 0;  // 0: no HTTP error
  std::string http_body;
  std::string describe() const;
};

enum class InstallMode { kInstall, kReinstall, kUpgrade };

struct InstallOptions {
  InstallMode mode = InstallMode::kInstall;
  // Upgrade only: wasm_memory_persistence = opt variant { keep } (Motoko EOP modules need it).
  bool keep_wasm_memory = false;
  // Called with (bytes uploaded, total) while a chunked upload progresses.
  std::function<void(size_t, size_t)> progress;
};

// canister_status's reply; numbers the replica leaves out read as 0.
struct CanisterStatusInfo {
  std::string status;  // running | stopping | stopped
  std::optional<Bytes> module_hash;
  std::vector<Principal> controllers;
  BigInt cycles;
  BigInt memory_size;
  BigInt compute_allocation, memory_allocation, freezing_threshold;
  BigInt idle_cycles_burned_per_day;
  BigInt reserved_cycles;
};

// What the certified state tree says about a canister (read_state, as `dfx canister info`).
struct CanisterInfo {
  std::optional<Bytes> module_hash;  // nullopt: no module installed
  std::vector<Principal> controllers;
};

struct CanisterLogRecord {
  uint64_t idx = 0;
  uint64_t timestamp_nanos = 0;
  Bytes content;
};

// Modules above this size are uploaded in chunks (the ingress limit is 2 MiB per message).
constexpr size_t kChunkedInstallThreshold = 1900 * 1024;
constexpr size_t kChunkSize = 1024 * 1024;

class Agent {
 public:
  // Checks the URL and fetches the root key when the options carry none. Errors say what to do
  // (e.g. start a replica).
  static Result<Agent> connect(AgentOptions options, Identity identity);

  Agent(Agent&&) noexcept;
  Agent& operator=(Agent&&) noexcept;
  ~Agent();

  const Bytes& root_key_der() const;
  const Identity& identity() const;
  const AgentOptions& options() const;

  // v4 call (falls back to polling read_state on 202; v3, then v2, if v4 is 404), certificate
  // verified under the root key and refused when its /time is more than 5 minutes from this
  // machine's clock; the reply bytes, or an Error whose message is CallError::describe().
  Result<Bytes> update(const Principal& canister, const std::string& method, ByteView arg,
                       std::optional<Principal> effective_canister_id = std::nullopt);
  // v3 query, node signature verified with the node key from the certified tree.
  Result<Bytes> query(const Principal& canister, const std::string& method, ByteView arg,
                      std::optional<Principal> effective_canister_id = std::nullopt);
  // read_state of /canister/<id>/metadata/<name>: nullopt when the canister has no such section.
  Result<std::optional<Bytes>> canister_metadata(const Principal& canister, const std::string& name);
  // Status answers and is healthy.
  Result<bool> ping();

  // Management canister helpers (Candid per ic.did).
  // provisional_create_canister_with_cycles; the new canister's id.
  Result<Principal> create_canister(std::optional<BigInt> cycles = std::nullopt);
  // install_code, or upload_chunk + install_chunked_code above kChunkedInstallThreshold.
  Status install_code(const Principal& canister, ByteView wasm, ByteView arg,
                      const InstallOptions& options = {});
  Result<CanisterStatusInfo> canister_status(const Principal& canister);
  Status start_canister(const Principal& canister);
  Status stop_canister(const Principal& canister);
  Status delete_canister(const Principal& canister);
  Status top_up_canister(const Principal& canister, const BigInt& cycles);
  Result<std::vector<CanisterLogRecord>> fetch_canister_logs(const Principal& canister);
  Result<CanisterInfo> canister_info(const Principal& canister);

 private:
  struct Impl;
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace chorus::cli
