// Fuzzes the public HTTP interface from bytes to the node: the first byte picks an endpoint, the
// rest is the body. Every request must be answered exactly once, with a status the spec allows,
// and only validated calls may reach the node. The node here is a recorder, not a replica.
#include <cstdint>
#include <cstdlib>

#include "http/public_api.h"

namespace {

using namespace chorus;

class RecordingNode final : public http::NodeServices {
 public:
  http::NodeStatus status() override { return {root_key, true, 1}; }
  uint64_t now_nanos() override { return 1'700'000'000'000'000'000; }
  Principal subnet_id() override { return Principal::self_authenticating(root_key); }
  bool hosts(const Principal& c) override { return c.canister_index().has_value(); }
  void submit_call(state::Ingress in, bool, std::function<void(http::CallAnswer)> done) override {
    if (in.message_id.size() != 32) std::abort();  // only validated calls get here
    done(http::CallAnswer{});
  }
  execution::QueryResponse query(const state::Ingress&) override { return {}; }
  http::HttpResult<Bytes> read_state(const http::ValidatedRequest&, const http::ReadStateScope&) override {
    return Bytes{0xa0};
  }
  Bytes root_key = Bytes(133, 0x01);
};

const char* kTargets[] = {
    "/api/v2/canister/rwlgt-iiaaa-aaaaa-aaaaa-cai/call",
    "/api/v3/canister/rwlgt-iiaaa-aaaaa-aaaaa-cai/call",
    "/api/v4/canister/rwlgt-iiaaa-aaaaa-aaaaa-cai/call",
    "/api/v4/canister/aaaaa-aa/call",
    "/api/v2/canister/rwlgt-iiaaa-aaaaa-aaaaa-cai/query",
    "/api/v3/canister/rwlgt-iiaaa-aaaaa-aaaaa-cai/query",
    "/api/v2/canister/rwlgt-iiaaa-aaaaa-aaaaa-cai/read_state",
    "/api/v3/canister/rwlgt-iiaaa-aaaaa-aaaaa-cai/read_state",
    "/api/v2/status",
    "/api/v3/canister/not-a-principal/query",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static RecordingNode node;
  static auto key = *Ed25519SigningKey::from_seed(Bytes(32, 7));
  static http::PublicApi api(node, key, {}, nullptr);
  if (size == 0) return 0;
  http::HttpRequest request;
  request.method = data[0] & 0x80 ? "GET" : "POST";
  request.target = kTargets[(data[0] & 0x7f) % (sizeof(kTargets) / sizeof(kTargets[0]))];
  request.body.assign(data + 1, data + size);
  int answers = 0;
  int status = 0;
  api.handle(std::move(request), [&](http::HttpResponse r) {
    ++answers;
    status = r.status;
  });
  if (answers != 1) std::abort();
  if (status != 200 && status != 202 && status != 400 && status != 403 && status != 404 &&
      status != 405 && status != 413) {
    std::abort();
  }
  return 0;
}
