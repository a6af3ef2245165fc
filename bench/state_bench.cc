// Checkpoints of a 4 GiB memory (wasm32's largest) holding 64 MiB of nonzero pages, after N
// random pages changed: the incremental store (what issue #6 asks for) against the same store
// writing the whole memory as a new base each time. Wall-clock time, fsyncs included: the disk
// is part of the cost. state_peer.mjs times `cp --sparse=always` + fsync of the same memory as a
// sparse file, the simplest file-copy checkpoint; state_report.mjs prints the table.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "state/checkpoint.h"

namespace chorus {
namespace {

constexpr uint64_t kBasePages = 16384;  // 64 MiB of data in the 4 GiB memory
constexpr uint64_t kMemoryPages4k = wasm::kMaxWasm32Pages * wasm::kDirtyPagesPerWasmPage;

std::string scratch(const std::string& name) {
  const char* inputs = std::getenv("CHORUS_BENCH_INPUTS");
  std::string dir = std::string(inputs != nullptr ? inputs : "/tmp") + "/state-" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

void write_pages(wasm::LinearMemory& m, std::mt19937_64& rng, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t page = rng() % kMemoryPages4k;
    const Bytes value{static_cast<uint8_t>(rng() | 1)};
    if (!m.write(page * wasm::kDirtyPageSize + rng() % 4096, value).ok()) std::abort();
  }
}

wasm::LinearMemory base_memory(std::mt19937_64& rng) {
  auto m = wasm::LinearMemory::create(wasm::kMaxWasm32Pages, std::nullopt, false,
                                      wasm::kMaxWasm32Pages);
  if (!m.ok()) std::abort();
  write_pages(*m, rng, kBasePages);
  return std::move(m).value();
}

// |incremental|: one store that diffs against its last checkpoint. Otherwise a new store (no
// previous checkpoint in memory) per write, so every checkpoint writes the whole memory.
void checkpoint(benchmark::State& state, bool incremental) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  const std::string root = scratch((incremental ? "inc-" : "full-") + std::to_string(n));
  std::mt19937_64 rng(1);
  auto memory = base_memory(rng);
  auto store = state::CheckpointStore::open(root).value();
  state::CheckpointData data;
  data.blobs["meta"] = Bytes(1024, 1);
  data.memories["stable"] = memory.take_snapshot().value();
  uint64_t height = 1;
  if (!store.write(height++, data).ok()) std::abort();
  uint64_t pages = 0, bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    write_pages(memory, rng, n);
    data.memories["stable"] = memory.take_snapshot().value();
    if (!incremental) store = state::CheckpointStore::open(root).value();
    state.ResumeTiming();
    auto stats = store.write(height++, data);
    if (!stats.ok()) std::abort();
    pages += stats->pages_written;
    bytes += stats->bytes_written;
  }
  state.counters["pages_written"] = static_cast<double>(pages) / state.iterations();
  state.counters["bytes_written"] = static_cast<double>(bytes) / state.iterations();
  std::filesystem::remove_all(root);
}

void incremental(benchmark::State& state) { checkpoint(state, true); }
void full_rewrite(benchmark::State& state) { checkpoint(state, false); }

// load_latest() of the checkpoint above: it maps, hashes and copies every byte of the state.
void load(benchmark::State& state) {
  const std::string root = scratch("load");
  std::mt19937_64 rng(1);
  auto memory = base_memory(rng);
  {
    auto store = state::CheckpointStore::open(root).value();
    state::CheckpointData data;
    data.memories["stable"] = memory.take_snapshot().value();
    if (!store.write(1, data).ok()) std::abort();
  }
  for (auto _ : state) {
    auto store = state::CheckpointStore::open(root).value();
    auto loaded = store.load_latest();
    if (!loaded.ok() || !loaded->has_value()) std::abort();
    benchmark::DoNotOptimize(loaded);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBasePages *
                                               wasm::kDirtyPageSize));
  std::filesystem::remove_all(root);
}

BENCHMARK(incremental)->Arg(1)->Arg(3)->Arg(64)->Arg(1024)->Arg(16384)
    ->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(full_rewrite)->Arg(3)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(load)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chorus

BENCHMARK_MAIN();
