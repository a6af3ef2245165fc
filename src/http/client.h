// A small synchronous HTTP/1.1 client with one keep-alive connection, for the `chorus` command and
// tests that talk to a replica. Plain http only: TLS (https) is not supported, since replicas
// here are reached on loopback or behind a TLS-terminating proxy.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "http/server.h"  // HttpResponse, HeaderList

namespace chorus::http {

struct ParsedUrl {
  std::string host;            // without brackets for IPv6 literals
  uint16_t port = 80;
  std::string target = "/";    // path and query; the fragment is dropped
};

// Parses "http://host[:port][/path][?query]". Returns an error for other schemes (https
// included), user info, an empty host or a port outside 1..65535.
Result<ParsedUrl> parse_url(std::string_view url);

// Not thread-safe: one request at a time per client.
class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads its response, reusing the open connection. If a reused connection
  // turns out to have been closed by the server before any of the response arrived, reconnects
  // and sends once more. Header names in the response are lower-cased; content_type is filled
  // from Content-Type. Returns an error on connection failure, malformed response, or when
  // `timeout` (for connect, send and receive together) passes; the connection is then closed.
  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               const HeaderList& headers = {}, ByteView body = {},
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Closes the connection (the next request opens a new one).
  void close();

  // How many connections this client has opened so far.
  uint64_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chorus::http
