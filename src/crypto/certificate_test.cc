#include "crypto/certificate.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "base/leb128.h"
#include "crypto/sha2.h"
#include "encoding/cbor.h"

namespace chorus {
namespace {

using cbor::Value;

bls12_381::SecretKey key_from(uint8_t seed) {
  Bytes b(32, 0);
  b[31] = seed;
  b[0] = 0x11;
  return *bls12_381::SecretKey::from_bytes(b);
}

Bytes public_key_of(const bls12_381::SecretKey& k) {
  auto pk = k.public_key();
  return Bytes(pk.begin(), pk.end());
}

Bytes der_of(const bls12_381::SecretKey& k) {
  return PublicKey::from_raw(PublicKey::Kind::kBls12381, public_key_of(k))->to_der();
}

Bytes ranges(std::initializer_list<std::pair<uint64_t, uint64_t>> rs) {
  cbor::Array a;
  for (auto [lo, hi] : rs) {
    a.push_back(Value::array({Value::bytes(Principal::from_canister_index(lo).bytes()),
                              Value::bytes(Principal::from_canister_index(hi).bytes())}));
  }
  return cbor::encode_self_described(Value::array(std::move(a)));
}

// A root key that delegates to a subnet key for canisters [100, 199]; the subnet certifies
// |subnet_tree|.
struct Delegated {
  bls12_381::SecretKey root = key_from(1);
  bls12_381::SecretKey subnet_key = key_from(2);
  Principal subnet = Principal::self_authenticating(as_bytes("subnet"));

  Certificate certify(HashTree subnet_tree, bool sharded = false, std::string type = "application") {
    LabeledTree s;
    s.set("public_key", LabeledTree::leaf(der_of(subnet_key)));
    s.set("type", LabeledTree::leaf(type));
    if (!sharded) s.set("canister_ranges", LabeledTree::leaf(ranges({{100, 199}})));
    LabeledTree subnets;
    subnets.set(Bytes(subnet.bytes().begin(), subnet.bytes().end()), std::move(s));
    LabeledTree root_tree;
    root_tree.set("subnet", std::move(subnets));
    root_tree.set("time", LabeledTree::leaf(uleb128(1)));
    if (sharded) {
      LabeledTree shards;
      Principal first = Principal::from_canister_index(100);
      shards.set(Bytes(first.bytes().begin(), first.bytes().end()),
                 LabeledTree::leaf(ranges({{100, 199}})));
      LabeledTree by_subnet;
      by_subnet.set(Bytes(subnet.bytes().begin(), subnet.bytes().end()), std::move(shards));
      root_tree.set("canister_ranges", std::move(by_subnet));
    }
    Certificate delegation = sign_certificate(to_hash_tree(root_tree), root);
    Certificate c = sign_certificate(std::move(subnet_tree), subnet_key);
    c.delegation = Certificate::Delegation{subnet, delegation.encode()};
    return c;
  }
};

TEST(Certificate, SignVerifyEncode) {
  auto root = key_from(1);
  LabeledTree t;
  t.set("time", LabeledTree::leaf(uleb128(1700000000000000000ull)));
  Certificate c = sign_certificate(to_hash_tree(t), root);
  EXPECT_TRUE(verify_certificate(c, public_key_of(root)).ok());
  auto decoded = Certificate::decode(c.encode());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_TRUE(verify_certificate(*decoded, public_key_of(root)).ok());
  EXPECT_FALSE(verify_certificate(c, public_key_of(key_from(3))).ok());
  Certificate tampered = c;
  t.set("time", LabeledTree::leaf(uleb128(1700000000000000001ull)));
  tampered.tree = to_hash_tree(t);
  EXPECT_FALSE(verify_certificate(tampered, public_key_of(root)).ok());
  EXPECT_EQ(to_hex(state_root_message(c.tree)).substr(0, 28), "0d69632d73746174652d726f6f74");
}

TEST(Certificate, Delegation) {
  Delegated d;
  Certificate c = d.certify(to_hash_tree(LabeledTree().set("time", LabeledTree::leaf(uleb128(5)))));
  Bytes root_pk = public_key_of(d.root);
  EXPECT_TRUE(verify_certificate(c, root_pk).ok());
  EXPECT_TRUE(verify_certificate(c, root_pk, Principal::from_canister_index(150)).ok());
  auto outside = verify_certificate(c, root_pk, Principal::from_canister_index(200));
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.error().message().find("not authorized"), std::string::npos);
  // The sharded range format.
  Certificate s = d.certify(to_hash_tree(LabeledTree().set("time", LabeledTree::leaf(uleb128(5)))), true);
  EXPECT_TRUE(verify_certificate(s, root_pk, Principal::from_canister_index(199)).ok());
  EXPECT_FALSE(verify_certificate(s, root_pk, Principal::from_canister_index(99)).ok());
  // A delegation not signed by the root key.
  Delegated wrong;
  wrong.root = key_from(9);
  EXPECT_FALSE(verify_certificate(wrong.certify(c.tree), root_pk).ok());
  // A delegation with a delegation of its own.
  Certificate nested = c;
  Certificate inner = *Certificate::decode(c.delegation->certificate);
  inner.delegation = c.delegation;
  nested.delegation->certificate = inner.encode();
  auto r = verify_certificate(nested, root_pk);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("of its own"), std::string::npos);
}

TEST(Certificate, DecodeRefusesMalformed) {
  EXPECT_FALSE(Certificate::decode(Bytes{0xa0}).ok());
  EXPECT_FALSE(Certificate::decode(cbor::encode(Value::map({{Value::text("tree"), Value::uint(1)},
                                                             {Value::text("signature"), Value::bytes(Bytes{})}}))).ok());
  EXPECT_FALSE(Certificate::decode(Bytes{0x01, 0x02}).ok());
}

// A canister signature made the way Internet Identity makes them: the canister certifies a tree
// /sig/H(seed)/H(payload) = "" as its certified data.
struct CanisterSigner {
  Principal canister = Principal::from_canister_index(150);
  Bytes seed = to_bytes(std::string_view("user 10000"));

  PublicKey key() const {
    Bytes raw = {static_cast<uint8_t>(canister.size())};
    append(raw, canister.bytes());
    append(raw, seed);
    return *PublicKey::from_raw(PublicKey::Kind::kCanisterSignature, raw);
  }
  HashTree sig_tree(ByteView payload) const {
    auto s = sha256(seed), m = sha256(payload);
    LabeledTree t;
    t.set("sig", LabeledTree().set(Bytes(s.begin(), s.end()),
                                   LabeledTree().set(Bytes(m.begin(), m.end()), LabeledTree::leaf(Bytes{}))));
    return to_hash_tree(t);
  }
  HashTree state_tree(const HashTree& certified) const {
    LabeledTree c;
    c.set(Bytes(canister.bytes().begin(), canister.bytes().end()),
          LabeledTree().set("certified_data", LabeledTree::leaf(Bytes(certified.digest().begin(), certified.digest().end()))));
    LabeledTree t;
    t.set("canister", std::move(c));
    t.set("time", LabeledTree::leaf(uleb128(1)));
    return to_hash_tree(t);
  }
  static Bytes signature(const Certificate& cert, const HashTree& tree) {
    return cbor::encode_self_described(Value::map({{Value::text("certificate"), Value::bytes(cert.encode())},
                                                   {Value::text("tree"), tree.to_cbor()}}));
  }
};

TEST(CanisterSignature, RootSubnetAndDelegated) {
  CanisterSigner signer;
  Bytes payload = to_bytes(std::string_view("\x1Aic-request-auth-delegation" "xyz"));
  HashTree sig_tree = signer.sig_tree(payload);
  auto root = key_from(1);
  Certificate cert = sign_certificate(signer.state_tree(sig_tree), root);
  Bytes sig = CanisterSigner::signature(cert, sig_tree);
  EXPECT_TRUE(verify_canister_signature(signer.key(), payload, sig, public_key_of(root)).ok());

  Bytes other = payload;
  other.back() ^= 1;
  auto wrong = verify_canister_signature(signer.key(), other, sig, public_key_of(root));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("did not sign this payload"), std::string::npos);
  CanisterSigner other_seed = signer;
  other_seed.seed = to_bytes(std::string_view("user 10001"));
  EXPECT_FALSE(verify_canister_signature(other_seed.key(), payload, sig, public_key_of(root)).ok());
  EXPECT_FALSE(verify_canister_signature(signer.key(), payload, sig, public_key_of(key_from(4))).ok());

  Delegated d;
  Certificate delegated = d.certify(signer.state_tree(sig_tree));
  Bytes dsig = CanisterSigner::signature(delegated, sig_tree);
  EXPECT_TRUE(verify_canister_signature(signer.key(), payload, dsig, public_key_of(d.root)).ok());
  Certificate cloud = d.certify(signer.state_tree(sig_tree), false, "cloud_engine");
  auto ce = verify_canister_signature(signer.key(), payload, CanisterSigner::signature(cloud, sig_tree),
                                      public_key_of(d.root));
  ASSERT_FALSE(ce.ok());
  EXPECT_NE(ce.error().message().find("cloud_engine"), std::string::npos);
  CanisterSigner outside = signer;
  outside.canister = Principal::from_canister_index(250);
  Certificate out_cert = d.certify(outside.state_tree(outside.sig_tree(payload)));
  EXPECT_FALSE(verify_canister_signature(outside.key(), payload,
                                         CanisterSigner::signature(out_cert, outside.sig_tree(payload)),
                                         public_key_of(d.root)).ok());
}

}  // namespace
}  // namespace chorus
