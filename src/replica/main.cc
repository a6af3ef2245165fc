// `chorus-replica`: one node serving one subnet over the IC's HTTP interface. Defaults make a
// local development network: 127.0.0.1:4943, state in .chorus/replica. SIGINT or SIGTERM stop it
// gracefully (admitted ingress executed, callers answered, a checkpoint written).
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "base/hex.h"
#include "replica/replica.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"chorus-replica: an Internet Computer replica (one node, one subnet)"};
  std::string config_path, state_dir, host, port_file, log_path, log_level, log_format;
  int port = -1;
  bool print_config = false, not_durable = false;
  app.add_option("-c,--config", config_path, "TOML configuration file (every key optional)");
  app.add_option("--state-dir", state_dir, "where checkpoints, the batch log and keys live");
  app.add_option("--host", host, "address to listen on (default 127.0.0.1)");
  app.add_option("--port", port, "port to listen on (default 4943; 0: any free port)")->check(CLI::Range(0, 65535));
  app.add_option("--port-file", port_file, "write the port here once the replica answers");
  app.add_option("--log", log_path, "log file ('-': standard error)");
  app.add_option("--log-level", log_level, "debug, info, warn or error");
  app.add_option("--log-format", log_format, "text or json");
  app.add_flag("--not-durable", not_durable, "do not fsync the batch log (throwaway networks only)");
  app.add_flag("--print-config", print_config, "print the effective configuration and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  chorus::replica::ReplicaConfig config;
  if (!config_path.empty()) {
    auto loaded = chorus::replica::load_config(config_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "chorus-replica: %s\n", loaded.error().message().c_str());
      return 2;
    }
    config = std::move(*loaded);
  }
  if (!state_dir.empty()) config.state_dir = state_dir;
  if (!host.empty()) config.host = host;
  if (port >= 0) config.port = static_cast<uint16_t>(port);
  if (!port_file.empty()) config.port_file = port_file;
  if (!log_path.empty()) config.log_path = log_path;
  if (not_durable) config.durable = false;
  if (!log_level.empty()) {
    auto l = chorus::log::parse_level(log_level);
    if (!l.ok()) {
      std::fprintf(stderr, "chorus-replica: %s\n", l.error().message().c_str());
      return 2;
    }
    config.log_level = *l;
  }
  if (!log_format.empty()) {
    auto f = chorus::log::parse_format(log_format);
    if (!f.ok()) {
      std::fprintf(stderr, "chorus-replica: %s\n", f.error().message().c_str());
      return 2;
    }
    config.log_format = *f;
  }
  if (print_config) {
    std::cout << chorus::replica::to_toml(config);
    return 0;
  }

  auto logger = chorus::log::Logger::open(config.log_path, config.log_level, config.log_format);
  if (!logger.ok()) {
    std::fprintf(stderr, "chorus-replica: %s\n", logger.error().message().c_str());
    return 2;
  }

  // Signals go to one thread that waits for them; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto replica = chorus::replica::Replica::start(config, *logger);
  if (!replica.ok()) {
    (*logger)->error("start_failed", {{"error", replica.error().message()}});
    std::fprintf(stderr, "chorus-replica: %s\n", replica.error().message().c_str());
    return 1;
  }
  std::fprintf(stderr, "chorus-replica: listening on http://%s:%u (subnet %s)\nroot key: %s\n",
               config.host.c_str(), (*replica)->port(), (*replica)->subnet_id().to_text().c_str(),
               chorus::to_hex((*replica)->root_key_der()).c_str());
  std::atomic<bool> signalled{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    signalled = true;
    (*logger)->info("signal", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    (*replica)->stop();
  });
  (*replica)->wait();
  // If stop() came from elsewhere (a failed batch log), wake the signal thread so it can end.
  if (!signalled) pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
