// Validation with real signatures from our own keys: every scheme, delegation chains, expiry,
// wrong signatures and senders, effective canister ids, and conversion to state::Ingress.
#include "http/request_validation.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/leb128.h"
#include "crypto/certificate.h"
#include "crypto/sha2.h"
#include "encoding/candid_struct.h"
#include "encoding/hash_tree.h"
#include "http/request_test_util.h"

namespace chorus::http {
namespace {

using namespace testing;

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kNow = 1'700'000'000'000'000'000;
constexpr uint64_t kExpiry = kNow + 60 * kSecond;
const Principal kCanister = Principal::from_canister_index(7);
const Principal kOther = Principal::from_canister_index(8);

struct CanisterIdRecord {
  Principal canister_id;
  static constexpr char kCandidType[] = "record { canister_id : principal }";
  static Result<CanisterIdRecord> from_candid(const candid::RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(Principal id, r.get<Principal>("canister_id"));
    return CanisterIdRecord{id};
  }
  void to_candid(candid::RecordBuilder& b) const { b.add("canister_id", canister_id); }
};

HttpResult<ValidatedRequest> check(const Bytes& body, RequestType type, const Principal& ecid,
                                   uint64_t now = kNow, const ValidationOptions& options = {}) {
  auto env = decode_request(body, type);
  if (!env.ok()) return env.error();
  return validate(std::move(env).value(), ecid, now, ByteView(), options);
}

void expect_refused(const HttpResult<ValidatedRequest>& r, int status, std::string_view fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, status) << r.error().message;
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

cbor::Map call_from(const Signer& s, std::string type = "call", uint64_t expiry = kExpiry) {
  return call_content(std::move(type), Principal::self_authenticating(s.der), kCanister, "go",
                      Bytes{'D', 'I', 'D', 'L', 0, 0}, expiry);
}

class EverySchemeTest : public ::testing::TestWithParam<int> {
 protected:
  Signer signer() const {
    switch (GetParam()) {
      case 0: return ed25519_signer(1);
      case 1: return ecdsa_signer(EcdsaSigningKey::Curve::kP256, 2);
      default: return ecdsa_signer(EcdsaSigningKey::Curve::kSecp256k1, 3);
    }
  }
};

TEST_P(EverySchemeTest, SignedCallValidatesAndBecomesIngress) {
  Signer s = signer();
  auto content = call_from(s);
  auto r = check(signed_envelope(content, s), RequestType::kCall, kCanister);
  ASSERT_TRUE(r.ok()) << r.error().message;
  state::Ingress in = to_ingress(*r);
  RequestId id = *request_id(Value::map(content));
  EXPECT_EQ(in.message_id, Bytes(id.begin(), id.end()));
  EXPECT_EQ(in.source, Principal::self_authenticating(s.der));
  EXPECT_EQ(in.receiver, kCanister);
  EXPECT_EQ(in.method, "go");
  EXPECT_EQ(in.expiry, kExpiry);
  EXPECT_FALSE(in.effective_canister_id.has_value());
}

TEST_P(EverySchemeTest, SignedQueryAndReadStateValidate) {
  Signer s = signer();
  EXPECT_TRUE(check(signed_envelope(call_from(s, "query"), s), RequestType::kQuery, kCanister).ok());
  auto rs = read_state_content(Principal::self_authenticating(s.der), {{to_bytes("time")}}, kExpiry);
  EXPECT_TRUE(check(signed_envelope(rs, s), RequestType::kReadState, kCanister).ok());
}

TEST_P(EverySchemeTest, WrongSignatureIs403) {
  Signer s = signer();
  Bytes body = signed_envelope(call_from(s), s);
  // Sign a different content but send this one: decode, swap sender_sig.
  auto other = call_from(s);
  other[4].second = text("other");
  Bytes other_body = signed_envelope(other, s);
  auto env = *decode_request(body, RequestType::kCall);
  env.sender_sig = decode_request(other_body, RequestType::kCall)->sender_sig;
  expect_refused(validate(env, kCanister, kNow, ByteView()), 403, "invalid sender_sig");
  // A flipped bit in the signature itself.
  auto env2 = *decode_request(body, RequestType::kCall);
  (*env2.sender_sig)[10] ^= 1;
  expect_refused(validate(env2, kCanister, kNow, ByteView()), 403, "invalid sender_sig");
}

INSTANTIATE_TEST_SUITE_P(Schemes, EverySchemeTest, ::testing::Values(0, 1, 2));

TEST(RequestValidation, SignatureByAnotherKeyIs403) {
  Signer s = ed25519_signer(1), t = ed25519_signer(2);
  auto content = call_from(s);
  Value c = Value::map(content);
  RequestId id = *request_id(c);
  Bytes body = cbor::encode(Value::map(
      {{text("content"), c}, {text("sender_pubkey"), blob(s.der)},
       {text("sender_sig"), Value::bytes(t.sign(with_domain(kRequestDomain, id)))}}));
  expect_refused(check(body, RequestType::kCall, kCanister), 403, "invalid sender_sig");
}

TEST(RequestValidation, SignatureWithoutDomainSeparatorIs403) {
  Signer s = ed25519_signer(1);
  Value c = Value::map(call_from(s));
  RequestId id = *request_id(c);
  Bytes body = cbor::encode(Value::map({{text("content"), c}, {text("sender_pubkey"), blob(s.der)},
                                        {text("sender_sig"), Value::bytes(s.sign(id))}}));
  expect_refused(check(body, RequestType::kCall, kCanister), 403, "invalid sender_sig");
}

TEST(RequestValidation, WrongSenderIs403) {
  Signer s = ed25519_signer(1), t = ed25519_signer(2);
  auto content = call_content("call", Principal::self_authenticating(t.der), kCanister, "go", {},
                              kExpiry);
  expect_refused(check(signed_envelope(content, s), RequestType::kCall, kCanister), 403,
                 "is not the self-authenticating principal");
}

TEST(RequestValidation, AnonymousRules) {
  auto content = call_content("call", Principal::anonymous(), kCanister, "go", {}, kExpiry);
  EXPECT_TRUE(check(anonymous_envelope(content), RequestType::kCall, kCanister).ok());
  Signer s = ed25519_signer(1);
  expect_refused(check(signed_envelope(content, s), RequestType::kCall, kCanister), 400,
                 "anonymous request must not carry");
  // A non-anonymous sender without a signature.
  expect_refused(check(anonymous_envelope(call_from(s)), RequestType::kCall, kCanister), 400,
                 "needs sender_pubkey and sender_sig");
}

TEST(RequestValidation, IngressExpiryWindow) {
  Signer s = ed25519_signer(1);
  expect_refused(check(signed_envelope(call_from(s, "call", kNow - 1), s), RequestType::kCall,
                       kCanister),
                 400, "Invalid request expiry: ");
  uint64_t last = kNow + 330 * kSecond;
  EXPECT_TRUE(check(signed_envelope(call_from(s, "call", last), s), RequestType::kCall, kCanister).ok());
  EXPECT_TRUE(check(signed_envelope(call_from(s, "call", kNow), s), RequestType::kCall, kCanister).ok());
  expect_refused(check(signed_envelope(call_from(s, "call", last + 1), s), RequestType::kCall,
                       kCanister),
                 400, "Invalid request expiry: ");
  // Signed queries are held to the window too; anonymous queries and read_state are not.
  expect_refused(check(signed_envelope(call_from(s, "query", kNow - 1), s), RequestType::kQuery,
                       kCanister),
                 400, "Invalid request expiry");
  auto anon_query = call_content("query", Principal::anonymous(), kCanister, "go", {}, 1);
  EXPECT_TRUE(check(anonymous_envelope(anon_query), RequestType::kQuery, kCanister).ok());
  auto anon_call = call_content("call", Principal::anonymous(), kCanister, "go", {}, 1);
  expect_refused(check(anonymous_envelope(anon_call), RequestType::kCall, kCanister), 400,
                 "Invalid request expiry");
  // The window is configurable.
  ValidationOptions tight;
  tight.max_ingress_ttl_nanos = 10 * kSecond;
  tight.permitted_drift_nanos = 0;
  expect_refused(check(signed_envelope(call_from(s), s), RequestType::kCall, kCanister, kNow, tight),
                 400, "Invalid request expiry");
}

TEST(RequestValidation, EffectiveCanisterIdOfOrdinaryCanister) {
  Signer s = ed25519_signer(1);
  expect_refused(check(signed_envelope(call_from(s), s), RequestType::kCall, kOther), 400,
                 "was sent to the endpoint of canister");
  expect_refused(check(signed_envelope(call_from(s, "query"), s), RequestType::kQuery, kOther), 400,
                 "was sent to the endpoint of canister");
}

cbor::Map management_call(const Signer& s, std::string method, Bytes arg,
                          std::string type = "call") {
  return call_content(std::move(type), Principal::self_authenticating(s.der),
                      Principal::management_canister(), std::move(method), std::move(arg), kExpiry);
}

TEST(RequestValidation, EffectiveCanisterIdOfManagementCalls) {
  Signer s = ed25519_signer(1);
  Bytes arg = *candid::encode_arg(CanisterIdRecord{kCanister});
  auto ok = check(signed_envelope(management_call(s, "start_canister", arg), s), RequestType::kCall,
                  kCanister);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(to_ingress(*ok).effective_canister_id, kCanister);
  expect_refused(check(signed_envelope(management_call(s, "start_canister", arg), s),
                       RequestType::kCall, kOther),
                 400, "is about canister");
  expect_refused(check(signed_envelope(management_call(s, "start_canister", Bytes{1, 2}), s),
                       RequestType::kCall, kCanister),
                 400, "start_canister");
  // Methods only canisters may call.
  expect_refused(check(signed_envelope(management_call(s, "raw_rand", arg), s), RequestType::kCall,
                       kCanister),
                 400, "cannot be called by ingress");
  expect_refused(check(signed_envelope(management_call(s, "deposit_cycles", arg), s),
                       RequestType::kCall, kCanister),
                 400, "cannot be called by ingress");
  // Creation takes any effective canister id; provisional creation can be switched off.
  Bytes empty{'D', 'I', 'D', 'L', 0, 0};
  EXPECT_TRUE(check(signed_envelope(management_call(s, "provisional_create_canister_with_cycles",
                                                    empty), s),
                    RequestType::kCall, kOther)
                  .ok());
  ValidationOptions mainnet;
  mainnet.allow_provisional_create = false;
  expect_refused(check(signed_envelope(management_call(s, "provisional_create_canister_with_cycles",
                                                       empty), s),
                       RequestType::kCall, kOther, kNow, mainnet),
                 400, "not available");
  // Queries to the management canister: list_canisters takes any id, others arg.canister_id.
  EXPECT_TRUE(check(signed_envelope(management_call(s, "list_canisters", empty, "query"), s),
                    RequestType::kQuery, kOther)
                  .ok());
  EXPECT_TRUE(check(signed_envelope(management_call(s, "canister_status", arg, "query"), s),
                    RequestType::kQuery, kCanister)
                  .ok());
  expect_refused(check(signed_envelope(management_call(s, "canister_status", arg, "query"), s),
                       RequestType::kQuery, kOther),
                 400, "is about canister");
}

TEST(RequestValidation, DelegationChain) {
  Signer root = ed25519_signer(1);
  Signer mid = ecdsa_signer(EcdsaSigningKey::Curve::kP256, 5);
  Signer session = ecdsa_signer(EcdsaSigningKey::Curve::kSecp256k1, 6);
  auto content = call_from(root);
  std::vector<DelegationSpec> chain{{&mid, kNow + 3600 * kSecond, std::vector{kCanister, kOther}, {}},
                                    {&session, kNow + 60 * kSecond, std::vector{kCanister}, "all"}};
  auto r = check(signed_envelope(content, root, chain), RequestType::kCall, kCanister);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->targets, std::vector<Principal>{kCanister});
  EXPECT_EQ(to_ingress(*r).source, Principal::self_authenticating(root.der));

  // Signing the request with the outer key instead of the last delegated key fails.
  auto env = *decode_request(signed_envelope(content, root, chain), RequestType::kCall);
  env.sender_sig = decode_request(signed_envelope(content, root), RequestType::kCall)->sender_sig;
  expect_refused(validate(env, kCanister, kNow, ByteView()), 403, "invalid sender_sig");
}

TEST(RequestValidation, WebAuthnSenderAndDelegation) {
  // Internet Identity's shape: a WebAuthn device key delegates to a session key.
  Signer device = webauthn_ed25519_signer(9), session = ed25519_signer(10);
  auto direct = check(signed_envelope(call_from(device), device), RequestType::kCall, kCanister);
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  auto delegated = check(signed_envelope(call_from(device), device, {{&session, kExpiry, {}, {}}}),
                         RequestType::kCall, kCanister);
  ASSERT_TRUE(delegated.ok()) << delegated.error().message;
  // The assertion of another request does not sign this one.
  auto env = *decode_request(signed_envelope(call_from(device), device), RequestType::kCall);
  env.sender_sig = decode_request(signed_envelope(call_from(device, "call", kExpiry + 1), device),
                                  RequestType::kCall)
                       ->sender_sig;
  expect_refused(validate(env, kCanister, kNow, ByteView()), 403, "invalid sender_sig");
}

// A canister signer as Internet Identity is one: the canister certifies /sig/H(seed)/H(payload)
// as its certified data, in a certificate of the root subnet signed by |root|.
Signer canister_signer(const Principal& canister, const bls12_381::SecretKey& root) {
  Bytes raw{static_cast<uint8_t>(canister.size())};
  append(raw, canister.bytes());
  append(raw, to_bytes("user 10000"));
  Bytes seed = to_bytes("user 10000");
  Bytes der = PublicKey::from_raw(PublicKey::Kind::kCanisterSignature, raw)->to_der();
  return Signer{der, [canister, root, seed](ByteView payload) {
                  auto s = sha256(seed), m = sha256(payload);
                  LabeledTree sig;
                  sig.set("sig", LabeledTree().set(Bytes(s.begin(), s.end()),
                                                   LabeledTree().set(Bytes(m.begin(), m.end()),
                                                                     LabeledTree::leaf(Bytes{}))));
                  HashTree sig_tree = to_hash_tree(sig);
                  auto d = sig_tree.digest();
                  LabeledTree c;
                  c.set(Bytes(canister.bytes().begin(), canister.bytes().end()),
                        LabeledTree().set("certified_data", LabeledTree::leaf(Bytes(d.begin(), d.end()))));
                  LabeledTree state;
                  state.set("canister", std::move(c));
                  state.set("time", LabeledTree::leaf(uleb128(1)));
                  Certificate cert = sign_certificate(to_hash_tree(state), root);
                  return cbor::encode_self_described(
                      Value::map({{text("certificate"), Value::bytes(cert.encode())},
                                  {text("tree"), sig_tree.to_cbor()}}));
                }};
}

bls12_381::SecretKey root_secret(uint8_t b) {
  Bytes k(32, 0);
  k[0] = 0x11;
  k[31] = b;
  return *bls12_381::SecretKey::from_bytes(k);
}

Bytes public_key_bytes(const bls12_381::SecretKey& k) {
  auto pk = k.public_key();
  return Bytes(pk.begin(), pk.end());
}

TEST(RequestValidation, CanisterSignatureSenderAndSenderInfo) {
  auto root = root_secret(1);
  Bytes root_pk = public_key_bytes(root), other_pk = public_key_bytes(root_secret(2));
  const Principal ii = Principal::from_canister_index(150);
  Signer user = canister_signer(ii, root), session = ed25519_signer(4);
  auto content = call_from(user);
  Bytes body = signed_envelope(content, user, {{&session, kExpiry, {}, {}}});
  auto env = *decode_request(body, RequestType::kCall);
  auto ok = validate(env, kCanister, kNow, root_pk);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  expect_refused(validate(env, kCanister, kNow, other_pk), 403, "delegation 0: invalid signature");

  // sender_info signed by the same canister.
  Bytes info = to_bytes("caller info");
  Bytes info_sig = user.sign(with_domain(kSenderInfoDomain, info));
  auto with_info = [&](const Principal& signer, Bytes sig) {
    auto c = content;
    c.push_back({text("sender_info"), Value::map({{text("info"), Value::bytes(info)},
                                                  {text("signer"), Value::bytes(signer.bytes())},
                                                  {text("sig"), Value::bytes(std::move(sig))}})});
    return *decode_request(signed_envelope(c, user, {{&session, kExpiry, {}, {}}}),
                           RequestType::kCall);
  };
  auto good = validate(with_info(ii, info_sig), kCanister, kNow, root_pk);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->envelope.content.sender_info->info, info);
  expect_refused(validate(with_info(kOther, info_sig), kCanister, kNow, root_pk), 400,
                 "sender_info.signer");
  // A signature over the info without its domain separator.
  expect_refused(validate(with_info(ii, user.sign(info)), kCanister, kNow, root_pk), 403,
                 "invalid sender_info.sig");
}

TEST(RequestValidation, CanisterSignatureNeedsAValidCertificate) {
  // A canister-signature sender key whose "signature" is no certificate at all.
  Bytes raw{10};
  auto cid = Principal::from_canister_index(3);
  append(raw, cid.bytes());
  append(raw, to_bytes("seed"));
  Bytes der = PublicKey::from_raw(PublicKey::Kind::kCanisterSignature, raw)->to_der();
  Signer fake{der, [](ByteView) { return Bytes{0xd9, 0xd9, 0xf7, 0xa0}; }};
  expect_refused(check(signed_envelope(call_from(fake), fake), RequestType::kCall, kCanister), 403,
                 "invalid sender_sig");
}

TEST(RequestValidation, SenderInfoRules) {
  Signer s = ed25519_signer(1);
  auto content = call_from(s);
  content.push_back({text("sender_info"),
                     Value::map({{text("info"), Value::bytes(Bytes{1})},
                                 {text("signer"), Value::bytes(kCanister.bytes())},
                                 {text("sig"), Value::bytes(Bytes{2})}})});
  expect_refused(check(signed_envelope(content, s), RequestType::kCall, kCanister), 400,
                 "sender_info needs a canister-signature sender_pubkey");
}

TEST(RequestValidation, DelegationFailures) {
  Signer root = ed25519_signer(1), a = ed25519_signer(2), b = ed25519_signer(3);
  auto content = call_from(root);
  auto run = [&](std::vector<DelegationSpec> chain) {
    return check(signed_envelope(content, root, chain), RequestType::kCall, kCanister);
  };
  expect_refused(run({{&a, kNow - 1, {}, {}}}), 403, "expired");
  expect_refused(run({{&a, kExpiry, std::vector{kOther}, {}}}), 403, "not among the targets");
  // The intersection is empty although each delegation names kCanister or kOther.
  expect_refused(run({{&a, kExpiry, std::vector{kOther}, {}}, {&b, kExpiry, std::vector{kCanister}, {}}}),
                 403, "not among the targets");
  expect_refused(run({{&a, kExpiry, {}, {}}, {&root, kExpiry, {}, {}}}), 400, "appears earlier");
  expect_refused(run({{&root, kExpiry, {}, {}}}), 400, "appears earlier");
  expect_refused(run({{&a, kExpiry, {}, "queries"}}), 403, "restricts this sender to queries");
  expect_refused(run({{&a, kExpiry, {}, "everything"}}), 400, "unknown permissions");
  // "queries" still allows queries.
  EXPECT_TRUE(check(signed_envelope(call_from(root, "query"), root, {{&a, kExpiry, {}, "queries"}}),
                    RequestType::kQuery, kCanister)
                  .ok());
  // A delegation signed by the wrong key: b signs the first delegation instead of root.
  auto env = *decode_request(signed_envelope(content, root, {{&a, kExpiry, {}, {}}}),
                             RequestType::kCall);
  auto forged = *decode_request(signed_envelope(content, b, {{&a, kExpiry, {}, {}}}),
                                RequestType::kCall);
  env.sender_delegation = forged.sender_delegation;
  expect_refused(validate(env, kCanister, kNow, ByteView()), 403, "delegation 0: invalid signature");
}

// Writes the fuzz seeds when CHORUS_WRITE_REQUEST_SEEDS names a folder; always checks that the
// seeds it would write validate (so they reach deep into validate() under the fuzzer's kFuzzNow).
TEST(RequestValidation, FuzzSeedsValidate) {
  Signer e = ed25519_signer(1), p = ecdsa_signer(EcdsaSigningKey::Curve::kP256, 2);
  std::vector<std::pair<std::string, Bytes>> seeds{
      {"call_ed25519", signed_envelope(call_from(e), e)},
      {"query_p256", signed_envelope(call_from(p, "query"), p)},
      {"call_delegated", signed_envelope(call_from(e), e, {{&p, kExpiry, std::vector{kCanister}, "all"}})},
      {"read_state_anonymous",
       anonymous_envelope(read_state_content(Principal::anonymous(),
                                             {{to_bytes("request_status"), Bytes(32, 1)}}, kExpiry))},
      {"management_call", signed_envelope(management_call(e, "start_canister",
                                                          *candid::encode_arg(CanisterIdRecord{kCanister})), e)},
  };
  for (const auto& [name, body] : seeds) {
    RequestType type = name.starts_with("query") ? RequestType::kQuery
                       : name.starts_with("read") ? RequestType::kReadState
                                                  : RequestType::kCall;
    auto r = check(body, type, kCanister);
    EXPECT_TRUE(r.ok()) << name << ": " << r.error().message;
  }
  if (const char* dir = std::getenv("CHORUS_WRITE_REQUEST_SEEDS")) {
    std::filesystem::create_directories(dir);
    for (const auto& [name, body] : seeds) {
      std::ofstream(std::filesystem::path(dir) / name, std::ios::binary)
          .write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
    }
  }
}

}  // namespace
}  // namespace chorus::http
