// Arbitrary bytes as a read_state body, decoded and (without signature checks: the paths are
// what this target is about) answered from a fixed subnet at a canister and a subnet endpoint of
// both API versions. Only certificates that verify or clean refusals, never a crash: every
// answer must decode as a certificate whose tree keeps the signed root digest.
#include <cstdint>
#include <cstdlib>

#include "crypto/certificate.h"
#include "http/read_state.h"
#include "state/state_tree.h"
#include "state/state_tree_test_util.h"

namespace {

struct Subnet {
  chorus::state::ReplicatedState st;
  chorus::state::SubnetTopology topology = chorus::state::testing::topology(chorus::Bytes(133, 9));
  chorus::HashTree tree;
  Subnet() {
    using namespace chorus;
    auto& c = state::testing::add_canister(st, 1, {Principal::anonymous()});
    state::testing::install(c, state::testing::wasm_with_sections({{"icp:private p", "x"}, {"icp:public q", "y"}}));
    state::testing::add_canister(st, 2, {});
    st.ingress_history[Bytes(32, 1)] =
        state::testing::status(state::IngressStatus::kReplied, c.id, Principal::anonymous());
    st.ingress_history[Bytes(32, 2)] = state::testing::status(
        state::IngressStatus::kRejected, Principal::management_canister(), Principal::anonymous());
    tree = state::build_state_tree(st, topology);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  using namespace chorus::http;
  static const Subnet subnet;  // read-only after construction
  auto envelope = decode_request(ByteView(data, size), RequestType::kReadState);
  if (!envelope.ok()) return 0;
  ValidatedRequest request;
  request.envelope = *envelope;
  Bytes signature(48, 0);
  for (int i = 0; i < 4; ++i) {
    ReadStateScope scope{i >= 2, i >= 2 ? subnet.topology.subnet_id : Principal::from_canister_index(1),
                         2 + i % 2, subnet.topology.subnet_id};
    auto answer = answer_read_state(request, scope, subnet.st, subnet.tree, signature);
    if (!answer.ok()) {
      if (answer.error().message.empty()) std::abort();
      continue;
    }
    auto body = cbor::decode(*answer);
    if (!body.ok()) std::abort();
    const cbor::Value* cert = body->without_self_describe().find("certificate");
    if (cert == nullptr) std::abort();
    auto decoded = Certificate::decode(*cert->as_bytes("certificate"));
    if (!decoded.ok() || decoded->tree.digest() != subnet.tree.digest()) std::abort();
  }
  return 0;
}
