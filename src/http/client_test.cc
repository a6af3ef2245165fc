#include "http/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

namespace chorus::http {
namespace {

using namespace std::chrono_literals;

TEST(ParseUrl, HostPortAndTarget) {
  auto u = parse_url("http://127.0.0.1:4943");
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 4943);
  EXPECT_EQ(u->target, "/");

  u = parse_url("HTTP://localhost/api/v2/status?x=1#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/api/v2/status?x=1");

  u = parse_url("http://[::1]:8080?q");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/?q");
}

TEST(ParseUrl, Refusals) {
  auto https = parse_url("https://ic0.app");
  ASSERT_FALSE(https.ok());
  EXPECT_NE(https.error().message().find("https"), std::string::npos);
  for (const char* bad : {"", "ftp://x", "127.0.0.1:4943", "http://", "http://:80", "http://h:",
                          "http://h:0", "http://h:65536", "http://h:99999999999", "http://h:8x",
                          "http://u@h", "http://[::1", "http://[::1]x", "http://[::1]:"}) {
    EXPECT_FALSE(parse_url(bad).ok()) << bad;
  }
  EXPECT_TRUE(parse_url("http://h:65535").ok());
}

// A listening socket that accepts into the backlog but never answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_;
  uint16_t port_;
};

TEST(HttpClient, TimesOutOnASilentServer) {
  SilentListener silent;
  HttpClient client("127.0.0.1", silent.port());
  auto start = std::chrono::steady_clock::now();
  auto r = client.request("GET", "/", {}, {}, 200ms);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("timeout"), std::string::npos) << r.error().message();
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2000ms);
}

TEST(HttpClient, ConnectionRefusedIsAnError) {
  uint16_t port;
  {
    SilentListener closed_soon;  // a port that was free a moment ago
    port = closed_soon.port();
  }
  HttpClient client("127.0.0.1", port);
  auto r = client.request("GET", "/", {}, {}, 1000ms);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("cannot connect"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace chorus::http
