// BLS12-381 as a replica and its clients use it: certificate signatures (sign, verify), the
// pairing underneath, hashing to G1, and combining a 13-node subnet's signature shares. Each case
// has a twin in crypto_peer.mjs, run on the same inputs with @noble/curves, the library agent-js
// verifies certificates with.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "crypto/bls12_381_hash.h"
#include "crypto/bls12_381_pairing.h"
#include "crypto/bls12_381_signature.h"
#include "crypto/threshold_bls.h"

namespace chorus {
namespace {

using namespace bls12_381;

constexpr uint32_t kSubnetSize = 13;

// The bytes a certificate signs: the state-root domain separator and a 32-byte digest.
Bytes message() {
  Bytes m = to_bytes(std::string_view("\x0Dic-state-root"));
  for (uint8_t i = 0; i < 32; ++i) m.push_back(static_cast<uint8_t>(0xa0 + i));
  return m;
}

struct Inputs {
  Bytes secret_key;  // 32 bytes, big-endian
  PublicKey public_key;
  Signature signature;
  G1 p;  // pairing inputs
  G2 q;
  // Shares 1..13 of a 13-of-13 key on message(): the combination interpolates all of them.
  std::vector<threshold::SignatureShare> shares;
  PublicKey group_key;
};

const Inputs& inputs() {
  static const Inputs in = [] {
    Inputs out;
    SeededRandom rng(as_bytes("crypto bench"));
    Fr sk = *Fr::random_nonzero(rng);
    auto sk_bytes = sk.to_bytes();
    out.secret_key.assign(sk_bytes.begin(), sk_bytes.end());
    SecretKey key = *SecretKey::from_bytes(out.secret_key);
    out.public_key = key.public_key();
    out.signature = key.sign(message());
    out.p = G1::generator().mul(Fr::random(rng)->to_scalar());
    out.q = G2::generator().mul(Fr::random(rng)->to_scalar());
    threshold::Dealt dealt = *threshold::deal(kSubnetSize, kSubnetSize, rng);
    for (const threshold::SecretShare& s : dealt.shares) {
      out.shares.push_back(threshold::sign_share(s, message()));
    }
    out.group_key = dealt.public_coefficients.group_public_key();
    return out;
  }();
  return in;
}

void bls_sign(benchmark::State& state) {
  SecretKey key = *SecretKey::from_bytes(inputs().secret_key);
  Bytes m = message();
  for (auto _ : state) benchmark::DoNotOptimize(key.sign(m));
}
BENCHMARK(bls_sign);

// From bytes to verdict, as a client checks a certificate: decoding and subgroup checks of key
// and signature, hashing the message, and the two-pairing check.
void bls_verify(benchmark::State& state) {
  const Inputs& in = inputs();
  Bytes m = message();
  for (auto _ : state) benchmark::DoNotOptimize(verify(in.signature, m, in.public_key));
}
BENCHMARK(bls_verify);

void pairing(benchmark::State& state) {
  const Inputs& in = inputs();
  for (auto _ : state) benchmark::DoNotOptimize(bls12_381::pairing(in.p, in.q));
}
BENCHMARK(pairing);

// Lagrange interpolation at 0 of 13 decoded, already verified shares, to the compressed signature.
void combine_13_shares(benchmark::State& state) {
  const Inputs& in = inputs();
  for (auto _ : state) {
    benchmark::DoNotOptimize(threshold::combine_signatures(in.shares, kSubnetSize));
  }
}
BENCHMARK(combine_13_shares);

void hash_to_g1(benchmark::State& state) {
  Bytes m = message();
  for (auto _ : state) {
    benchmark::DoNotOptimize(bls12_381::hash_to_g1(m, as_bytes(kSignatureDst)));
  }
}
BENCHMARK(hash_to_g1);

// The parts of bls_verify, for profiling; the JS peer has no twins of these.
void verify_part_decode_signature(benchmark::State& state) {
  const Inputs& in = inputs();
  for (auto _ : state) benchmark::DoNotOptimize(decode_signature(in.signature));
}
BENCHMARK(verify_part_decode_signature);

void verify_part_decode_public_key(benchmark::State& state) {
  const Inputs& in = inputs();
  for (auto _ : state) benchmark::DoNotOptimize(decode_public_key(in.public_key));
}
BENCHMARK(verify_part_decode_public_key);

void verify_part_prepare_public_key(benchmark::State& state) {
  G2Affine pk = decode_public_key(inputs().public_key)->to_affine();
  for (auto _ : state) benchmark::DoNotOptimize(G2Prepared(pk));
}
BENCHMARK(verify_part_prepare_public_key);

void verify_part_miller_loop_2(benchmark::State& state) {
  const Inputs& in = inputs();
  G2Prepared pk(*decode_public_key(in.public_key));
  G2Prepared g2(-G2::generator());
  const PreparedPairingInput pairs[2] = {
      {decode_signature(in.signature)->to_affine(), &g2},
      {bls12_381::hash_to_g1(message(), as_bytes(kSignatureDst)).to_affine(), &pk},
  };
  for (auto _ : state) benchmark::DoNotOptimize(multi_miller_loop(pairs));
}
BENCHMARK(verify_part_miller_loop_2);

void verify_part_final_exponentiation(benchmark::State& state) {
  const Inputs& in = inputs();
  PairingInput pair{in.p.to_affine(), in.q.to_affine()};
  Fp12 f = multi_miller_loop(std::span<const PairingInput>(&pair, 1));
  for (auto _ : state) benchmark::DoNotOptimize(final_exponentiation(f));
}
BENCHMARK(verify_part_final_exponentiation);

// The JS peer measures the same inputs: when CHORUS_BENCH_INPUTS names a folder, write them there.
void write_inputs() {
  const char* dir = std::getenv("CHORUS_BENCH_INPUTS");
  if (dir == nullptr) return;
  auto write = [&](const char* name, ByteView b) {
    std::ofstream(std::string(dir) + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  const Inputs& in = inputs();
  write("message.bin", message());
  write("secret_key.bin", in.secret_key);
  write("public_key.bin", in.public_key);
  write("signature.bin", in.signature);
  write("pairing_g1.bin", g1_to_compressed(in.p));
  write("pairing_g2.bin", g2_to_compressed(in.q));
  Bytes shares;
  for (const threshold::SignatureShare& s : in.shares) append(shares, s.to_bytes());
  write("shares.bin", shares);  // share i + 1 at offset 48 i
  write("group_key.bin", in.group_key);
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
