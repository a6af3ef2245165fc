#include "base/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace chorus::metrics {
namespace {

TEST(MetricsTest, RendersThePrometheusTextFormat) {
  Registry r;
  r.counter("chorus_requests_total", "Requests.", {{"endpoint", "query"}}).inc(3);
  r.counter("chorus_requests_total", "Requests.", {{"endpoint", "call"}}).inc();
  r.gauge("chorus_height", "Height.").set(42);
  Histogram& h = r.histogram("chorus_round_seconds", "Rounds.", {}, {0.01, 0.1});
  h.observe(0.005);
  h.observe(0.05);
  h.observe(5);
  EXPECT_EQ(r.render(),
            "# HELP chorus_height Height.\n# TYPE chorus_height gauge\nchorus_height 42\n"
            "# HELP chorus_requests_total Requests.\n# TYPE chorus_requests_total counter\n"
            "chorus_requests_total{endpoint=\"call\"} 1\nchorus_requests_total{endpoint=\"query\"} 3\n"
            "# HELP chorus_round_seconds Rounds.\n# TYPE chorus_round_seconds histogram\n"
            "chorus_round_seconds_bucket{le=\"0.01\"} 1\nchorus_round_seconds_bucket{le=\"0.1\"} 2\n"
            "chorus_round_seconds_bucket{le=\"+Inf\"} 3\nchorus_round_seconds_sum 5.055\n"
            "chorus_round_seconds_count 3\n");
}

TEST(MetricsTest, SameNameAndLabelsIsTheSameMetricAcrossThreads) {
  Registry r;
  Counter& c = r.counter("c_total", "C.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) r.counter("c_total", "C.").inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 4000u);
  EXPECT_THROW(r.gauge("c_total", "C."), std::logic_error);
}

}  // namespace
}  // namespace chorus::metrics
