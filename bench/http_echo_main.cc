// chorus-http-echo [--port P] [--threads T]: our HTTP server with a handler that answers every
// request with its own body (200, application/octet-stream), for chorus-http-load to measure the
// transport alone. bench/http_echo_peer.mjs is the same server in Node for comparison.
#include <csignal>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "http/server.h"

int main(int argc, char** argv) {
  CLI::App app{"HTTP echo server (the transport of the replica, nothing behind it)"};
  chorus::http::ServerConfig config;
  config.port = 8080;
  app.add_option("--host", config.host)->capture_default_str();
  app.add_option("--port", config.port)->capture_default_str();
  app.add_option("--threads", config.threads)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Blocked here and waited for below, so the io threads never take the signal.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = chorus::http::HttpServer::start(
      config, [](chorus::http::HttpRequest request, chorus::http::Responder respond) {
        chorus::http::HttpResponse response;
        response.content_type = "application/octet-stream";
        response.body = std::move(request.body);
        respond(std::move(response));
      });
  if (!server.ok()) {
    std::fprintf(stderr, "chorus-http-echo: %s\n", server.error().message().c_str());
    return 1;
  }
  std::printf("listening on %s:%u\n", config.host.c_str(), (*server)->port());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  (*server)->stop();
  return 0;
}
