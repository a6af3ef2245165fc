// The replica's HTTP/1.1 server (Boost.Beast over Asio; neither appears in this header).
//
// Each connection reads one request, hands it to the Handler and waits, holding no thread, until
// the Responder is called (from any thread, possibly much later), writes the response, then reads
// the next request. Pipelined requests therefore wait in the socket and are answered in order.
// Limits, timeouts and CORS are applied here so that handlers only see well-formed requests.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace chorus::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;          // as sent, e.g. "POST"
  std::string target;          // path and query as sent
  HeaderList headers;          // names lower-cased, in the order received
  Bytes body;
  std::string remote_address;  // "ip:port" of the peer ("[ip6]:port" for IPv6)

  // Returns the value of the first header called `name` (compared case-insensitively), or null.
  const std::string* header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;    // omitted from the response when empty
  Bytes body;
  HeaderList headers;          // extra headers; Content-Length and Connection are set by the server
};

// Completes one request. Callable from any thread, exactly once; later calls are ignored. If every
// copy is destroyed without a call, the client gets 500 (the request is not left hanging).
using Responder = std::function<void(HttpResponse)>;
// Called on an io thread for every request that passed the server's checks. It must not block:
// answer at once or keep the Responder and call it later. An exception escaping it becomes 500.
using Handler = std::function<void(HttpRequest, Responder)>;

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4943;            // 0: any free port (see HttpServer::port())
  int threads = 2;                 // io threads
  size_t max_body_bytes = 5 << 20; // the IC's 5 MiB request limit; larger bodies get 413
  size_t max_header_bytes = 16 << 10;  // request line and headers; larger gets 431
  // From the first byte of a request (or from accept) to its last header byte; then 408 + close.
  std::chrono::milliseconds header_timeout{10000};
  // For the whole body once the headers are in, and for writing a response; then 408 / close.
  std::chrono::milliseconds body_timeout{30000};
  // A keep-alive connection with no request in progress is closed after this.
  std::chrono::milliseconds idle_timeout{60000};
  // A handler that has not responded after this gets 503 answered for it.
  std::chrono::milliseconds response_timeout{300000};
  // stop() waits this long for responses in flight before closing connections regardless.
  std::chrono::milliseconds stop_grace{5000};
  size_t max_connections = 10000;  // connections accepted beyond this are closed at once
  bool cors = true;                // Access-Control-Allow-Origin: * and OPTIONS preflights
  // Where the server reports handler exceptions and other anomalies, called from io threads;
  // null: standard error.
  std::function<void(std::string_view)> log;
};

struct ServerStats {
  uint64_t connections_open = 0;
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;  // over max_connections
  uint64_t requests = 0;             // responses written, of every status
  uint64_t responses_4xx = 0;
  uint64_t responses_5xx = 0;
};

class HttpServer {
 public:
  // Binds, listens and starts the io threads; the server accepts connections when this returns.
  // Returns an error if the address cannot be resolved or bound, or the config is unusable.
  static Result<std::unique_ptr<HttpServer>> start(ServerConfig config, Handler handler);

  ~HttpServer();  // stop()s (same REQUIRES)
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the one chosen by the system when the config said 0).
  uint16_t port() const;

  // Graceful: stops accepting, closes connections with no response pending, lets pending
  // responses be written (with Connection: close) for up to stop_grace, then closes the rest and
  // joins the io threads. Idempotent; Responders called afterwards do nothing.
  // REQUIRES: not called from a Handler or another io thread of this server (it joins them).
  void stop();

  ServerStats stats() const;

  struct Core;  // shared with connections and responders (server.cc)

 private:
  HttpServer() = default;
  std::shared_ptr<Core> core_;
};

}  // namespace chorus::http
