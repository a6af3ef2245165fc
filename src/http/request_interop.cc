// Test support for the cross-check with @dfinity/agent (tests/request_crosscheck.test.mjs):
//   request_interop TYPE ECID NOW_NANOS BODY_HEX
// decodes and validates a request body (TYPE call, query or read_state; ECID in textual form) and
// prints "ok REQUEST_ID_HEX SENDER" or "error HTTP_STATUS MESSAGE"; exit 0 and 1 respectively.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/hex.h"
#include "http/request.h"
#include "http/request_validation.h"

int main(int argc, char** argv) {
  using namespace chorus;
  using namespace chorus::http;
  if (argc != 5) {
    std::fprintf(stderr, "usage: request_interop TYPE ECID NOW_NANOS BODY_HEX\n");
    return 2;
  }
  std::string t = argv[1];
  RequestType type = t == "call" ? RequestType::kCall
                     : t == "query" ? RequestType::kQuery
                                    : RequestType::kReadState;
  auto ecid = Principal::from_text(argv[2]);
  auto body = from_hex(argv[4]);
  if (!ecid || !body) return 2;
  uint64_t now = std::strtoull(argv[3], nullptr, 10);
  auto envelope = decode_request(*body, type);
  if (!envelope) {
    std::printf("error %d %s\n", envelope.error().http_status, envelope.error().message.c_str());
    return 1;
  }
  auto validated = validate(*envelope, *ecid, now, ByteView());
  if (!validated) {
    std::printf("error %d %s\n", validated.error().http_status, validated.error().message.c_str());
    return 1;
  }
  std::printf("ok %s %s\n", to_hex(validated->envelope.request_id).c_str(),
              validated->envelope.content.sender.to_text().c_str());
  return 0;
}
