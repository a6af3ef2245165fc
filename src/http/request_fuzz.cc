// Arbitrary bytes as the body of a call, query and read_state request: decode, then validate
// against a fixed time and effective canister id. Only clean refusals, never a crash or a hang.
// The seeds (fuzz/corpus/request_fuzz) are valid signed requests made by request_test.cc's
// helpers, expiring at kFuzzNow + 60 s, so that mutations reach the signature checks.
#include <cstdint>
#include <cstdlib>

#include "http/request.h"
#include "http/request_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chorus;
  using namespace chorus::http;
  constexpr uint64_t kFuzzNow = 1'700'000'000'000'000'000;
  ByteView in(data, size);
  for (RequestType type : {RequestType::kCall, RequestType::kQuery, RequestType::kReadState}) {
    auto envelope = decode_request(in, type);
    if (!envelope.ok()) {
      if (envelope.error().message.empty()) std::abort();
      continue;
    }
    Principal ecid = envelope->content.canister_id;
    auto validated = validate(*envelope, ecid, kFuzzNow, ByteView());
    if (validated.ok() && type == RequestType::kCall) {
      state::Ingress ingress = to_ingress(*validated);
      if (ingress.message_id.size() != 32) std::abort();
    }
  }
  return 0;
}
