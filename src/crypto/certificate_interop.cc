// Test support for cross-checks with the client libraries (tests/certificate_crosscheck.test.mjs):
//   certificate_interop certify SEED_HEX TIME_NS [delegated]
//       -> "ROOT_KEY_DER_HEX CERTIFICATE_HEX CANISTER_ID": a certificate of /time and of a
//          canister's certified data, signed by the key from SEED (directly, or through a
//          delegation to a subnet whose ranges cover the canister)
//   certificate_interop bls-sign SEED_HEX MESSAGE_HEX -> "PUBLIC_KEY_HEX SIGNATURE_HEX"
//   certificate_interop bls-verify PUBLIC_KEY_HEX SIGNATURE_HEX MESSAGE_HEX -> exit 0 when valid
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/hex.h"
#include "base/leb128.h"
#include "crypto/certificate.h"
#include "crypto/sha2.h"
#include "encoding/cbor.h"

namespace {
using namespace chorus;

bls12_381::SecretKey key_from_seed(ByteView seed) {
  // Hash the seed to 254 bits, below 2^254 < r, rehashing in the (impossible) case of zero.
  Sha256Digest d = sha256(seed);
  while (true) {
    d[0] &= 0x3f;
    auto k = bls12_381::SecretKey::from_bytes(d);
    if (k.ok()) return *k;
    d = sha256(d);
  }
}

Bytes bytes_of(const Principal& p) { return Bytes(p.bytes().begin(), p.bytes().end()); }

Bytes ranges_cbor(const Principal& lo, const Principal& hi) {
  using cbor::Value;
  return cbor::encode_self_described(
      Value::array({Value::array({Value::bytes(lo.bytes()), Value::bytes(hi.bytes())})}));
}

int certify(ByteView seed, uint64_t time_ns, bool delegated) {
  bls12_381::SecretKey root = key_from_seed(seed);
  Principal canister = Principal::from_canister_index(5);
  LabeledTree t;
  t.set("time", LabeledTree::leaf(uleb128(time_ns)));
  t.set("canister", LabeledTree().set(bytes_of(canister),
                                      LabeledTree().set("certified_data", LabeledTree::leaf(Bytes(32, 0xcd)))));
  Certificate cert;
  if (!delegated) {
    cert = sign_certificate(to_hash_tree(t), root);
  } else {
    Bytes subnet_seed(seed.begin(), seed.end());
    subnet_seed.push_back('s');
    bls12_381::SecretKey subnet_key = key_from_seed(subnet_seed);
    auto subnet_pk = subnet_key.public_key();
    Principal subnet = Principal::self_authenticating(
        PublicKey::from_raw(PublicKey::Kind::kBls12381, subnet_pk)->to_der());
    Principal lo = Principal::from_canister_index(0), hi = Principal::from_canister_index(100);
    LabeledTree subnet_info;
    subnet_info.set("public_key", LabeledTree::leaf(PublicKey::from_raw(PublicKey::Kind::kBls12381, subnet_pk)->to_der()));
    subnet_info.set("canister_ranges", LabeledTree::leaf(ranges_cbor(lo, hi)));
    subnet_info.set("type", LabeledTree::leaf("application"));
    LabeledTree root_tree;
    root_tree.set("time", LabeledTree::leaf(uleb128(time_ns)));
    root_tree.set("subnet", LabeledTree().set(bytes_of(subnet), std::move(subnet_info)));
    root_tree.set("canister_ranges",
                  LabeledTree().set(bytes_of(subnet), LabeledTree().set(bytes_of(lo), LabeledTree::leaf(ranges_cbor(lo, hi)))));
    Certificate delegation = sign_certificate(to_hash_tree(root_tree), root);
    cert = sign_certificate(to_hash_tree(t), subnet_key);
    cert.delegation = Certificate::Delegation{subnet, delegation.encode()};
  }
  auto root_pk = root.public_key();
  if (!verify_certificate(cert, root_pk, canister).ok()) return 3;  // our own check first
  std::printf("%s %s %s\n", to_hex(PublicKey::from_raw(PublicKey::Kind::kBls12381, root_pk)->to_der()).c_str(),
              to_hex(cert.encode()).c_str(), canister.to_text().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "certify" && (argc == 4 || argc == 5)) {
    auto seed = from_hex(argv[2]);
    if (!seed) return 2;
    return certify(*seed, std::strtoull(argv[3], nullptr, 10), argc == 5);
  }
  if (cmd == "bls-sign" && argc == 4) {
    auto seed = from_hex(argv[2]);
    auto msg = from_hex(argv[3]);
    if (!seed || !msg) return 2;
    auto key = key_from_seed(*seed);
    std::printf("%s %s\n", to_hex(key.public_key()).c_str(), to_hex(key.sign(*msg)).c_str());
    return 0;
  }
  if (cmd == "bls-verify" && argc == 5) {
    auto pk = from_hex(argv[2]);
    auto sig = from_hex(argv[3]);
    auto msg = from_hex(argv[4]);
    if (!pk || !sig || !msg) return 2;
    auto ok = bls12_381::verify(*sig, *msg, *pk);
    std::printf("%s\n", ok.ok() ? "valid" : ok.error().message().c_str());
    return ok.ok() ? 0 : 1;
  }
  std::fprintf(stderr, "usage: certificate_interop certify SEED TIME_NS [delegated] | bls-sign SEED MSG | bls-verify PK SIG MSG\n");
  return 2;
}
