// chorus-http-load URL [--method M] [--body-file F] [--header "Name: value"]... [--connections C]
// [--seconds S] [--rate R] [--threads T]: points the load generator of http_load.h at any server.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/file.h"
#include "http/client.h"
#include "http_load.h"

int main(int argc, char** argv) {
  CLI::App app{"HTTP/1.1 load generator: keep-alive connections, closed loop or fixed rate"};
  std::string url, method = "GET", body_file;
  std::vector<std::string> headers;
  size_t connections = 16;
  double seconds = 5, rate = 0;
  int threads = 1, timeout_ms = 10000;
  app.add_option("url", url, "http://host:port/path")->required();
  app.add_option("--method", method, "request method")->capture_default_str();
  app.add_option("--body-file", body_file, "file whose bytes are every request's body");
  app.add_option("--header", headers, "extra header \"Name: value\" (repeatable)");
  app.add_option("--connections", connections, "keep-alive connections")->capture_default_str();
  app.add_option("--seconds", seconds, "duration")->capture_default_str();
  app.add_option("--rate", rate, "total requests per second; 0: closed loop")->capture_default_str();
  app.add_option("--threads", threads, "io threads")->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "per-request timeout")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto parsed = chorus::http::parse_url(url);
  if (!parsed.ok()) {
    std::fprintf(stderr, "chorus-http-load: %s\n", parsed.error().message().c_str());
    return 2;
  }
  chorus::bench::HttpRequestSpec spec;
  spec.method = method;
  spec.target = parsed->target;
  if (!body_file.empty()) {
    auto body = chorus::read_file(body_file);
    if (!body.ok()) {
      std::fprintf(stderr, "chorus-http-load: %s\n", body.error().message().c_str());
      return 2;
    }
    spec.body = std::move(body).value();
  }
  for (const std::string& h : headers) {
    size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      std::fprintf(stderr, "chorus-http-load: header must be \"Name: value\": %s\n", h.c_str());
      return 2;
    }
    size_t v = h.find_first_not_of(' ', colon + 1);
    spec.headers.emplace_back(h.substr(0, colon), v == std::string::npos ? "" : h.substr(v));
  }

  chorus::bench::LoadConfig config;
  config.host = parsed->host;
  config.port = parsed->port;
  config.connections = connections;
  config.threads = threads;
  config.duration = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  config.rate = rate;
  config.timeout = std::chrono::milliseconds(timeout_ms);
  config.make_request = [&spec](size_t, uint64_t) { return spec; };
  auto result = chorus::bench::run_http_load(config);
  if (!result.ok()) {
    std::fprintf(stderr, "chorus-http-load: %s\n", result.error().message().c_str());
    return 2;
  }
  std::fputs(chorus::bench::format_load_result(*result).c_str(), stdout);
  return result->count > 0 ? 0 : 1;
}
