// Bytes from the fuzzer are one client's whole stream to a real server on loopback (then the
// client half-closes). Whatever the bytes, the server must close the connection by itself, and
// what it sent back must be a clean sequence of HTTP/1.1 responses, at least one per request the
// handler saw, each (but 100 Continue) with the CORS
// header.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "http/server.h"

namespace {

namespace bhttp = boost::beast::http;

[[noreturn]] void fail(const char* why) {
  std::fprintf(stderr, "server_fuzz: %s\n", why);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 16)) return 0;
  using namespace chorus::http;
  ServerConfig config;
  config.port = 0;
  config.threads = 1;
  config.max_body_bytes = 2048;
  config.max_header_bytes = 1024;
  config.log = [](std::string_view) {};
  std::atomic<int> calls{0};
  auto server = HttpServer::start(config, [&calls](HttpRequest request, Responder respond) {
    calls.fetch_add(1);
    HttpResponse r;
    // No body: the response to a HEAD request then parses like any other.
    r.status = request.body.empty() ? 200 : 201;
    respond(std::move(r));
  });
  if (!server.ok()) fail("server did not start");

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((*server)->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int connected;
  do {
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } while (connected != 0 && errno == EINTR);
  if (connected != 0) fail("connect");
  size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server closed early (an error answer): fine
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno == EINTR) continue;  // libFuzzer's alarm signal
    if (ready == 0) {
      if (std::chrono::steady_clock::now() < deadline) continue;
      fail("the server did not close the connection within 5 s");
    }
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  (*server)->stop();

  boost::asio::const_buffer rest(out.data(), out.size());
  int responses = 0;
  while (rest.size() > 0) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    boost::beast::error_code ec;
    size_t used = parser.put(rest, ec);
    if (ec || !parser.is_done()) fail("the server sent a malformed or truncated response");
    rest += used;
    const auto& message = parser.get();
    if (message.version() != 11) fail("not HTTP/1.1");
    if (message.result_int() < 200) continue;  // 100 Continue
    if (message[bhttp::field::access_control_allow_origin] != "*") fail("no CORS header");
    ++responses;
  }
  if (responses < calls.load()) fail("a request the handler answered got no response");
  return 0;
}
