// Certifying a round: the state tree of a subnet whose ingress history holds N request statuses
// (600,000 is five minutes of 2,000 updates/s) and 1,000 canisters, after a round that changed 100
// history entries (34 new calls, 33 status changes, 33 pruned) and 10 canisters' certified data.
// incremental: state::StateTreeBuilder given the round's changed ids; full: build_state_tree, the
// rebuild from scratch, which is the peer. Both produce the same root digest (checked).
// certification_report.mjs prints the table.
#include <benchmark/benchmark.h>

#include <deque>
#include <random>
#include <vector>

#include "state/state_tree.h"

namespace chorus::state {
namespace {

constexpr int kCanisters = 1000;

Bytes random_id(std::mt19937_64& rng) {
  Bytes id(32);
  for (auto& b : id) b = static_cast<uint8_t>(rng());
  return id;
}

IngressStatus replied(uint64_t i) {
  IngressStatus s;
  s.kind = i % 10 == 0 ? IngressStatus::kDone : IngressStatus::kReplied;
  s.receiver = Principal::from_canister_index(i % kCanisters);
  s.user = Principal::self_authenticating(as_bytes("bench user"));
  if (s.kind == IngressStatus::kReplied) s.reply = Bytes{0x44, 0x49, 0x44, 0x4c, 0, 1, 0x7d, static_cast<uint8_t>(i)};
  return s;
}

struct Subnet {
  ReplicatedState st;
  SubnetTopology topology;
  std::deque<Bytes> ids;  // in the history, oldest first
  std::mt19937_64 rng{42};
  uint64_t next = 0;

  explicit Subnet(size_t n) {
    topology.subnet_id = Principal::self_authenticating(as_bytes("bench subnet"));
    topology.public_key_der = Bytes(133, 7);
    topology.canister_ranges = {{Principal::from_canister_index(0), Principal::from_canister_index(1 << 20)}};
    for (int c = 0; c < kCanisters; ++c) {
      CanisterState cs;
      cs.id = Principal::from_canister_index(c);
      cs.settings.controllers = {Principal::self_authenticating(as_bytes("bench controller"))};
      cs.certified_data = Bytes(32, 1);
      st.canisters[cs.id] = std::move(cs);
    }
    for (size_t i = 0; i < n; ++i) {
      ids.push_back(random_id(rng));
      st.ingress_history[ids.back()] = replied(next++);
    }
  }

  // One round's changes; returns the changed ids.
  std::vector<Bytes> round() {
    std::vector<Bytes> changed;
    for (int i = 0; i < 34; ++i) {
      ids.push_back(random_id(rng));
      IngressStatus s = replied(next++);
      s.kind = IngressStatus::kReceived;
      st.ingress_history[ids.back()] = s;
      changed.push_back(ids.back());
    }
    for (int i = 0; i < 33; ++i) {
      const Bytes& id = ids[ids.size() - 1 - (rng() % 1000)];
      st.ingress_history[id] = replied(next++);
      changed.push_back(id);
    }
    for (int i = 0; i < 33; ++i) {
      st.ingress_history.erase(ids.front());
      changed.push_back(ids.front());
      ids.pop_front();
    }
    for (int i = 0; i < 10; ++i) {
      st.canisters.at(Principal::from_canister_index(rng() % kCanisters)).certified_data = random_id(rng);
    }
    st.metadata.time_nanos += 1'000'000;
    return changed;
  }
};

void incremental(benchmark::State& state) {
  Subnet s(static_cast<size_t>(state.range(0)));
  StateTreeBuilder builder(s.topology);
  (void)builder.build(s.st, {});
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Bytes> changed = s.round();
    state.ResumeTiming();
    HashTree t = builder.build(s.st, changed);
    benchmark::DoNotOptimize(t.digest());
  }
  if (builder.build(s.st, {}).digest() != build_state_tree(s.st, s.topology).digest()) {
    state.SkipWithError("the incremental tree differs from the full one");
  }
}

void full(benchmark::State& state) {
  Subnet s(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    (void)s.round();
    state.ResumeTiming();
    HashTree t = build_state_tree(s.st, s.topology);
    benchmark::DoNotOptimize(t.digest());
  }
}

BENCHMARK(incremental)->Arg(10'000)->Arg(600'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(full)->Arg(10'000)->Arg(600'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chorus::state

BENCHMARK_MAIN();
