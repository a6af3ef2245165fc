#include "http/read_state.h"

#include <gtest/gtest.h>

#include "crypto/bls12_381_scalar.h"
#include "crypto/certificate.h"
#include "crypto/threshold_bls.h"
#include "state/state_tree.h"
#include "state/state_tree_test_util.h"

namespace chorus::http {
namespace {

using state::IngressStatus;

Bytes b(std::string_view s) { return to_bytes(s); }
Bytes b(const Principal& p) { return Bytes(p.bytes().begin(), p.bytes().end()); }

const Principal kUser = Principal::self_authenticating(as_bytes("user key"));
const Principal kOther = Principal::self_authenticating(as_bytes("other key"));
const Principal kCanister = Principal::from_canister_index(1);
const Principal kSecond = Principal::from_canister_index(2);
const Principal kFar = Principal::from_canister_index(uint64_t{1} << 21);  // outside the ranges

// A subnet whose key comes from a 1-of-1 threshold deal, a state with two canisters and three
// calls, its tree and the subnet's signature of the tree.
struct Subnet {
  bls12_381::PublicKey public_key{};
  state::SubnetTopology topology;
  state::ReplicatedState st;
  HashTree tree;
  Bytes signature;
  Bytes mine = Bytes(32, 0x11), others = Bytes(32, 0x22), management = Bytes(32, 0x33);

  Subnet() {
    bls12_381::SeededRandom rng(as_bytes("read_state test subnet"));
    auto dealt = threshold::deal(1, 1, rng);
    EXPECT_TRUE(dealt.ok());
    public_key = dealt->public_coefficients.group_public_key();
    Bytes der = PublicKey::from_raw(PublicKey::Kind::kBls12381, public_key)->to_der();
    topology = state::testing::topology(der);
    st.metadata.time_nanos = 1'700'000'000'000'000'000;
    state::CanisterState& c = state::testing::add_canister(st, 1, {kUser});
    c.certified_data = b("certified");
    state::testing::install(c, state::testing::wasm_with_sections(
                                   {{"icp:public candid:service", "service : {}"},
                                    {"icp:private secret", "s3cr3t"}}));
    state::testing::add_canister(st, 2, {kOther});
    st.ingress_history[mine] = state::testing::status(IngressStatus::kReplied, kCanister, kUser);
    st.ingress_history[others] = state::testing::status(IngressStatus::kReplied, kCanister, kOther);
    st.ingress_history[management] =
        state::testing::status(IngressStatus::kReplied, Principal::management_canister(), kUser);
    tree = state::build_state_tree(st, topology);
    // The subnet signs with its share; with a 1-of-1 deal that is the group signature, the same
    // as sign_certificate under the group secret.
    threshold::SignatureShare share = threshold::sign_share(dealt->shares[0], state_root_message(tree));
    auto sig = threshold::combine_signatures(std::span(&share, 1), 1);
    EXPECT_TRUE(sig.ok());
    signature.assign(sig->begin(), sig->end());
    auto secret = bls12_381::SecretKey::from_scalar(dealt->shares[0].value.to_scalar());
    EXPECT_TRUE(secret.ok());
    EXPECT_EQ(sign_certificate(tree, *secret).signature, signature);
  }

  ReadStateScope canister_scope(const Principal& ecid = kCanister) const {
    return ReadStateScope{false, ecid, 3, topology.subnet_id};
  }
  ReadStateScope subnet_scope() const {
    return ReadStateScope{true, topology.subnet_id, 3, topology.subnet_id};
  }

  HttpResult<Bytes> read(const Principal& sender, std::vector<Path> paths, const ReadStateScope& scope,
                         std::optional<std::vector<Principal>> targets = std::nullopt) const {
    ValidatedRequest r;
    r.envelope.content.type = RequestType::kReadState;
    r.envelope.content.sender = sender;
    r.envelope.content.paths = std::move(paths);
    r.effective_canister_id = scope.effective_id;
    r.targets = std::move(targets);
    return answer_read_state(r, scope, st, tree, signature);
  }
};

// The certificate of a response body, checked to verify under the subnet's (root) key.
Certificate certificate_of(const Subnet& s, const HttpResult<Bytes>& body) {
  EXPECT_TRUE(body.ok()) << body.error().message;
  if (!body.ok()) return {};
  auto v = cbor::decode(*body);
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v->type(), cbor::Type::kTag);  // self-described
  const cbor::Value& m = v->without_self_describe();
  EXPECT_EQ(m.map_value().size(), 1u);
  const cbor::Value* field = m.find("certificate");
  EXPECT_NE(field, nullptr);
  if (field == nullptr) return {};
  auto cert = Certificate::decode(*field->as_bytes("certificate"));
  EXPECT_TRUE(cert.ok()) << cert.error().message();
  Status verified = verify_certificate(*cert, s.public_key);
  EXPECT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_EQ(cert->tree.digest(), s.tree.digest());
  EXPECT_EQ(lookup_path(cert->tree, {"time"}).kind, LookupResult::Kind::kFound);  // always
  return *cert;
}

LookupResult::Kind kind_at(const Certificate& c, const Path& p) { return lookup_path(c.tree, p).kind; }

TEST(ReadState, OwnRequestStatusIsCertified) {
  Subnet s;
  Certificate c = certificate_of(s, s.read(kUser, {{b("request_status"), s.mine}}, s.canister_scope()));
  LookupResult status = lookup_path(c.tree, Path{b("request_status"), s.mine, b("status")});
  ASSERT_EQ(status.kind, LookupResult::Kind::kFound);
  EXPECT_EQ(as_chars(status.value), "replied");
  EXPECT_EQ(kind_at(c, {b("request_status"), s.mine, b("reply")}), LookupResult::Kind::kFound);
  // The other calls are pruned away, not revealed.
  EXPECT_EQ(kind_at(c, {b("request_status"), s.others, b("status")}), LookupResult::Kind::kUnknown);
  EXPECT_EQ(kind_at(c, {b("canister"), b(kCanister), b("certified_data")}), LookupResult::Kind::kUnknown);
  // One path below the status works as well.
  certificate_of(s, s.read(kUser, {{b("request_status"), s.mine, b("status")}, {b("time")}},
                           s.canister_scope()));
}

TEST(ReadState, RequestStatusRules) {
  Subnet s;
  // Another sender's call.
  auto r = s.read(kUser, {{b("request_status"), s.others}}, s.canister_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kForbidden);
  EXPECT_NE(r.error().message.find("sender"), std::string::npos) << r.error().message;
  // An unknown request id may be asked by anyone: the certificate proves it absent.
  Bytes unknown(32, 0x15);
  Certificate c = certificate_of(s, s.read(kOther, {{b("request_status"), unknown}}, s.canister_scope()));
  EXPECT_EQ(kind_at(c, {b("request_status"), unknown, b("status")}), LookupResult::Kind::kAbsent);
  // Two request ids in one request.
  r = s.read(kUser, {{b("request_status"), s.mine}, {b("request_status"), unknown}}, s.canister_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kBadRequest);
  // The delegations must target the call's canister.
  r = s.read(kUser, {{b("request_status"), s.mine}}, s.canister_scope(),
             std::vector<Principal>{kSecond});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kForbidden);
  certificate_of(s, s.read(kUser, {{b("request_status"), s.mine}}, s.canister_scope(),
                           std::vector<Principal>{kSecond, kCanister}));
  // The effective canister id must be the call's.
  r = s.read(kUser, {{b("request_status"), s.mine}}, s.canister_scope(kSecond));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kForbidden);
  // A call to the management canister does not record its effective canister id: any will do.
  certificate_of(s, s.read(kUser, {{b("request_status"), s.management}}, s.canister_scope(kSecond)));
  // At the subnet endpoint only subnet-wide calls (to the management canister).
  r = s.read(kUser, {{b("request_status"), s.mine}}, s.subnet_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kForbidden);
  certificate_of(s, s.read(kUser, {{b("request_status"), s.management}}, s.subnet_scope()));
  // Fields that do not exist.
  r = s.read(kUser, {{b("request_status"), s.mine, b("result")}}, s.canister_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kNotFound);
}

TEST(ReadState, CanisterPaths) {
  Subnet s;
  Certificate c = certificate_of(s, s.read(kOther, {{b("canister"), b(kCanister), b("module_hash")},
                                                    {b("canister"), b(kCanister), b("controllers")},
                                                    {b("canister"), b(kCanister), b("metadata"), b("candid:service")}},
                                           s.canister_scope()));
  EXPECT_EQ(kind_at(c, {b("canister"), b(kCanister), b("module_hash")}), LookupResult::Kind::kFound);
  EXPECT_EQ(kind_at(c, {b("canister"), b(kCanister), b("controllers")}), LookupResult::Kind::kFound);
  EXPECT_EQ(as_chars(lookup_path(c.tree, Path{b("canister"), b(kCanister), b("metadata"), b("candid:service")}).value),
            "service : {}");
  // Certified data is not for read_state, even though it is in the tree.
  EXPECT_EQ(kind_at(c, {b("canister"), b(kCanister), b("certified_data")}), LookupResult::Kind::kUnknown);
  auto r = s.read(kUser, {{b("canister"), b(kCanister), b("certified_data")}}, s.canister_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kBadRequest);
  // Only the effective canister, and only at a canister endpoint.
  r = s.read(kUser, {{b("canister"), b(kSecond), b("controllers")}}, s.canister_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kBadRequest);
  r = s.read(kUser, {{b("canister"), b(kCanister), b("controllers")}}, s.subnet_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kBadRequest);
  // Private metadata: controllers only.
  Path secret = {b("canister"), b(kCanister), b("metadata"), b("secret")};
  r = s.read(kOther, {secret}, s.canister_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kForbidden);
  c = certificate_of(s, s.read(kUser, {secret}, s.canister_scope()));
  EXPECT_EQ(as_chars(lookup_path(c.tree, secret).value), "s3cr3t");
  // A section the module does not have is proven absent to anyone; names must be UTF-8.
  Path none = {b("canister"), b(kCanister), b("metadata"), b("none")};
  c = certificate_of(s, s.read(kOther, {none}, s.canister_scope()));
  EXPECT_EQ(kind_at(c, none), LookupResult::Kind::kAbsent);
  r = s.read(kUser, {{b("canister"), b(kCanister), b("metadata"), Bytes{0xff, 0xfe}}}, s.canister_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kBadRequest);
  // An empty canister has no module hash.
  c = certificate_of(s, s.read(kOther, {{b("canister"), b(kSecond), b("module_hash")}}, s.canister_scope(kSecond)));
  EXPECT_EQ(kind_at(c, {b("canister"), b(kSecond), b("module_hash")}), LookupResult::Kind::kAbsent);
}

TEST(ReadState, PathsOutsideTheSpecAreNotFound) {
  Subnet s;
  for (const Path& p : std::vector<Path>{{},
                                         {b("foo")},
                                         {b("time"), b("x")},
                                         {b("canister"), b(kCanister)},
                                         {b("canister"), b(kCanister), b("balance")},
                                         {b("subnet"), b(s.topology.subnet_id), b("bogus")},
                                         {b("subnet"), b(s.topology.subnet_id), b("node"), b("x"), b("y")},
                                         {b("api_boundary_nodes"), b("x"), b("port")}}) {
    auto r = s.read(kUser, {p}, s.canister_scope());
    ASSERT_FALSE(r.ok()) << p.size();
    EXPECT_EQ(r.error().http_status, kNotFound) << r.error().message;
  }
  certificate_of(s, s.read(kUser, {{b("api_boundary_nodes")}}, s.canister_scope()));
}

TEST(ReadState, SubnetPaths) {
  Subnet s;
  Bytes sid = b(s.topology.subnet_id);
  Bytes node = b(s.topology.node_public_keys[0].first);
  // What @dfinity/agent asks for to verify query signatures: /subnet at the canister endpoint.
  Certificate c = certificate_of(s, s.read(kUser, {{b("subnet")}}, s.canister_scope()));
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("public_key")}), LookupResult::Kind::kFound);
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("type")}), LookupResult::Kind::kFound);
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("canister_ranges")}), LookupResult::Kind::kFound);  // root
  EXPECT_EQ(lookup_path(c.tree, Path{b("subnet"), sid, b("node"), node, b("public_key")}).kind,
            LookupResult::Kind::kFound);
  // A canister outside the subnet's ranges sees no node keys.
  c = certificate_of(s, s.read(kUser, {{b("subnet")}}, s.canister_scope(kFar)));
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("public_key")}), LookupResult::Kind::kFound);
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("node"), node, b("public_key")}), LookupResult::Kind::kUnknown);
  // At the subnet's own endpoint it does.
  c = certificate_of(s, s.read(kUser, {{b("subnet"), sid, b("node")}}, s.subnet_scope()));
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("node"), node, b("public_key")}), LookupResult::Kind::kFound);
  // A subnet that is not the root: its flat ranges only at v2.
  ReadStateScope v3 = s.canister_scope();
  v3.root_subnet_id = Principal::self_authenticating(as_bytes("another root"));
  auto r = s.read(kUser, {{b("subnet"), sid, b("canister_ranges")}}, v3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kBadRequest);
  c = certificate_of(s, s.read(kUser, {{b("subnet")}}, v3));
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("canister_ranges")}), LookupResult::Kind::kUnknown);
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("public_key")}), LookupResult::Kind::kFound);
  ReadStateScope v2 = v3;
  v2.api_version = 2;
  c = certificate_of(s, s.read(kUser, {{b("subnet"), sid, b("canister_ranges")}}, v2));
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("canister_ranges")}), LookupResult::Kind::kFound);
  // Metrics only at the subnet's endpoint (this subnet certifies none: absent).
  r = s.read(kUser, {{b("subnet"), sid, b("metrics")}}, s.canister_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kBadRequest);
  c = certificate_of(s, s.read(kUser, {{b("subnet"), sid, b("metrics")}}, s.subnet_scope()));
  EXPECT_EQ(kind_at(c, {b("subnet"), sid, b("metrics")}), LookupResult::Kind::kAbsent);
  // An unknown subnet is proven absent.
  Bytes other = b(Principal::self_authenticating(as_bytes("unknown subnet")));
  c = certificate_of(s, s.read(kUser, {{b("subnet"), other}}, s.canister_scope()));
  EXPECT_EQ(kind_at(c, {b("subnet"), other, b("public_key")}), LookupResult::Kind::kAbsent);
}

TEST(ReadState, ShardedCanisterRanges) {
  Subnet s;
  Bytes sid = b(s.topology.subnet_id);
  auto r = s.read(kUser, {{b("canister_ranges"), sid}}, s.canister_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kBadRequest);
  Certificate c = certificate_of(s, s.read(kUser, {{b("canister_ranges"), sid}}, s.subnet_scope()));
  EXPECT_EQ(kind_at(c, {b("canister_ranges"), sid, b(Principal::from_canister_index(0))}),
            LookupResult::Kind::kFound);
  r = s.read(kUser, {{b("canister_ranges"), sid}, {b("canister_ranges"), b("other")}}, s.subnet_scope());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, kBadRequest);
}

TEST(ReadState, CertificateForPathsKeepsTheRootAndTheTime) {
  Subnet s;
  Path p[] = {{b("request_status"), s.mine}};
  auto cert = Certificate::decode(certificate_for_paths(s.tree, s.signature, p));
  ASSERT_TRUE(cert.ok());
  EXPECT_TRUE(verify_certificate(*cert, s.public_key).ok());
  EXPECT_EQ(kind_at(*cert, {b("time")}), LookupResult::Kind::kFound);
  // Under another key, or with the tree changed, it does not verify.
  bls12_381::PublicKey other = s.public_key;
  bls12_381::SeededRandom rng(as_bytes("another subnet"));
  other = threshold::deal(1, 1, rng)->public_coefficients.group_public_key();
  EXPECT_FALSE(verify_certificate(*cert, other).ok());
  cert->tree = prune(s.tree, std::vector<Path>{{b("time")}});
  EXPECT_TRUE(verify_certificate(*cert, s.public_key).ok());  // same root
  state::ReplicatedState changed = s.st;
  changed.metadata.time_nanos += 1;
  cert->tree = state::build_state_tree(changed, s.topology);
  EXPECT_FALSE(verify_certificate(*cert, s.public_key).ok());
}

}  // namespace
}  // namespace chorus::http
