// The execution environment (src/execution) through StateMachine, as consensus would drive it:
// ingress in batches, one round per batch.
//
// Cases (ns per item; execution_report.mjs turns them into rates and checks the targets):
//   empty_update        one ingress update to a method that only replies (bench/execution/noop.wat),
//                       1,000 per round: induction, scheduling, call context, cycles, System API,
//                       memory snapshot, ingress history
//   empty_query         one non-replicated query to the same canister
//   motoko_counter_inc  Motoko's `inc` (wasm64, enhanced orthogonal persistence), 100 per round
//   install_250kb       install_code of the Motoko counter (244 KB) as a new module each time
//                       (a custom section makes every copy's hash new, so nothing is cached)
//   motoko_10k          create and install 10,000 Motoko counters (one module, shared by hash)
//                       and call each once; counters: resident memory after, per canister
// execution_peer.mjs runs the same modules in node (V8) with a minimal System API in JavaScript.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "base/file.h"
#include "execution/state_machine.h"

namespace chorus::execution {
namespace {

const Principal kUser = Principal::self_authenticating(as_bytes("bench user"));
const Bytes kEmptyArgs = to_bytes(std::string_view("DIDL\x00\x00", 6));

Bytes module(const char* path) {
  auto r = read_file(path);
  if (!r.ok()) {
    std::fprintf(stderr, "cannot read %s\n", path);
    std::abort();
  }
  return *r;
}

uint64_t rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

ExecutionConfig bench_config() {
  ExecutionConfig c = StateMachine::default_config();
  c.max_canisters = 20'000;
  return c;
}

Principal install(StateMachine& sm, ByteView wasm, Bytes arg = {}) {
  auto id = sm.create_canister(Cycles(1'000'000'000'000'000), kUser);
  if (!id.ok()) std::abort();
  Status s = sm.install_code(*id, wasm, std::move(arg), kUser);
  if (!s.ok()) {
    std::fprintf(stderr, "install: %s\n", s.error().message().c_str());
    std::abort();
  }
  return *id;
}

// Submits |per_round| calls and runs the round; every call must be replied.
void run_updates(benchmark::State& state, StateMachine& sm, const Principal& c, const char* method,
                 const Bytes& arg, int per_round) {
  for (auto _ : state) {
    for (int i = 0; i < per_round; ++i) sm.submit_ingress(kUser, c, method, arg);
    RoundSummary s = sm.tick();
    if (s.completed.size() != static_cast<size_t>(per_round)) {
      state.SkipWithError("not every call completed in the round");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * per_round);
  state.counters["per_item"] = benchmark::Counter(static_cast<double>(state.iterations() * per_round),
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void empty_update(benchmark::State& state) {
  StateMachine sm(bench_config());
  Principal c = install(sm, module(CHORUS_BENCH_NOOP_WASM));
  run_updates(state, sm, c, "noop", {}, 1000);
}
BENCHMARK(empty_update)->Unit(benchmark::kMillisecond);

void empty_query(benchmark::State& state) {
  StateMachine sm(bench_config());
  Principal c = install(sm, module(CHORUS_BENCH_NOOP_WASM));
  for (auto _ : state) {
    CallOutcome o = sm.query(kUser, c, "noop_query", {});
    if (!o.replied) state.SkipWithError("query failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(empty_query);

void motoko_counter_inc(benchmark::State& state) {
  StateMachine sm(bench_config());
  Principal c = install(sm, module(CHORUS_BENCH_MOTOKO_COUNTER), kEmptyArgs);
  run_updates(state, sm, c, "inc", kEmptyArgs, 100);
}
BENCHMARK(motoko_counter_inc)->Unit(benchmark::kMillisecond);

// A copy of |wasm| with a custom section holding |n|, so that its hash is new.
Bytes variant_of(const Bytes& wasm, uint64_t n) {
  Bytes out = wasm;
  const std::string name = "chorus-bench";
  out.push_back(0);                                                // custom section
  out.push_back(static_cast<uint8_t>(1 + name.size() + 8));        // size (< 128)
  out.push_back(static_cast<uint8_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  return out;
}

void install_250kb(benchmark::State& state) {
  StateMachine sm(bench_config());
  const Bytes wasm = module(CHORUS_BENCH_MOTOKO_COUNTER);
  auto id = sm.create_canister(Cycles(1'000'000'000'000'000), kUser);
  uint64_t n = 0;
  bool installed = false;
  for (auto _ : state) {
    state.PauseTiming();
    Bytes copy = variant_of(wasm, n++);
    state.ResumeTiming();
    Status s = sm.install_code(*id, copy, kEmptyArgs, kUser, installed ? "reinstall" : "install");
    if (!s.ok()) {
      state.SkipWithError(s.error().message().c_str());
      return;
    }
    installed = true;
  }
  state.counters["module_bytes"] = static_cast<double>(wasm.size());
}
BENCHMARK(install_250kb)->Unit(benchmark::kMillisecond);

void motoko_10k(benchmark::State& state) {
  const Bytes wasm = module(CHORUS_BENCH_MOTOKO_COUNTER);
  for (auto _ : state) {
    const uint64_t rss_before = rss_bytes();
    StateMachine sm(bench_config());
    std::vector<Principal> ids;
    // Many creations and installs per round, as a deploy script would submit them.
    for (int batch = 0; batch < 100; ++batch) {
      std::vector<Bytes> creates;
      for (int i = 0; i < 100; ++i) {
        sm.submit_ingress(kUser, Principal::management_canister(), "provisional_create_canister_with_cycles",
                          to_bytes(std::string_view("DIDL\x01\x6c\x00\x01\x00", 9)));
      }
      RoundSummary s = sm.tick();
      for (const Bytes& msg : s.completed) {
        auto st = sm.ingress_status(msg);
        if (!st || st->kind != state::IngressStatus::kReplied) {
          state.SkipWithError("create failed");
          return;
        }
      }
    }
    for (const auto& [id, c] : sm.state().canisters) ids.push_back(id);
    for (size_t i = 0; i < ids.size(); i += 100) {
      for (size_t j = i; j < std::min(ids.size(), i + 100); ++j) {
        sm.submit_ingress(kUser, Principal::management_canister(), "install_code",
                          *StateMachine::install_code_arg(ids[j], wasm, kEmptyArgs));
      }
      RoundSummary s = sm.tick();
      for (const Bytes& msg : s.completed) {
        auto st = sm.ingress_status(msg);
        if (!st || st->kind != state::IngressStatus::kReplied) {
          state.SkipWithError(("install failed: " + (st ? st->reject_message : "?")).c_str());
          return;
        }
      }
    }
    for (size_t i = 0; i < ids.size(); ++i) sm.submit_ingress(kUser, ids[i], "inc", kEmptyArgs);
    sm.tick();
    const uint64_t rss = rss_bytes();
    state.counters["canisters"] = static_cast<double>(ids.size());
    state.counters["rss_bytes"] = static_cast<double>(rss);
    state.counters["rss_per_canister"] = static_cast<double>(rss - rss_before) / static_cast<double>(ids.size());
    state.counters["live_instances"] = static_cast<double>(sm.environment().hypervisor().live_instances());
  }
}
BENCHMARK(motoko_10k)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
}  // namespace chorus::execution

// Tells the peer (execution_peer.mjs) where the modules are, then runs the benchmarks.
int main(int argc, char** argv) {
  if (const char* dir = std::getenv("CHORUS_BENCH_INPUTS")) {
    std::ofstream f(std::string(dir) + "/execution.json");
    f << "{\"noop\": \"" << CHORUS_BENCH_NOOP_WASM << "\", \"motoko_classic\": \""
      << CHORUS_BENCH_MOTOKO_COUNTER_CLASSIC << "\"}\n";
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
