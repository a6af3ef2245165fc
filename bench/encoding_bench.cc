// Wire formats: the work a replica does on every request before anything executes. Each case has a
// twin in encoding_peer.mjs, run on the same inputs with the libraries IC clients use.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "base/hex.h"
#include "encoding/cbor.h"
#include "encoding/hash_tree.h"
#include "encoding/principal.h"
#include "encoding/request_id.h"

namespace chorus {
namespace {

// A call envelope as agents send it: self-described CBOR, 1 KiB argument, Ed25519 key, signature.
cbor::Value call_content() {
  using cbor::Value;
  return Value::map({
      {Value::text("request_type"), Value::text("call")},
      {Value::text("sender"), Value::bytes(Bytes(29, 0x5a))},
      {Value::text("ingress_expiry"), Value::uint(1685570400000000000)},
      {Value::text("canister_id"), Value::bytes(Principal::from_canister_index(2).bytes())},
      {Value::text("method_name"), Value::text("transfer")},
      {Value::text("arg"), Value::bytes(Bytes(1024, 0x42))},
      {Value::text("nonce"), Value::bytes(Bytes(16, 0x07))},
  });
}

Bytes call_envelope() {
  using cbor::Value;
  return cbor::encode_self_described(Value::map({
      {Value::text("content"), call_content()},
      {Value::text("sender_pubkey"), Value::bytes(Bytes(44, 0x30))},
      {Value::text("sender_sig"), Value::bytes(Bytes(64, 0x99))},
  }));
}

// A state-tree-like tree: 1000 request statuses of three fields each.
HashTree large_tree() {
  LabeledTree statuses;
  for (uint32_t i = 0; i < 1000; ++i) {
    Bytes rid(32);
    for (int k = 0; k < 4; ++k) rid[k] = static_cast<uint8_t>(i >> (8 * (3 - k)));
    LabeledTree status;
    status.set("status", LabeledTree::leaf("replied"));
    status.set("reply", LabeledTree::leaf(Bytes(64, static_cast<uint8_t>(i))));
    status.set("time", LabeledTree::leaf(Bytes{0x01}));
    statuses.set(rid, std::move(status));
  }
  LabeledTree root;
  root.set("request_status", std::move(statuses));
  root.set("time", LabeledTree::leaf(Bytes{0x80, 0x01}));
  return to_hash_tree(root);
}

void principal_to_text(benchmark::State& state) {
  Principal p = Principal::from_canister_index(123456);
  for (auto _ : state) benchmark::DoNotOptimize(p.to_text());
}
BENCHMARK(principal_to_text);

void principal_from_text(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Principal::from_text("ryjl3-tyaaa-aaaaa-aaaba-cai"));
}
BENCHMARK(principal_from_text);

void cbor_decode_envelope(benchmark::State& state) {
  Bytes wire = call_envelope();
  for (auto _ : state) benchmark::DoNotOptimize(cbor::decode(wire));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(cbor_decode_envelope);

void cbor_encode_envelope(benchmark::State& state) {
  auto v = *cbor::decode(call_envelope());
  for (auto _ : state) benchmark::DoNotOptimize(cbor::encode(v));
}
BENCHMARK(cbor_encode_envelope);

void request_id_of_call(benchmark::State& state) {
  cbor::Value content = call_content();
  for (auto _ : state) benchmark::DoNotOptimize(request_id(content));
}
BENCHMARK(request_id_of_call);

void hash_tree_decode_and_digest(benchmark::State& state) {
  Bytes wire = large_tree().encode();
  for (auto _ : state) benchmark::DoNotOptimize(HashTree::decode(wire)->digest());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(hash_tree_decode_and_digest);

void hash_tree_lookup(benchmark::State& state) {
  HashTree t = large_tree();
  Bytes rid(32);
  rid[3] = 77;
  std::vector<Bytes> path = {to_bytes(std::string_view("request_status")), rid,
                             to_bytes(std::string_view("reply"))};
  for (auto _ : state) benchmark::DoNotOptimize(lookup_path(t, path));
}
BENCHMARK(hash_tree_lookup);

// The JS peer measures the same inputs: when CHORUS_BENCH_INPUTS names a folder, write them there.
void write_inputs() {
  const char* dir = std::getenv("CHORUS_BENCH_INPUTS");
  if (dir == nullptr) return;
  auto write = [&](const char* name, const Bytes& b) {
    std::ofstream(std::string(dir) + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  write("envelope.cbor", call_envelope());
  write("content.cbor", cbor::encode(call_content()));
  write("tree.cbor", large_tree().encode());
}

}  // namespace
}  // namespace chorus

int main(int argc, char** argv) {
  chorus::write_inputs();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
