// ./x bench replica: a `chorus-replica` process under load from this one over loopback. Setup
// installs the Motoko counter (tests/canisters/motoko/counter.mo) through the HTTP interface;
// then the load generator (bench/http_load.h) sends Ed25519-signed envelopes built beforehand:
// queries (`get`, v3) closed-loop, and updates (`inc`, v4 synchronous call: the answer is the
// certificate) closed-loop and at a fixed 2,000/s. The peer, measured by the same load generator
// in the same run, is a Node.js HTTP server that reads each body and answers a canned response of
// the same size without any IC work (bench/replica_peer_server.mjs): the cost of the HTTP exchange
// alone in a JS server. Figures are reported as benchmark counters (replica_report.mjs).
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "crypto/certificate.h"
#include "encoding/hash_tree.h"
#include "encoding/candid_struct.h"
#include "execution/management_records.h"
#include "execution/state_machine.h"
#include "http/client.h"
#include "http/request_test_util.h"
#include "http_load.h"

namespace chorus {
namespace {

using execution::CanisterIdRecord;
using execution::ProvisionalCreate;

using cbor::Value;

// Candid of no arguments: "DIDL", no types, no values.
const Bytes kEmptyArgs = {'D', 'I', 'D', 'L', 0, 0};

uint64_t wall_nanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// A child process, killed when this goes out of scope.
struct Child {
  pid_t pid = -1;
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& o) noexcept : pid(o.pid) { o.pid = -1; }
  Child& operator=(Child&& o) noexcept {
    std::swap(pid, o.pid);
    return *this;
  }
  ~Child() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

struct Setup;
Setup* the_setup = nullptr;  // for die(): the children must not outlive this process
void stop_children();

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "replica_bench: %s\n", what.c_str());
  stop_children();
  std::exit(1);
}

uint16_t wait_for_port(const std::string& port_file, pid_t pid) {
  for (int i = 0; i < 2000; ++i) {
    std::ifstream f(port_file);
    unsigned port = 0;
    if (f >> port && port != 0) return static_cast<uint16_t>(port);
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) die("the server exited during start-up");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  die("the server did not start");
}

Child spawn(std::vector<std::string> args) {
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return c;
}

struct Setup {
  std::string dir;
  Child replica;
  uint16_t port = 0;
  Principal counter;
  http::testing::Signer signer = http::testing::ed25519_signer(42);
  Child peer;
  uint16_t peer_port = 0;
};

void stop_children() {
  if (the_setup == nullptr) return;
  for (Child* c : {&the_setup->replica, &the_setup->peer}) {
    if (c->pid > 0) {
      kill(c->pid, SIGTERM);
      waitpid(c->pid, nullptr, 0);
      c->pid = -1;
    }
  }
}

// The replica's own account of where time went (its /metrics), between two points of the run.
struct RoundTimes {
  double round_sum = 0, round_count = 0, log_sum = 0, log_count = 0;
};
RoundTimes round_times(uint16_t port) {
  RoundTimes t;
  http::HttpClient client("127.0.0.1", port);
  auto r = client.request("GET", "/metrics");
  if (!r.ok()) return t;
  std::string text(r->body.begin(), r->body.end());
  auto value = [&](const std::string& name) {
    size_t at = text.find("\n" + name + " ");
    return at == std::string::npos ? 0.0 : std::strtod(text.c_str() + at + name.size() + 2, nullptr);
  };
  t.round_sum = value("chorus_round_seconds_sum");
  t.round_count = value("chorus_round_seconds_count");
  t.log_sum = value("chorus_batch_log_append_seconds_sum");
  t.log_count = value("chorus_batch_log_append_seconds_count");
  return t;
}

Bytes envelope(const http::testing::Signer& signer, const std::string& type, const Principal& canister,
               const std::string& method, Bytes arg, uint64_t nonce) {
  cbor::Map content = http::testing::call_content(type, Principal::self_authenticating(signer.der), canister,
                                                  method, std::move(arg), wall_nanos() + 240'000'000'000);
  Bytes n(8);
  for (int i = 0; i < 8; ++i) n[i] = static_cast<uint8_t>(nonce >> (8 * i));
  content.emplace_back(Value::text("nonce"), Value::bytes(n));
  return http::testing::signed_envelope(content, signer);
}

// A v4 call that must come back certified and replied; returns the reply's raw CBOR response.
void call_or_die(http::HttpClient& client, const Setup& s, const Principal& canister, const Principal& ecid,
                 const std::string& method, Bytes arg, uint64_t nonce) {
  Bytes body = envelope(s.signer, "call", canister, method, std::move(arg), nonce);
  auto r = client.request("POST", "/api/v4/canister/" + ecid.to_text() + "/call",
                          {{"content-type", "application/cbor"}}, body, std::chrono::seconds(60));
  if (!r.ok()) die(method + ": " + r.error().message());
  if (r->status != 200) die(method + ": HTTP " + std::to_string(r->status) + " " + std::string(r->body.begin(), r->body.end()));
}

Setup& setup() {
  static Setup* setup_once = [] {
    auto* s = new Setup;
    the_setup = s;
    // The children hold this process's stdout, which bench/run.mjs reads to the end.
    std::atexit(stop_children);
    const char* bin = CHORUS_BENCH_REPLICA_BIN;
    const char* motoko = CHORUS_BENCH_MOTOKO_DIR;
    const char* peer_script = CHORUS_BENCH_REPLICA_PEER;
    char tmpl[] = "/tmp/chorus-replica-bench.XXXXXX";
    s->dir = mkdtemp(tmpl);
    std::string port_file = s->dir + "/port";
    s->replica = spawn({bin, "--state-dir", s->dir + "/state", "--port", "0", "--port-file", port_file,
                        "--log", s->dir + "/replica.log"});
    s->port = wait_for_port(port_file, s->replica.pid);

    http::HttpClient client("127.0.0.1", s->port);
    Principal mgmt = Principal::management_canister();
    Bytes create = *candid::encode_arg(ProvisionalCreate{BigInt::from_u64(1'000'000'000'000'000'000)});
    Bytes body = envelope(s->signer, "call", mgmt, "provisional_create_canister_with_cycles", create, 1);
    auto r = client.request("POST", "/api/v4/canister/aaaaa-aa/call", {{"content-type", "application/cbor"}}, body);
    if (!r.ok() || r->status != 200) die("create_canister failed");
    auto v = cbor::decode(r->body);
    auto cert = Certificate::decode(v->without_self_describe().find("certificate")->bytes_value());
    // The reply: /request_status/<id>/reply, found by walking the certificate's leaves.
    Bytes reply;
    auto env = cbor::decode(body);
    auto rid = request_id(*env->without_self_describe().find("content"));
    auto found = lookup_path(cert->tree, std::vector<Bytes>{to_bytes("request_status"), Bytes(rid->begin(), rid->end()),
                                                            to_bytes("reply")});
    if (found.kind != LookupResult::Kind::kFound) die("create_canister: no reply in the certificate");
    reply.assign(found.value.begin(), found.value.end());
    s->counter = candid::decode_arg<CanisterIdRecord>(reply)->canister_id;
    auto wasm = read_file(std::string(motoko) + "/counter.wasm");
    if (!wasm.ok()) die(wasm.error().message());
    Bytes install = *execution::StateMachine::install_code_arg(s->counter, *wasm, kEmptyArgs);
    call_or_die(client, *s, mgmt, s->counter, "install_code", install, 2);

    std::string peer_port_file = s->dir + "/peer-port";
    s->peer = spawn({"node", peer_script, peer_port_file});
    s->peer_port = wait_for_port(peer_port_file, s->peer.pid);
    return s;
  }();
  return *setup_once;
}

void report(benchmark::State& state, const bench::LoadResult& r, const RoundTimes* before = nullptr,
            const RoundTimes* after = nullptr) {
  if (before && after && after->round_count > before->round_count) {
    double rounds = after->round_count - before->round_count;
    state.counters["rounds"] = rounds;
    state.counters["round_ms"] = 1e3 * (after->round_sum - before->round_sum) / rounds;
    state.counters["log_append_ms"] = 1e3 * (after->log_sum - before->log_sum) / (after->log_count - before->log_count);
  }
  state.counters["per_second"] = r.requests_per_second;
  state.counters["p50_ms"] = std::chrono::duration<double, std::milli>(r.p50).count();
  state.counters["p99_ms"] = std::chrono::duration<double, std::milli>(r.p99).count();
  state.counters["count"] = static_cast<double>(r.count);
  state.counters["errors"] = static_cast<double>(r.count - r.ok);
  state.SetIterationTime(r.seconds);
}

bench::LoadResult load_or_die(bench::LoadConfig config) {
  auto r = bench::run_http_load(config);
  if (!r.ok()) die(r.error().message());
  if (r->ok * 100 < r->count * 99) die("more than 1% errors:\n" + bench::format_load_result(*r));
  return *r;
}

// Queries: one signed envelope of `get`, sent again and again (queries are not deduplicated).
void BM_Query(benchmark::State& state, bool peer, bool anonymous = false) {
  Setup& s = setup();
  Bytes body = envelope(s.signer, "query", s.counter, "get", kEmptyArgs, 7);
  if (anonymous) {
    cbor::Map content = http::testing::call_content("query", Principal::anonymous(), s.counter, "get", kEmptyArgs,
                                                    wall_nanos() + 240'000'000'000);
    body = cbor::encode_self_described(Value::map({{Value::text("content"), Value::map(content)}}));
  }
  std::string target = "/api/v3/canister/" + s.counter.to_text() + "/query";
  for (auto _ : state) {
    bench::LoadConfig c;
    c.port = peer ? s.peer_port : s.port;
    c.connections = 32;
    c.duration = std::chrono::milliseconds(5000);
    c.make_request = [&](size_t, uint64_t) {
      return bench::HttpRequestSpec{"POST", target, {{"content-type", "application/cbor"}}, body};
    };
    report(state, load_or_die(c));
  }
}

// Updates: `inc` through the v4 call, each envelope distinct (a nonce), made before the run.
void BM_Update(benchmark::State& state, bool peer, double rate, size_t connections) {
  Setup& s = setup();
  static std::atomic<uint64_t> next_nonce{1'000};
  const double seconds = 5;
  size_t needed = static_cast<size_t>((rate > 0 ? rate : 6'000) * seconds * 1.5);
  std::vector<Bytes> bodies;
  bodies.reserve(needed);
  for (size_t i = 0; i < needed; ++i) {
    bodies.push_back(envelope(s.signer, "call", s.counter, "inc", kEmptyArgs, next_nonce++));
  }
  std::string target = "/api/v4/canister/" + s.counter.to_text() + "/call";
  std::atomic<size_t> cursor{0};
  for (auto _ : state) {
    bench::LoadConfig c;
    c.port = peer ? s.peer_port : s.port;
    c.connections = connections;
    c.rate = rate;
    c.duration = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    c.make_request = [&](size_t, uint64_t) {
      size_t i = cursor++;
      // The peer does not deduplicate: it may see an envelope twice. The replica must not.
      if (peer) i %= bodies.size();
      if (i >= bodies.size()) die("ran out of prepared update envelopes");
      return bench::HttpRequestSpec{"POST", target, {{"content-type", "application/cbor"}}, bodies[i]};
    };
    RoundTimes before = round_times(s.port);
    bench::LoadResult result = load_or_die(c);
    RoundTimes after = round_times(s.port);
    report(state, result, peer ? nullptr : &before, peer ? nullptr : &after);
  }
}

BENCHMARK_CAPTURE(BM_Query, chorus, false)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Query, chorus_anonymous, false, true)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Query, node_http_peer, true)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Update, chorus_closed_loop, false, 0.0, 64)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Update, node_http_peer_closed_loop, true, 0.0, 64)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Update, chorus_one_connection, false, 0.0, 1)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Update, chorus_at_2000_per_s, false, 2000.0, 128)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chorus

BENCHMARK_MAIN();
