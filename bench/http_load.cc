#include "http_load.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace chorus::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

// Pause after a failed connection before the next attempt, so a dead server is not spun on.
constexpr std::chrono::milliseconds kReconnectDelay{10};

struct Shared {
  const LoadConfig* config;
  tcp::resolver::results_type endpoints;
  Clock::time_point start, end;
  std::string host_header;
};

// One keep-alive connection, driven on its own strand.
class Worker : public std::enable_shared_from_this<Worker> {
 public:
  Worker(asio::io_context& ioc, const Shared* shared, size_t index)
      : shared_(shared), index_(index), strand_(asio::make_strand(ioc)), socket_(strand_),
        timer_(strand_) {}

  void start() { asio::post(strand_, [self = shared_from_this()] { self->next(); }); }

  void stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->timer_.cancel();
      self->close();
    });
  }

  std::vector<int64_t> latencies;  // nanoseconds
  std::map<int, uint64_t> errors;
  uint64_t ok = 0;

 private:
  void close() {
    error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
    connected_ = false;
  }

  void next() {
    if (stopped_) return;
    Clock::time_point now = Clock::now();
    if (now >= shared_->end) return;
    double rate = shared_->config->rate;
    if (rate <= 0) return send(now);
    // Connection i sends requests i, i + C, i + 2C, ... of an evenly spaced global schedule.
    double slot = static_cast<double>(seq_ * shared_->config->connections + index_);
    auto due = shared_->start + std::chrono::nanoseconds(static_cast<int64_t>(slot / rate * 1e9));
    if (due >= shared_->end) return;
    if (due <= now) return send(due);
    timer_.expires_at(due);
    timer_.async_wait([self = shared_from_this(), due](error_code ec) {
      if (!ec) self->send(due);
    });
  }

  void send(Clock::time_point due) {
    if (stopped_) return;
    due_ = due;
    if (!connected_) {
      arm_timeout();
      asio::async_connect(socket_, shared_->endpoints,
                          [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
                            if (self->stopped_) return;
                            if (ec) return self->fail();
                            error_code ignored;
                            self->socket_.set_option(tcp::no_delay(true), ignored);
                            self->connected_ = true;
                            self->write();
                          });
      return;
    }
    arm_timeout();
    write();
  }

  void write() {
    HttpRequestSpec spec = shared_->config->make_request
                               ? shared_->config->make_request(index_, seq_)
                               : HttpRequestSpec{};
    ++seq_;
    head_ = spec.method == "HEAD";
    request_.emplace();
    request_->version(11);
    request_->method_string(spec.method);
    request_->target(spec.target);
    request_->set(bhttp::field::host, shared_->host_header);
    for (auto& [name, value] : spec.headers) request_->insert(name, value);
    request_->body() = std::move(spec.body);
    if (!request_->body().empty() || spec.method == "POST") request_->prepare_payload();
    bhttp::async_write(socket_, *request_, [self = shared_from_this()](error_code ec, size_t) {
      if (self->stopped_) return;
      if (ec) return self->fail();
      self->read();
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    if (head_) parser_->skip(true);
    bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
      if (self->stopped_) return;
      if (ec) return self->fail();
      self->on_response();
    });
  }

  void on_response() {
    timer_.cancel();
    auto now = Clock::now();
    if (now <= shared_->end) {
      latencies.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - due_).count());
      int status = static_cast<int>(parser_->get().result_int());
      if (status >= 200 && status < 300) {
        ++ok;
      } else {
        ++errors[status];
      }
    }
    if (!parser_->get().keep_alive()) close();
    next();
  }

  void arm_timeout() {
    timer_.expires_after(shared_->config->timeout);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->close();  // the operation in flight fails and is counted
    });
  }

  void fail() {
    timer_.cancel();
    if (Clock::now() <= shared_->end) ++errors[0];
    close();
    timer_.expires_after(kReconnectDelay);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->next();
    });
  }

  const Shared* shared_;
  size_t index_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request<bhttp::vector_body<uint8_t>>> request_;
  std::optional<bhttp::response_parser<bhttp::vector_body<uint8_t>>> parser_;
  Clock::time_point due_;
  uint64_t seq_ = 0;
  bool connected_ = false;
  bool stopped_ = false;
  bool head_ = false;
};

std::chrono::nanoseconds percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return std::chrono::nanoseconds(0);
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return std::chrono::nanoseconds(sorted[std::min(rank, sorted.size() - 1)]);
}

}  // namespace

Result<LoadResult> run_http_load(const LoadConfig& config) {
  if (config.connections == 0) return Error("http load: connections must be at least 1");
  if (config.threads < 1) return Error("http load: threads must be at least 1");
  if (config.rate < 0) return Error("http load: rate must not be negative");
  asio::io_context ioc;
  Shared shared;
  shared.config = &config;
  error_code ec;
  tcp::resolver resolver(ioc);
  shared.endpoints = resolver.resolve(config.host, std::to_string(config.port),
                                      tcp::resolver::numeric_service, ec);
  if (ec) return Error("http load: cannot resolve " + config.host + ": " + ec.message());
  bool v6 = config.host.find(':') != std::string::npos;
  shared.host_header = (v6 ? "[" + config.host + "]" : config.host) + ":" +
                       std::to_string(config.port);

  std::vector<std::shared_ptr<Worker>> workers;
  for (size_t i = 0; i < config.connections; ++i) {
    workers.push_back(std::make_shared<Worker>(ioc, &shared, i));
  }
  shared.start = Clock::now();
  shared.end = shared.start + config.duration;
  asio::steady_timer end_timer(ioc, shared.end);
  end_timer.async_wait([&workers](error_code) {
    for (auto& w : workers) w->stop();
  });
  for (auto& w : workers) w->start();
  std::vector<std::thread> threads;
  for (int i = 1; i < config.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();

  LoadResult result;
  std::vector<int64_t> all;
  for (auto& w : workers) {
    all.insert(all.end(), w->latencies.begin(), w->latencies.end());
    result.ok += w->ok;
    for (auto& [status, n] : w->errors) result.errors[status] += n;
  }
  std::sort(all.begin(), all.end());
  result.count = all.size();
  result.seconds = std::chrono::duration<double>(config.duration).count();
  result.requests_per_second = result.seconds > 0 ? static_cast<double>(result.count) / result.seconds : 0;
  result.p50 = percentile(all, 0.50);
  result.p90 = percentile(all, 0.90);
  result.p99 = percentile(all, 0.99);
  result.max = all.empty() ? std::chrono::nanoseconds(0) : std::chrono::nanoseconds(all.back());
  return result;
}

std::string format_load_result(const LoadResult& r) {
  auto ms = [](std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; };
  char line[256];
  std::string out;
  std::snprintf(line, sizeof line, "responses   %llu in %.2f s (%llu 2xx): %.0f requests/s\n",
                static_cast<unsigned long long>(r.count), r.seconds,
                static_cast<unsigned long long>(r.ok), r.requests_per_second);
  out += line;
  std::snprintf(line, sizeof line, "latency ms  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
                ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max));
  out += line;
  for (auto& [status, n] : r.errors) {
    std::snprintf(line, sizeof line, "errors      %s: %llu\n",
                  status == 0 ? "connection" : std::to_string(status).c_str(),
                  static_cast<unsigned long long>(n));
    out += line;
  }
  return out;
}

}  // namespace chorus::bench
