// Candid: what a replica does with every canister argument and reply. Each case has a twin in
// candid_peer.mjs, run by @dfinity/candid (the library IC clients use) on the same messages.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"

namespace chorus::candid {
namespace {

constexpr char kRecordsType[] =
    "(vec record { id : nat64; name : text; balance : nat; tags : vec text })";
constexpr char kTreeType[] =
    "type Tree = variant { leaf : nat64; node : record { left : Tree; right : Tree } }; (Tree)";
constexpr int kRecords = 10000;
constexpr int kTreeDepth = 14;  // 2^14 leaves, 2^15 - 1 variants

const ArgTypes& types(const char* text) {
  static auto* records = new ArgTypes(*parse_arg_types(kRecordsType));
  static auto* tree = new ArgTypes(*parse_arg_types(kTreeType));
  return std::string_view(text) == kRecordsType ? *records : *tree;
}

std::vector<Value> records() {
  std::vector<Value> items;
  for (int i = 0; i < kRecords; ++i) {
    std::vector<Value> tags;
    for (int t = 0; t < i % 4; ++t) tags.push_back(Value::text("tag-" + std::to_string(t)));
    items.push_back(Value::record({
        {field_hash("id"), Value::nat64(static_cast<uint64_t>(i) * 7919)},
        {field_hash("name"), Value::text("account holder " + std::to_string(i))},
        {field_hash("balance"), Value::nat(BigInt::from_u64(uint64_t{1} << (i % 60)))},
        {field_hash("tags"), Value::vec(std::move(tags))},
    }));
  }
  return {Value::vec(std::move(items))};
}

Value tree(int depth, uint64_t& next) {
  if (depth == 0) return Value::variant(field_hash("leaf"), Value::nat64(next++));
  // Moved in one by one: an initializer list would copy every subtree.
  std::vector<FieldValue> children;
  children.push_back(FieldValue{field_hash("left"), tree(depth - 1, next)});
  children.push_back(FieldValue{field_hash("right"), tree(depth - 1, next)});
  return Value::variant(field_hash("node"), Value::record(std::move(children)));
}

std::vector<Value> tree_values() {
  uint64_t next = 0;
  return {tree(kTreeDepth, next)};
}

Bytes message(const char* type, const std::vector<Value>& values) {
  const ArgTypes& t = types(type);
  return *encode(t.table, t.types, values);
}

void records_encode(benchmark::State& state) {
  auto values = records();
  const ArgTypes& t = types(kRecordsType);
  for (auto _ : state) benchmark::DoNotOptimize(encode(t.table, t.types, values));
}
BENCHMARK(records_encode)->Unit(benchmark::kMillisecond);

void records_decode(benchmark::State& state) {
  Bytes wire = message(kRecordsType, records());
  const ArgTypes& t = types(kRecordsType);
  for (auto _ : state) benchmark::DoNotOptimize(decode(wire, t));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(records_decode)->Unit(benchmark::kMillisecond);

void tree_encode(benchmark::State& state) {
  auto values = tree_values();
  const ArgTypes& t = types(kTreeType);
  for (auto _ : state) benchmark::DoNotOptimize(encode(t.table, t.types, values));
}
BENCHMARK(tree_encode)->Unit(benchmark::kMillisecond);

void tree_decode(benchmark::State& state) {
  Bytes wire = message(kTreeType, tree_values());
  const ArgTypes& t = types(kTreeType);
  for (auto _ : state) benchmark::DoNotOptimize(decode(wire, t));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(tree_decode)->Unit(benchmark::kMillisecond);

// The JS peer measures the same messages: when CHORUS_BENCH_INPUTS names a folder, write them
// there.
void write_inputs() {
  const char* dir = std::getenv("CHORUS_BENCH_INPUTS");
  if (dir == nullptr) return;
  auto write = [&](const char* name, const Bytes& b) {
    std::ofstream(std::string(dir) + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  write("records.bin", message(kRecordsType, records()));
  write("tree.bin", message(kTreeType, tree_values()));
}

}  // namespace
}  // namespace chorus::candid

int main(int argc, char** argv) {
  chorus::candid::write_inputs();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
