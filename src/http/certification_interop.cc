// Test support for the cross-check with @dfinity/agent and @icp-sdk/core
// (tests/certification_crosscheck.test.mjs). One fixed subnet (a 1-of-1 threshold key, one
// canister with code, one answered anonymous call) at time NOW_NANOS:
//   certification_interop info NOW_NANOS
//     prints "ROOT_KEY_DER_HEX SUBNET_ID CANISTER_ID REQUEST_ID_HEX CERTIFIED_DATA_CERTIFICATE_HEX"
//   certification_interop read_state canister|subnet API_VERSION EFFECTIVE_ID NOW_NANOS BODY_HEX
//     decodes, validates and answers a read_state body: "ok RESPONSE_BODY_HEX" (exit 0) or
//     "error HTTP_STATUS MESSAGE" (exit 1).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/hex.h"
#include "crypto/bls12_381_scalar.h"
#include "crypto/certificate.h"
#include "crypto/threshold_bls.h"
#include "http/read_state.h"
#include "state/state_tree.h"
#include "state/state_tree_test_util.h"

namespace chorus {
namespace {

struct Fixture {
  Bytes root_key_der;
  bls12_381::PublicKey root_key{};
  state::SubnetTopology topology;
  state::ReplicatedState st;
  Principal canister = Principal::from_canister_index(1);
  Bytes request_id;
  HashTree tree;
  Bytes signature;

  explicit Fixture(uint64_t now) {
    bls12_381::SeededRandom rng(as_bytes("certification interop subnet"));
    auto dealt = threshold::deal(1, 1, rng);
    if (!dealt.ok()) std::abort();
    root_key = dealt->public_coefficients.group_public_key();
    root_key_der = PublicKey::from_raw(PublicKey::Kind::kBls12381, root_key)->to_der();
    topology = state::testing::topology(root_key_der);
    st.metadata.time_nanos = now;
    state::CanisterState& c =
        state::testing::add_canister(st, 1, {Principal::self_authenticating(as_bytes("controller")), canister});
    c.certified_data = Bytes(32, 0xcd);
    state::testing::install(c, state::testing::wasm_with_sections({{"icp:public candid:service", "service : {}"}}));
    Sha256Digest rid = sha256(as_bytes("interop call"));
    request_id.assign(rid.begin(), rid.end());
    state::IngressStatus s = state::testing::status(state::IngressStatus::kReplied, canister, Principal::anonymous());
    st.ingress_history[request_id] = s;
    tree = state::build_state_tree(st, topology);
    threshold::SignatureShare share = threshold::sign_share(dealt->shares[0], state_root_message(tree));
    auto sig = threshold::combine_signatures(std::span(&share, 1), 1);
    if (!sig.ok()) std::abort();
    signature.assign(sig->begin(), sig->end());
  }
};

}  // namespace
}  // namespace chorus

int main(int argc, char** argv) {
  using namespace chorus;
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "info" && argc == 3) {
    Fixture f(std::strtoull(argv[2], nullptr, 10));
    Path certified[] = {{to_bytes("canister"), Bytes(f.canister.bytes().begin(), f.canister.bytes().end()),
                         to_bytes("certified_data")}};
    std::printf("%s %s %s %s %s\n", to_hex(f.root_key_der).c_str(), f.topology.subnet_id.to_text().c_str(),
                f.canister.to_text().c_str(), to_hex(f.request_id).c_str(),
                to_hex(http::certificate_for_paths(f.tree, f.signature, certified)).c_str());
    return 0;
  }
  if (mode == "read_state" && argc == 7) {
    std::string endpoint = argv[2];
    int version = std::atoi(argv[3]);
    auto effective = Principal::from_text(argv[4]);
    uint64_t now = std::strtoull(argv[5], nullptr, 10);
    auto body = from_hex(argv[6]);
    if (!effective.ok() || !body.ok()) return 2;
    Fixture f(now);
    auto envelope = http::decode_request(*body, http::RequestType::kReadState);
    if (!envelope) {
      std::printf("error %d %s\n", envelope.error().http_status, envelope.error().message.c_str());
      return 1;
    }
    auto validated = http::validate(*envelope, *effective, now, f.root_key);
    if (!validated) {
      std::printf("error %d %s\n", validated.error().http_status, validated.error().message.c_str());
      return 1;
    }
    http::ReadStateScope scope{endpoint == "subnet", *effective, version, f.topology.subnet_id};
    auto answer = http::answer_read_state(*validated, scope, f.st, f.tree, f.signature);
    if (!answer) {
      std::printf("error %d %s\n", answer.error().http_status, answer.error().message.c_str());
      return 1;
    }
    std::printf("ok %s\n", to_hex(*answer).c_str());
    return 0;
  }
  std::fprintf(stderr,
               "usage: certification_interop info NOW_NANOS | read_state canister|subnet VERSION ID NOW_NANOS "
               "BODY_HEX\n");
  return 2;
}
