// Decoding of request envelopes: shapes, types, unknown and duplicate fields, and size limits.
#include "http/request.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "http/request_test_util.h"

namespace chorus::http {
namespace {

using namespace testing;

const Principal kCanister = Principal::from_canister_index(1234);
constexpr uint64_t kExpiry = 1'685'570'400'000'000'000;

Bytes body_of(cbor::Map content, cbor::Map extra = {}) {
  cbor::Map env{{text("content"), Value::map(std::move(content))}};
  for (auto& kv : extra) env.push_back(std::move(kv));
  return cbor::encode(Value::map(std::move(env)));
}

TEST(RequestDecode, SpecRequestIdVector) {
  // ic-spec-checklist §A.3's test vector, sent without the self-describe tag.
  Bytes arg = to_bytes(std::string_view("DIDL\x00\xFD*", 7));
  auto content = call_content("call", Principal::anonymous(),
                              *Principal::from_bytes(*from_hex("00000000000004D2")), "hello", arg,
                              kExpiry);
  auto env = decode_request(body_of(content), RequestType::kCall);
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(to_hex(env->request_id),
            "1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101");
  EXPECT_EQ(env->content.method_name, "hello");
  EXPECT_EQ(env->content.arg, arg);
  EXPECT_EQ(env->content.sender, Principal::anonymous());
  EXPECT_EQ(env->content.ingress_expiry, kExpiry);
  EXPECT_FALSE(env->sender_pubkey.has_value());
}

TEST(RequestDecode, SelfDescribedSignedEnvelope) {
  Signer s = ed25519_signer(7);
  auto content = call_content("query", Principal::self_authenticating(s.der), kCanister, "get",
                              Bytes{1, 2}, kExpiry);
  content.push_back({text("nonce"), Value::bytes(Bytes(32, 9))});
  auto env = decode_request(signed_envelope(content, s), RequestType::kQuery);
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->content.type, RequestType::kQuery);
  EXPECT_EQ(*env->content.nonce, Bytes(32, 9));
  EXPECT_EQ(*env->sender_pubkey, s.der);
  EXPECT_EQ(env->sender_sig->size(), 64u);
  EXPECT_EQ(env->request_id, *request_id(Value::map(content)));
}

TEST(RequestDecode, ReadStatePaths) {
  auto content = read_state_content(Principal::anonymous(),
                                    {{to_bytes("time")}, {to_bytes("request_status"), Bytes(32, 1)}},
                                    kExpiry);
  auto env = decode_request(body_of(content), RequestType::kReadState);
  ASSERT_TRUE(env.ok()) << env.error().message;
  ASSERT_EQ(env->content.paths.size(), 2u);
  EXPECT_EQ(env->content.paths[1][1], Bytes(32, 1));
}

TEST(RequestDecode, BignumExpiryIsAccepted) {
  auto content = call_content("call", Principal::anonymous(), kCanister, "m", {}, kExpiry);
  // ingress_expiry as a tag-2 bignum, as some encoders write large nats.
  content[2].second = Value::tag(2, Value::bytes(*from_hex("17641c6b1c5b4000")));
  auto env = decode_request(body_of(content), RequestType::kCall);
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->content.ingress_expiry, 0x17641c6b1c5b4000u);
}

void expect_refused(const HttpResult<Envelope>& r, int status, std::string_view fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, status) << r.error().message;
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(RequestDecode, RefusesBadCbor) {
  expect_refused(decode_request(Bytes{0xa1, 0x67}, RequestType::kCall), 400, "not valid CBOR");
  expect_refused(decode_request(Bytes{}, RequestType::kCall), 400, "not valid CBOR");
  // A valid item followed by trailing bytes.
  Bytes b = body_of(call_content("call", Principal::anonymous(), kCanister, "m", {}, kExpiry));
  b.push_back(0);
  expect_refused(decode_request(b, RequestType::kCall), 400, "not valid CBOR");
  expect_refused(decode_request(cbor::encode(Value::array({})), RequestType::kCall), 400,
                 "request envelope");
}

TEST(RequestDecode, RefusesWrongRequestType) {
  auto content = call_content("query", Principal::anonymous(), kCanister, "m", {}, kExpiry);
  expect_refused(decode_request(body_of(content), RequestType::kCall), 400,
                 "this endpoint takes 'call'");
}

TEST(RequestDecode, RefusesMissingMistypedAndUnknownFields) {
  auto base = call_content("call", Principal::anonymous(), kCanister, "m", {}, kExpiry);
  auto missing = base;
  missing.erase(missing.begin() + 4);  // method_name
  expect_refused(decode_request(body_of(missing), RequestType::kCall), 400, "'method_name'");
  auto mistyped = base;
  mistyped[5].second = text("arg as text");
  expect_refused(decode_request(body_of(mistyped), RequestType::kCall), 400, "arg");
  auto negative = base;
  negative[2].second = Value::integer(-1);
  expect_refused(decode_request(body_of(negative), RequestType::kCall), 400, "ingress_expiry");
  auto unknown = base;
  unknown.push_back({text("colour"), text("blue")});
  expect_refused(decode_request(body_of(unknown), RequestType::kCall), 400, "unknown field 'colour'");
  expect_refused(decode_request(body_of(base, {{text("sender_colour"), text("x")}}),
                                RequestType::kCall),
                 400, "unknown field 'sender_colour'");
  auto paths_in_call = base;
  paths_in_call.push_back({text("paths"), Value::array({})});
  expect_refused(decode_request(body_of(paths_in_call), RequestType::kCall), 400, "'paths'");
}

TEST(RequestDecode, RefusesDuplicateFields) {
  auto content = call_content("call", Principal::anonymous(), kCanister, "m", {}, kExpiry);
  content.push_back({text("method_name"), text("other")});
  expect_refused(decode_request(body_of(content), RequestType::kCall), 400, "duplicate key");
  // A duplicate at the envelope level, too.
  Bytes body = body_of(call_content("call", Principal::anonymous(), kCanister, "m", {}, kExpiry),
                       {{text("sender_sig"), Value::bytes(Bytes{1})},
                        {text("sender_sig"), Value::bytes(Bytes{2})}});
  expect_refused(decode_request(body, RequestType::kCall), 400, "duplicate key");
}

TEST(RequestDecode, RefusesLongNonceAndPrincipal) {
  auto content = call_content("call", Principal::anonymous(), kCanister, "m", {}, kExpiry);
  auto nonce = content;
  nonce.push_back({text("nonce"), Value::bytes(Bytes(33, 0))});
  expect_refused(decode_request(body_of(nonce), RequestType::kCall), 400, "nonce has 33 bytes");
  auto sender = content;
  sender[1].second = Value::bytes(Bytes(30, 1));
  expect_refused(decode_request(body_of(sender), RequestType::kCall), 400, "content.sender");
}

TEST(RequestDecode, SizeLimitsAnswer413) {
  RequestLimits limits;
  limits.max_body_bytes = 1000;
  limits.max_arg_bytes = 100;
  auto big_arg = call_content("call", Principal::anonymous(), kCanister, "m", Bytes(101, 0), kExpiry);
  expect_refused(decode_request(body_of(big_arg), RequestType::kCall, limits), 413, "content.arg");
  auto ok_arg = call_content("call", Principal::anonymous(), kCanister, "m", Bytes(100, 0), kExpiry);
  EXPECT_TRUE(decode_request(body_of(ok_arg), RequestType::kCall, limits).ok());
  auto big_body = call_content("call", Principal::anonymous(), kCanister, "m", Bytes(90, 0), kExpiry);
  big_body.push_back({text("nonce"), Value::bytes(Bytes(32, 0))});
  Bytes b = body_of(big_body);
  b.resize(1001, 0);  // the size is checked before parsing
  expect_refused(decode_request(b, RequestType::kCall, limits), 413, "request body of 1001 bytes");
  // The default limits: the endpoint's 5 MiB and the 2 MiB ingress payload.
  Bytes huge(5 * 1024 * 1024 + 1, 0);
  expect_refused(decode_request(huge, RequestType::kCall), 413, "request body");
  auto arg = call_content("call", Principal::anonymous(), kCanister, "m",
                          Bytes(2 * 1024 * 1024 + 1, 0), kExpiry);
  expect_refused(decode_request(body_of(arg), RequestType::kCall), 413, "content.arg");
}

TEST(RequestDecode, PathLimits) {
  std::vector<std::vector<Bytes>> many(1001, std::vector<Bytes>{to_bytes("time")});
  expect_refused(decode_request(body_of(read_state_content(Principal::anonymous(), many, kExpiry)),
                                RequestType::kReadState),
                 400, "1001 paths");
  std::vector<std::vector<Bytes>> deep{std::vector<Bytes>(128, to_bytes("a"))};
  expect_refused(decode_request(body_of(read_state_content(Principal::anonymous(), deep, kExpiry)),
                                RequestType::kReadState),
                 400, "128 labels");
  std::vector<std::vector<Bytes>> edge(1000, std::vector<Bytes>(127, to_bytes("a")));
  EXPECT_TRUE(decode_request(body_of(read_state_content(Principal::anonymous(), edge, kExpiry)),
                             RequestType::kReadState)
                  .ok());
}

TEST(RequestDecode, DelegationLimit) {
  cbor::Array dels;
  Value d = Value::map({{text("delegation"), Value::map({{text("pubkey"), Value::bytes(Bytes{1})},
                                                         {text("expiration"), Value::uint(1)}})},
                        {text("signature"), Value::bytes(Bytes{2})}});
  for (int i = 0; i < 21; ++i) dels.push_back(d);
  auto content = call_content("call", Principal::anonymous(), kCanister, "m", {}, kExpiry);
  expect_refused(decode_request(body_of(content, {{text("sender_delegation"), Value::array(dels)}}),
                                RequestType::kCall),
                 400, "21 delegations");
  dels.pop_back();
  auto ok = decode_request(body_of(content, {{text("sender_delegation"), Value::array(dels)}}),
                           RequestType::kCall);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->sender_delegation->size(), 20u);
  EXPECT_EQ(ok->sender_delegation->front().delegation_hash,
            *hash_of_map(*d.find("delegation")));
}

}  // namespace
}  // namespace chorus::http
