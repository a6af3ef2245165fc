// An HTTP/1.1 load generator: C keep-alive connections send requests made by a callback, either
// closed-loop (each connection sends its next request when the previous one is answered) or at a
// fixed total rate, for a duration, and report throughput and latency percentiles.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "http/server.h"  // HeaderList

namespace chorus::bench {

struct HttpRequestSpec {
  std::string method = "GET";
  std::string target = "/";
  http::HeaderList headers;
  Bytes body;
};

struct LoadConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4943;
  size_t connections = 16;
  int threads = 1;                          // io threads
  std::chrono::milliseconds duration{5000};
  // Requests per second over all connections; 0 means closed loop. At a fixed rate a request's
  // latency counts from when it was due, so a server that falls behind is charged for the queue.
  double rate = 0;
  // A request not answered within this counts as an error (status 0); its connection is reopened.
  std::chrono::milliseconds timeout{10000};
  // Called from io threads, concurrently for different connections: must be thread-safe.
  // Null: GET /.
  std::function<HttpRequestSpec(size_t connection, uint64_t seq)> make_request;
};

struct LoadResult {
  uint64_t count = 0;                 // responses received within the duration, any status
  uint64_t ok = 0;                    // of which 2xx
  std::map<int, uint64_t> errors;     // non-2xx responses by status; 0: connection failures
  double seconds = 0;                 // the measured duration
  double requests_per_second = 0;     // count / seconds
  std::chrono::nanoseconds p50{0}, p90{0}, p99{0}, max{0};  // over every response counted
};

// Runs the load and returns what was measured. Returns an error for an unusable config or when the
// host cannot be resolved; connection failures during the run are counted, not returned.
Result<LoadResult> run_http_load(const LoadConfig& config);

// A few lines for humans: count, rate, errors by status, latency percentiles.
std::string format_load_result(const LoadResult& result);

}  // namespace chorus::bench
