#include "http_load.h"

#include <atomic>
#include <set>
#include <mutex>

#include <gtest/gtest.h>

namespace chorus::bench {
namespace {

using namespace std::chrono_literals;

struct Target {
  Target() {
    http::ServerConfig config;
    config.port = 0;
    config.log = [](std::string_view) {};
    auto started = http::HttpServer::start(config, [this](http::HttpRequest req,
                                                          http::Responder respond) {
      calls.fetch_add(1);
      http::HttpResponse r;
      if (req.target == "/missing") r.status = 404;
      r.body = req.body;
      respond(std::move(r));
    });
    EXPECT_TRUE(started.ok());
    server = std::move(started).value();
  }
  std::atomic<uint64_t> calls{0};
  std::unique_ptr<http::HttpServer> server;
};

TEST(HttpLoad, ClosedLoopCountsEveryAnswer) {
  Target t;
  LoadConfig config;
  config.port = t.server->port();
  config.connections = 8;
  config.duration = 300ms;
  std::mutex mu;
  std::set<size_t> connections_seen;
  config.make_request = [&](size_t connection, uint64_t seq) {
    {
      std::lock_guard lock(mu);
      connections_seen.insert(connection);
    }
    HttpRequestSpec spec;
    spec.method = "POST";
    spec.target = seq % 4 == 3 ? "/missing" : "/";
    spec.body = to_bytes("abc");
    return spec;
  };
  auto r = run_http_load(config);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_GT(r->count, 100u);
  EXPECT_LE(r->count, t.calls.load());
  EXPECT_EQ(r->ok + r->errors[404], r->count);
  EXPECT_GT(r->errors[404], 0u);
  EXPECT_EQ(r->errors.count(0), 0u);
  EXPECT_EQ(connections_seen.size(), 8u);
  EXPECT_EQ(t.server->stats().connections_accepted, 8u);  // keep-alive throughout
  EXPECT_GT(r->p50.count(), 0);
  EXPECT_LE(r->p50, r->p90);
  EXPECT_LE(r->p90, r->p99);
  EXPECT_LE(r->p99, r->max);
  EXPECT_NEAR(r->requests_per_second, static_cast<double>(r->count) / 0.3, 1.0);
  EXPECT_NE(format_load_result(*r).find("requests/s"), std::string::npos);
}

TEST(HttpLoad, FixedRateSendsTheScheduledNumber) {
  Target t;
  LoadConfig config;
  config.port = t.server->port();
  config.connections = 4;
  config.duration = 500ms;
  config.rate = 200;  // 100 requests are due within the duration
  auto r = run_http_load(config);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->count, 90u);
  EXPECT_LE(r->count, 100u);
  EXPECT_EQ(r->ok, r->count);
}

TEST(HttpLoad, ConnectionFailuresAreCounted) {
  uint16_t port;
  {
    Target gone;
    port = gone.server->port();
  }
  LoadConfig config;
  config.port = port;
  config.connections = 2;
  config.duration = 100ms;
  auto r = run_http_load(config);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->count, 0u);
  EXPECT_GT(r->errors[0], 0u);
}

TEST(HttpLoad, RefusesBadConfig) {
  LoadConfig config;
  config.connections = 0;
  EXPECT_FALSE(run_http_load(config).ok());
}

}  // namespace
}  // namespace chorus::bench
