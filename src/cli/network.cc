#include "cli/network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/hex.h"
#include "cli/process.h"
#include "cli/project.h"
#include "encoding/cbor.h"
#include "http/client.h"

namespace chorus::cli {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

NetworkPaths network_paths(const std::optional<fs::path>& project_root, const std::string& chorus_home) {
  fs::path base;
  if (project_root) {
    base = *project_root / ".chorus";
  } else if (!chorus_home.empty()) {
    base = chorus_home;
  } else if (const char* h = std::getenv("CHORUS_HOME"); h != nullptr && *h != '\0') {
    base = h;
  } else {
    const char* home = std::getenv("HOME");
    base = fs::path(home != nullptr ? home : ".") / ".config/chorus";
  }
  return NetworkPaths{base / "network", base / "network.json"};
}

Result<std::optional<NetworkInfo>> read_network_info(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::optional<NetworkInfo>();
  CHORUS_ASSIGN_OR_RETURN(std::string text, read_text_file(file));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  const std::string bad = file.string() + ": not a network description (delete it if no replica runs)";
  if (!j.is_object() || !j["url"].is_string() || !j["pid"].is_number_integer() ||
      !j["port"].is_number_integer() || !j["root_key"].is_string()) {
    return Error(bad);
  }
  NetworkInfo info;
  info.url = j["url"].get<std::string>();
  info.pid = j["pid"].get<pid_t>();
  info.port = j["port"].get<uint16_t>();
  auto key = from_hex(j["root_key"].get<std::string>());
  if (!key) return Error(bad);
  info.root_key_der = *key;
  return std::optional<NetworkInfo>(info);
}

Status write_network_info(const fs::path& file, const NetworkInfo& info) {
  nlohmann::json j = {{"url", info.url}, {"pid", info.pid}, {"port", info.port},
                      {"root_key", to_hex(info.root_key_der)}};
  return write_text_file(file, j.dump(2) + "\n");
}

Result<std::optional<NetworkInfo>> running_network(const NetworkPaths& paths) {
  CHORUS_ASSIGN_OR_RETURN(auto info, read_network_info(paths.info_file));
  if (!info) return info;
  if (process_is(info->pid, "chorus-replica")) return info;
  std::error_code ec;
  fs::remove(paths.info_file, ec);  // left behind by a replica that did not stop through us
  return std::optional<NetworkInfo>();
}

namespace {

Result<http::HttpResponse> get(const std::string& url, const std::string& path,
                               std::chrono::milliseconds timeout) {
  CHORUS_ASSIGN_OR_RETURN(http::ParsedUrl u, http::parse_url(url));
  http::HttpClient client(u.host, u.port);
  return client.request("GET", path, {}, {}, timeout);
}

// Whether something listens on 127.0.0.1:port already (a bind would fail).
bool port_in_use(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool used = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == EADDRINUSE;
  ::close(fd);
  return used;
}

std::string log_tail(const fs::path& log, size_t lines) {
  std::ifstream in(log);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += "\n  " + all[i];
  }
  return out;
}

}  // namespace

Result<ReplicaStatus> fetch_status(const std::string& url) {
  CHORUS_ASSIGN_OR_RETURN(http::HttpResponse r, get(url, "/api/v2/status", 5s));
  if (r.status != 200) return Error(url + "/api/v2/status answered HTTP " + std::to_string(r.status));
  CHORUS_ASSIGN_OR_RETURN(cbor::Value v, cbor::decode(r.body));
  const cbor::Value& top = v.without_self_describe();
  ReplicaStatus s;
  const cbor::Value* health = top.find("replica_health_status");
  s.healthy = health != nullptr && health->is(cbor::Type::kText) && health->text_value() == "healthy";
  if (const cbor::Value* key = top.find("root_key"); key != nullptr && key->is(cbor::Type::kBytes)) {
    s.root_key_der = key->bytes_value();
  }
  return s;
}

NetworkMetrics fetch_metrics(const std::string& url) {
  NetworkMetrics m;
  auto r = get(url, "/metrics", 5s);
  if (!r.ok() || r->status != 200) return m;
  std::istringstream in(std::string(r->body.begin(), r->body.end()));
  std::string line;
  while (std::getline(in, line)) {
    auto value_of = [&](const char* name) -> std::optional<uint64_t> {
      const size_t n = std::strlen(name);
      if (line.compare(0, n, name) != 0 || line.size() <= n || line[n] != ' ') return std::nullopt;
      return static_cast<uint64_t>(std::strtod(line.c_str() + n + 1, nullptr));
    };
    if (auto v = value_of("chorus_certified_height")) m.certified_height = v;
    if (auto v = value_of("chorus_canisters")) m.canisters = v;
  }
  return m;
}

Result<fs::path> find_replica_binary() {
  fs::path self = self_executable();
  std::error_code ec;
  if (!self.empty()) {
    // Installed side by side, or the build tree's src/cli/chorus beside src/replica/.
    for (const fs::path& p : {self.parent_path() / "chorus-replica",
                              self.parent_path().parent_path() / "replica" / "chorus-replica"}) {
      if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p;
    }
  }
  if (auto p = find_on_path("chorus-replica")) return *p;
  return Error("chorus-replica was not found next to " + self.string() +
               " nor on PATH: build it (./x build) or put its folder on PATH");
}

Result<NetworkInfo> start_network(const NetworkPaths& paths, const StartOptions& options,
                                  const std::function<void(const NetworkInfo&)>& on_ready) {
  CHORUS_ASSIGN_OR_RETURN(auto running, running_network(paths));
  if (running) {
    return Error("a local network already runs at " + running->url + " (pid " +
                 std::to_string(running->pid) + "); stop it with `chorus stop` first");
  }
  if (options.port != 0 && port_in_use(options.port)) {
    return Error("port " + std::to_string(options.port) +
                 " is in use; stop what listens there, or choose another with --port N "
                 "(--port 0 picks a free one)");
  }
  fs::path replica = options.replica;
  if (replica.empty()) {
    CHORUS_ASSIGN_OR_RETURN(replica, find_replica_binary());
  }
  std::error_code ec;
  if (options.clean) fs::remove_all(paths.dir, ec);
  fs::create_directories(paths.dir, ec);
  if (ec) return Error("cannot create " + paths.dir.string() + ": " + ec.message());
  fs::remove(paths.port_file(), ec);
  std::vector<std::string> argv = {replica.string(), "--state-dir", paths.state_dir().string(),
                                   "--port", std::to_string(options.port), "--port-file",
                                   paths.port_file().string()};
  if (options.verbose) argv.insert(argv.end(), {"--log-level", "debug"});
  if (options.background) argv.insert(argv.end(), {"--log", paths.log_file().string()});
  if (options.verbose) {
    std::string line;
    for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
    std::fprintf(stderr, "+ %s\n", line.c_str());
  }
  // Foreground: Ctrl-C goes to the whole process group; the replica stops on it, and we wait.
  if (!options.background) {
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
  }
  SpawnOptions spawn;
  spawn.detached = options.background;
  spawn.log_file = paths.log_file();
  CHORUS_ASSIGN_OR_RETURN(pid_t pid, spawn_process(argv, spawn));

  auto failed = [&](const std::string& why) -> Error {
    std::string tail = options.background ? log_tail(paths.log_file(), 15) : "";
    return Error("the replica " + why + (tail.empty() ? "" : "; the end of its log (" +
                                                                  paths.log_file().string() + "):" + tail));
  };
  // Wait for the port file (the replica writes it once it answers), then for a healthy status.
  NetworkInfo info;
  info.pid = pid;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (true) {
    if (!process_alive(pid)) return failed("exited during start-up");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGTERM);
      return failed("did not become healthy within 120 s (it was stopped)");
    }
    if (info.port == 0) {
      std::ifstream pf(paths.port_file());
      unsigned port = 0;
      if (pf >> port && port > 0 && port < 65536) {
        info.port = static_cast<uint16_t>(port);
        info.url = "http://127.0.0.1:" + std::to_string(port);
      }
    }
    if (info.port != 0) {
      auto s = fetch_status(info.url);
      if (s.ok() && s->healthy) {
        info.root_key_der = s->root_key_der;
        break;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  CHORUS_RETURN_IF_ERROR(write_network_info(paths.info_file, info));
  if (on_ready) on_ready(info);
  if (options.background) return info;

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  fs::remove(paths.info_file, ec);
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    return Error("the replica exited with code " + std::to_string(WEXITSTATUS(status)));
  }
  return info;
}

Result<bool> stop_network(const NetworkPaths& paths, std::chrono::seconds timeout) {
  CHORUS_ASSIGN_OR_RETURN(auto running, running_network(paths));
  if (!running) return false;
  if (::kill(running->pid, SIGTERM) != 0 && errno != ESRCH) {
    return Error("cannot stop pid " + std::to_string(running->pid) + ": " + std::strerror(errno));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_alive(running->pid)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Error("the replica (pid " + std::to_string(running->pid) + ") did not stop within " +
                   std::to_string(timeout.count()) + " s; `kill -9 " +
                   std::to_string(running->pid) + "` ends it (the state survives: it replays)");
    }
    std::this_thread::sleep_for(50ms);
  }
  std::error_code ec;
  fs::remove(paths.info_file, ec);
  return true;
}

}  // namespace chorus::cli
