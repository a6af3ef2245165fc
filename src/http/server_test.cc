#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "http/client.h"

namespace chorus::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A blocking TCP connection to 127.0.0.1 for sending exactly the bytes a test needs.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads what arrives within `timeout`; stops early at end of stream (sets closed()).
  std::string read_for(std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = Clock::now() + timeout;
    while (!closed_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) break;
      if (!read_some(out, left)) break;
    }
    return out;
  }

  // Reads one response (headers and a Content-Length body); empty on timeout or close first.
  std::string read_response(std::chrono::milliseconds timeout = 5000ms) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      size_t end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        std::string head = pending_.substr(0, end);
        std::string lowered = head;
        for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t cl = lowered.find("content-length:");
        if (cl != std::string::npos) length = std::stoul(head.substr(cl + 15));
        if (pending_.size() >= end + 4 + length) {
          std::string response = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return response;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms || closed_ || !read_some(pending_, left)) return "";
    }
  }

  // True once the server closed the connection (waits up to `timeout`).
  bool wait_closed(std::chrono::milliseconds timeout) {
    read_for(timeout);
    return closed_;
  }

 private:
  bool read_some(std::string& out, std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    out.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string pending_;
};

int status_of(const std::string& response) {
  if (response.size() < 12 || response.compare(0, 9, "HTTP/1.1 ") != 0) return -1;
  return std::stoi(response.substr(9, 3));
}

std::string body_of(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

bool has_header(const std::string& response, std::string_view line) {
  std::string head = response.substr(0, response.find("\r\n\r\n"));
  return head.find("\r\n" + std::string(line) + "\r\n") != std::string::npos ||
         head.ends_with("\r\n" + std::string(line));
}

HttpResponse text(std::string s, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = to_bytes(s);
  return r;
}

std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }

ServerConfig test_config() {
  ServerConfig c;
  c.port = 0;
  c.log = [](std::string_view) {};
  return c;
}

// Echoes "METHOD TARGET BODY" and counts the calls.
struct EchoServer {
  explicit EchoServer(ServerConfig config = test_config()) {
    auto started = HttpServer::start(std::move(config), [this](HttpRequest req, Responder respond) {
      calls.fetch_add(1);
      {
        std::lock_guard lock(mu);
        remotes.insert(req.remote_address);
      }
      respond(text(req.method + " " + req.target + " " + str(req.body)));
    });
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message());
    server = std::move(started).value();
  }
  uint16_t port() const { return server->port(); }

  std::atomic<int> calls{0};
  std::mutex mu;
  std::set<std::string> remotes;
  std::unique_ptr<HttpServer> server;
};

TEST(HttpServer, KeepAliveServesManyRequestsOnOneConnection) {
  EchoServer s;
  HttpClient client("127.0.0.1", s.port());
  for (int i = 0; i < 100; ++i) {
    auto r = client.request("POST", "/api/" + std::to_string(i), {}, as_bytes("x"));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(str(r->body), "POST /api/" + std::to_string(i) + " x");
    EXPECT_EQ(r->content_type, "text/plain");
  }
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(s.remotes.size(), 1u);
  EXPECT_EQ(s.server->stats().connections_accepted, 1u);
  EXPECT_EQ(s.server->stats().requests, 100u);
}

TEST(HttpServer, BodiesAtTheDefaultLimitBothWays) {
  // 5 MiB in and out: many partial reads and writes on loopback.
  auto started = HttpServer::start(test_config(), [](HttpRequest req, Responder respond) {
    HttpResponse r;
    r.body = std::move(req.body);
    std::reverse(r.body.begin(), r.body.end());
    respond(std::move(r));
  });
  ASSERT_TRUE(started.ok());
  auto server = std::move(started).value();
  Bytes body(5 << 20);
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<uint8_t>(i * 7 + i / 4096);
  HttpClient client("127.0.0.1", server->port());
  auto r = client.request("POST", "/", {}, body);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->status, 200);
  std::reverse(body.begin(), body.end());
  EXPECT_TRUE(r->body == body);
  body.push_back(0);  // one byte over
  auto over = client.request("POST", "/", {}, body);
  ASSERT_TRUE(over.ok()) << over.error().message();
  EXPECT_EQ(over->status, 413);
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  EchoServer s;
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 200);
  EXPECT_TRUE(has_header(r, "Connection: close")) << r;
  EXPECT_TRUE(c.wait_closed(2000ms));
}

TEST(HttpServer, Http10ClosesUnlessKeepAliveAsked) {
  EchoServer s;
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("GET /a HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(status_of(c.read_response()), 200);
  EXPECT_TRUE(c.wait_closed(2000ms));
}

TEST(HttpServer, FiveHundredConcurrentConnections) {
  constexpr int kConnections = 500;
  constexpr int kRounds = 3;
  EchoServer s;
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < kConnections; ++i) {
    conns.push_back(std::make_unique<RawConnection>(s.port()));
    ASSERT_TRUE(conns.back()->connected()) << i;
  }
  for (int round = 0; round < kRounds; ++round) {
    // Every connection has a request outstanding before any response is read.
    for (int i = 0; i < kConnections; ++i) {
      ASSERT_TRUE(conns[i]->send("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                 std::to_string(std::to_string(i).size()) + "\r\n\r\n" +
                                 std::to_string(i)));
    }
    for (int i = 0; i < kConnections; ++i) {
      std::string r = conns[i]->read_response();
      ASSERT_EQ(status_of(r), 200) << i;
      ASSERT_EQ(body_of(r), "POST /c " + std::to_string(i)) << i;
    }
  }
  ServerStats stats = s.server->stats();
  EXPECT_EQ(stats.connections_open, static_cast<uint64_t>(kConnections));
  EXPECT_EQ(stats.connections_accepted, static_cast<uint64_t>(kConnections));
  EXPECT_EQ(stats.requests, static_cast<uint64_t>(kConnections * kRounds));
  conns.clear();
  auto deadline = Clock::now() + 5s;
  while (s.server->stats().connections_open != 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(s.server->stats().connections_open, 0u);
}

// A handler that keeps the Responders of /slow requests for the test to complete.
struct DeferringServer {
  explicit DeferringServer(ServerConfig config = test_config()) {
    auto started = HttpServer::start(std::move(config), [this](HttpRequest req, Responder respond) {
      if (req.target.starts_with("/slow")) {
        std::lock_guard lock(mu);
        held.push_back(std::move(respond));
        cv.notify_all();
        return;
      }
      respond(text("fast " + req.target));
    });
    EXPECT_TRUE(started.ok());
    server = std::move(started).value();
  }
  // Waits until `n` slow requests are held.
  bool wait_held(size_t n, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return held.size() >= n; });
  }
  Responder take(size_t i) {
    std::lock_guard lock(mu);
    return held[i];
  }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<Responder> held;
  std::unique_ptr<HttpServer> server;
};

TEST(HttpServer, DeferredResponseFromAnotherThreadWhileOthersAreServed) {
  DeferringServer s;
  uint16_t port = s.server->port();
  std::atomic<bool> slow_done{false};
  Clock::time_point slow_end;
  std::thread slow([&] {
    HttpClient client("127.0.0.1", port);
    auto r = client.request("GET", "/slow");
    slow_end = Clock::now();
    slow_done = true;
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(str(r->body), "late");
  });
  ASSERT_TRUE(s.wait_held(1));
  auto held_at = Clock::now();
  std::thread responder([&] {
    std::this_thread::sleep_for(50ms);
    s.take(0)(text("late"));
  });
  // Meanwhile other connections are answered at once.
  HttpClient other("127.0.0.1", port);
  for (int i = 0; i < 20; ++i) {
    auto r = other.request("GET", "/fast");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(str(r->body), "fast /fast");
  }
  EXPECT_FALSE(slow_done.load());
  responder.join();
  slow.join();
  EXPECT_GE(slow_end - held_at, 50ms);
  // A second call of the same Responder is ignored.
  s.take(0)(text("again"));
}

TEST(HttpServer, OversizedContentLengthIs413WithoutReadingTheBody) {
  ServerConfig config = test_config();
  config.max_body_bytes = 1000;
  EchoServer s(config);
  RawConnection c(s.port());
  // Only the headers are sent: the answer must not wait for the 1001 bytes announced.
  ASSERT_TRUE(c.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"));
  std::string r = c.read_response(2000ms);
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_NE(body_of(r).find("larger than 1000 bytes"), std::string::npos) << r;
  EXPECT_TRUE(has_header(r, "Content-Type: text/plain; charset=utf-8")) << r;
  EXPECT_TRUE(c.wait_closed(3000ms));
  EXPECT_EQ(s.calls.load(), 0);

  // At the limit it is accepted.
  RawConnection ok(s.port());
  ASSERT_TRUE(ok.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                      std::string(1000, 'a')));
  EXPECT_EQ(status_of(ok.read_response()), 200);
  EXPECT_EQ(s.server->stats().responses_4xx, 1u);
}

TEST(HttpServer, OversizedChunkedBodyIs413) {
  ServerConfig config = test_config();
  config.max_body_bytes = 1000;
  EchoServer s(config);
  RawConnection c(s.port());
  std::string chunk(600, 'b');
  ASSERT_TRUE(c.send("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
  std::string r = c.read_response(2000ms);
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_EQ(s.calls.load(), 0);

  // A chunked body within the limit reaches the handler whole.
  RawConnection ok(s.port());
  ASSERT_TRUE(ok.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  std::string r2 = ok.read_response();
  EXPECT_EQ(body_of(r2), "POST /c abcde");
}

TEST(HttpServer, HeadersTooLargeAre431) {
  EchoServer s;  // 16 KiB
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17000, 'h') + "\r\n\r\n"));
  std::string r = c.read_response(2000ms);
  EXPECT_EQ(status_of(r), 431) << r;
  EXPECT_TRUE(c.wait_closed(3000ms));
  EXPECT_EQ(s.calls.load(), 0);
  // Big but within the limit is fine.
  RawConnection ok(s.port());
  ASSERT_TRUE(ok.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(15000, 'h') + "\r\n\r\n"));
  EXPECT_EQ(status_of(ok.read_response()), 200);
}

TEST(HttpServer, GarbageIs400AndCloses) {
  EchoServer s;
  for (std::string garbage : {"HELLO THERE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                              "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                              "POST / HTTP/1.1\r\nContent-Length: zz\r\n\r\n"}) {
    RawConnection c(s.port());
    ASSERT_TRUE(c.send(garbage));
    std::string r = c.read_response(2000ms);
    EXPECT_EQ(status_of(r), 400) << garbage << " -> " << r;
    EXPECT_TRUE(c.wait_closed(3000ms)) << garbage;
  }
  EXPECT_EQ(s.calls.load(), 0);
  EXPECT_EQ(s.server->stats().responses_4xx, 4u);
}

TEST(HttpServer, StalledHeadersTimeOutWith408) {
  ServerConfig config = test_config();
  config.header_timeout = 200ms;
  EchoServer s(config);
  RawConnection c(s.port());
  auto start = Clock::now();
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n"));  // never finished
  std::string r = c.read_response(3000ms);
  auto waited = Clock::now() - start;
  EXPECT_EQ(status_of(r), 408) << r;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 2000ms);
  EXPECT_TRUE(c.wait_closed(3000ms));

  // Trickling bytes does not extend the deadline.
  RawConnection slow(s.port());
  start = Clock::now();
  for (int i = 0; i < 10 && !slow.wait_closed(50ms); ++i) slow.send("X-A: b\r\n");
  EXPECT_TRUE(slow.wait_closed(2000ms));
  EXPECT_LT(Clock::now() - start, 2000ms);

  // A connection that sends nothing is closed too.
  RawConnection silent(s.port());
  EXPECT_TRUE(silent.wait_closed(2000ms));
}

TEST(HttpServer, StalledBodyTimesOut) {
  ServerConfig config = test_config();
  config.body_timeout = 200ms;
  EchoServer s(config);
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  std::string r = c.read_response(3000ms);
  EXPECT_EQ(status_of(r), 408) << r;
  EXPECT_TRUE(c.wait_closed(3000ms));
  EXPECT_EQ(s.calls.load(), 0);
}

TEST(HttpServer, IdleKeepAliveConnectionsAreClosed) {
  ServerConfig config = test_config();
  config.idle_timeout = 200ms;
  EchoServer s(config);
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_of(c.read_response()), 200);
  auto start = Clock::now();
  std::string rest = c.read_for(3000ms);
  EXPECT_TRUE(rest.empty()) << rest;  // closed without a 408: nothing was asked
  auto waited = Clock::now() - start;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 2500ms);
}

TEST(HttpServer, ClientReconnectsAfterTheServerClosedAnIdleConnection) {
  ServerConfig config = test_config();
  config.idle_timeout = 100ms;
  EchoServer s(config);
  HttpClient client("127.0.0.1", s.port());
  ASSERT_TRUE(client.request("GET", "/1").ok());
  std::this_thread::sleep_for(400ms);
  auto r = client.request("GET", "/2");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(str(r->body), "GET /2 ");
  EXPECT_EQ(client.connections_opened(), 2u);
}

TEST(HttpServer, CorsPreflightAndHeader) {
  EchoServer s;
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("OPTIONS /api/v2/canister/x/call HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\n"
                     "Access-Control-Request-Method: POST\r\n"
                     "Access-Control-Request-Headers: content-type, x-foo\r\n\r\n"));
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 204) << r;
  EXPECT_TRUE(has_header(r, "Access-Control-Allow-Origin: *")) << r;
  EXPECT_TRUE(has_header(r, "Access-Control-Allow-Methods: GET, POST, HEAD, OPTIONS")) << r;
  EXPECT_TRUE(has_header(r, "Access-Control-Allow-Headers: content-type, x-foo")) << r;
  EXPECT_TRUE(has_header(r, "Access-Control-Max-Age: 7200")) << r;
  ASSERT_TRUE(c.send("OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.read_response();
  EXPECT_TRUE(has_header(r, "Access-Control-Allow-Headers: Content-Type")) << r;
  EXPECT_EQ(s.calls.load(), 0);  // preflights never reach the handler

  HttpClient client("127.0.0.1", s.port());
  auto g = client.request("GET", "/");
  ASSERT_TRUE(g.ok());
  bool found = false;
  for (auto& [k, v] : g->headers) found |= k == "access-control-allow-origin" && v == "*";
  EXPECT_TRUE(found);
  // Error answers carry it too.
  RawConnection bad(s.port());
  bad.send("NONSENSE\r\n\r\n");
  EXPECT_TRUE(has_header(bad.read_response(), "Access-Control-Allow-Origin: *"));
}

TEST(HttpServer, CorsCanBeTurnedOff) {
  ServerConfig config = test_config();
  config.cors = false;
  EchoServer s(config);
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string r = c.read_response();
  EXPECT_EQ(body_of(r), "OPTIONS / ");
  EXPECT_EQ(r.find("Access-Control"), std::string::npos) << r;
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  // The first request is answered last in time (from another thread, 50 ms later); the responses
  // must still come in request order.
  std::mutex mu;
  std::vector<std::thread> late;
  auto started = HttpServer::start(test_config(), [&](HttpRequest req, Responder respond) {
    if (req.target == "/1") {
      std::lock_guard lock(mu);
      late.emplace_back([respond] {
        std::this_thread::sleep_for(50ms);
        respond(text("one"));
      });
      return;
    }
    respond(text(req.target));
  });
  ASSERT_TRUE(started.ok());
  auto server = std::move(started).value();
  RawConnection c(server->port());
  ASSERT_TRUE(c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
                     "POST /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_EQ(body_of(c.read_response()), "one");
  EXPECT_EQ(body_of(c.read_response()), "/2");
  EXPECT_EQ(body_of(c.read_response()), "/3");
  server->stop();
  for (auto& t : late) t.join();
}

TEST(HttpServer, StopDeliversAPendingResponseWithinTheGracePeriod) {
  ServerConfig config = test_config();
  config.stop_grace = 3000ms;
  DeferringServer s(config);
  RawConnection pending(s.server->port());
  RawConnection idle(s.server->port());
  ASSERT_TRUE(idle.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_of(idle.read_response()), 200);
  ASSERT_TRUE(pending.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(s.wait_held(1));
  auto start = Clock::now();
  std::thread stopper([&] { s.server->stop(); });
  EXPECT_TRUE(idle.wait_closed(1000ms));  // nothing pending: closed at once
  std::this_thread::sleep_for(100ms);
  s.take(0)(text("made it"));
  std::string r = pending.read_response(2000ms);
  EXPECT_EQ(body_of(r), "made it");
  EXPECT_TRUE(has_header(r, "Connection: close")) << r;
  stopper.join();
  EXPECT_LT(Clock::now() - start, 2500ms);  // did not wait for the whole grace period
  EXPECT_TRUE(pending.wait_closed(1000ms));
  // New connections are refused.
  RawConnection late(s.server->port());
  EXPECT_FALSE(late.connected() && late.send("GET / HTTP/1.1\r\n\r\n") &&
               !late.read_response(300ms).empty());
}

TEST(HttpServer, StopDoesNotWaitForeverForAHandlerThatNeverResponds) {
  ServerConfig config = test_config();
  config.stop_grace = 200ms;
  DeferringServer s(config);
  RawConnection c(s.server->port());
  ASSERT_TRUE(c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(s.wait_held(1));
  auto start = Clock::now();
  s.server->stop();
  auto took = Clock::now() - start;
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2000ms);
  EXPECT_TRUE(c.wait_closed(1000ms));
  EXPECT_EQ(s.server->stats().connections_open, 0u);
  s.take(0)(text("too late"));  // harmless after stop
}

TEST(HttpServer, HandlerThatThrowsGives500AndTheServerGoesOn) {
  std::vector<std::string> logged;
  std::mutex mu;
  ServerConfig config = test_config();
  config.log = [&](std::string_view m) {
    std::lock_guard lock(mu);
    logged.emplace_back(m);
  };
  auto started = HttpServer::start(config, [](HttpRequest req, Responder respond) {
    if (req.target == "/throw") throw std::runtime_error("boom");
    respond(text("fine"));
  });
  ASSERT_TRUE(started.ok());
  auto server = std::move(started).value();
  HttpClient client("127.0.0.1", server->port());
  auto r = client.request("GET", "/throw");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  auto ok = client.request("GET", "/");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(str(ok->body), "fine");
  EXPECT_EQ(client.connections_opened(), 1u);  // the connection survived
  EXPECT_EQ(server->stats().responses_5xx, 1u);
  server->stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("boom"), std::string::npos);
}

TEST(HttpServer, DroppedResponderGives500) {
  auto started = HttpServer::start(test_config(), [](HttpRequest, Responder) {});
  ASSERT_TRUE(started.ok());
  auto server = std::move(started).value();
  HttpClient client("127.0.0.1", server->port());
  auto r = client.request("GET", "/", {}, {}, 2000ms);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 500);
}

TEST(HttpServer, HandlerTooSlowGets503) {
  ServerConfig config = test_config();
  config.response_timeout = 200ms;
  DeferringServer s(config);
  HttpClient client("127.0.0.1", s.server->port());
  auto r = client.request("GET", "/slow", {}, {}, 3000ms);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 503);
  s.take(0)(text("late"));  // ignored
  auto next = client.request("GET", "/fast");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(str(next->body), "fast /fast");
}

TEST(HttpServer, ExpectContinue) {
  EchoServer s;
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  std::string interim = c.read_for(300ms);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.send("hello"));
  EXPECT_EQ(body_of(c.read_response()), "POST /e hello");
}

TEST(HttpServer, HeadKeepsContentLengthWithoutBody) {
  EchoServer s;
  HttpClient client("127.0.0.1", s.port());
  auto r = client.request("HEAD", "/h");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->body.empty());
  bool found = false;
  for (auto& [k, v] : r->headers) found |= k == "content-length" && v == "8";  // "HEAD /h "
  EXPECT_TRUE(found);
  auto after = client.request("GET", "/g");  // the connection is still in sync
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(str(after->body), "GET /g ");
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(HttpServer, HeadersReachTheHandlerLowerCased) {
  HttpRequest seen;
  auto started = HttpServer::start(test_config(), [&](HttpRequest req, Responder respond) {
    seen = req;
    HttpResponse r = text("x", 202);
    r.headers.emplace_back("X-Extra", "1");
    r.headers.emplace_back("Content-Length", "999");  // ignored: framing is the server's
    r.headers.emplace_back("X-Injected", "a\r\nSet-Cookie: evil");  // left out
    r.headers.emplace_back("Bad Name", "v");                         // left out
    respond(std::move(r));
  });
  ASSERT_TRUE(started.ok());
  auto server = std::move(started).value();
  HttpClient client("127.0.0.1", server->port());
  auto r = client.request("POST", "/p?q=1", {{"Content-Type", "application/cbor"}},
                          as_bytes("abc"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(str(r->body), "x");
  bool extra = false;
  for (auto& [k, v] : r->headers) {
    extra |= k == "x-extra" && v == "1";
    EXPECT_NE(k, "set-cookie");
    EXPECT_NE(k, "x-injected");
    EXPECT_NE(k, "bad name");
  }
  EXPECT_TRUE(extra);
  server->stop();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/p?q=1");
  ASSERT_NE(seen.header("Content-Type"), nullptr);
  EXPECT_EQ(*seen.header("content-type"), "application/cbor");
  EXPECT_EQ(seen.header("x-missing"), nullptr);
  for (auto& [k, v] : seen.headers) EXPECT_EQ(k, ascii_lower(k));
  EXPECT_EQ(str(seen.body), "abc");
  EXPECT_TRUE(seen.remote_address.starts_with("127.0.0.1:")) << seen.remote_address;
}

TEST(HttpServer, ConnectionsBeyondTheLimitAreClosed) {
  ServerConfig config = test_config();
  config.max_connections = 2;
  EchoServer s(config);
  RawConnection a(s.port()), b(s.port());
  ASSERT_TRUE(a.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_of(a.read_response()), 200);
  EXPECT_EQ(status_of(b.read_response()), 200);
  RawConnection c(s.port());
  EXPECT_TRUE(c.wait_closed(2000ms));
  EXPECT_EQ(s.server->stats().connections_refused, 1u);
}

TEST(HttpServer, StartRefusesABusyPortAndBadConfig) {
  EchoServer s;
  ServerConfig config = test_config();
  config.port = s.port();
  auto again = HttpServer::start(config, [](HttpRequest, Responder r) { r(HttpResponse{}); });
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("cannot bind"), std::string::npos)
      << again.error().message();
  config.port = 0;
  config.threads = 0;
  EXPECT_FALSE(HttpServer::start(config, [](HttpRequest, Responder) {}).ok());
  config.threads = 1;
  config.host = "no-such-host.invalid";
  EXPECT_FALSE(HttpServer::start(config, [](HttpRequest, Responder) {}).ok());
}

}  // namespace
}  // namespace chorus::http
