// Verifies a real IC mainnet certificate end to end: the delegation certificate's signature under
// the IC root key, then the certificate's signature under the subnet key that the delegation
// certifies. The certificate (a read_state response with a delegation) is the REAL_CERT test
// vector of Zondax's ledger-icp app; the root key is the IC mainnet root key that agent-js and
// agent-rs embed.
#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/bls12_381_signature.h"
#include "encoding/cbor.h"
#include "encoding/hash_tree.h"

namespace chorus::bls12_381 {
namespace {

constexpr std::string_view kCertificateHex =
    "d9d9f7a3647472656583018301820458200bbcc71092da3ce262b8154d398b9a6114bee87f1c0b72e16912757aa0"
    "23626a8301820458200628a8e00432e8657ad99c4d1bf167dd54ace9199609bfc5d57d89f48d97565f83024e7265"
    "71756573745f737461747573830258204ea057c46292fedb573d35319dd1ccab3fb5d6a2b106b785d1f7757cfa5a"
    "254283018302457265706c79820358b44449444c0b6b02bc8a0101c5fed201086c02efcee7800402e29fdcc80603"
    "6c01d880c6d007716b02d9e5b0980404fcdfd79a0f716c01c4d6b4ea0b056d066c01ffbb87a807076d716b04d1c4"
    "987c09a3f2efe6020a9a8597e6030ae3c581900f0a6c02fc91f4f80571c498b1b50d7d6c01fc91f4f80571010000"
    "02656e0001021e50726f647563652074686520666f6c6c6f77696e67206772656574696e6714746578743a202248"
    "656c6c6f2c20746f626921228302467374617475738203477265706c696564830182045820891af3e8982f1ac3d2"
    "95c29b9fdfedc52301c03fbd4979676c01059184060b0583024474696d65820349cbf7dd8ca1a2a7e21769736967"
    "6e6174757265583088078c6fe75f32594bf4e322b14d47e5c849cf24a370e3bab0cab5daffb7ab6a2c49de18b7f2"
    "d631893217d0c716cd656a64656c65676174696f6ea2697375626e65745f6964581d2c55b347ecf2686c83781d6c"
    "59d1b43e7b4cba8deb6c1b376107f2cd026b6365727469666963617465590294d9d9f7a264747265658301820458"
    "200b0d62dc7b9d7de735bb9a6393b59c9f32ff7c4d2aacdfc9e6ffc70e341fb6f783018301820458204468514ca4"
    "af8224c055c386e3f7b0bfe018c2d9cfd5837e427b43e1ab0934f98302467375626e657483018301830183018204"
    "58208739fbbedd3dedaa8fef41870367c0905bde376b63dd37e2b176fb08b582052f830182045820f8c3eae0377e"
    "e00859223bf1c6202f5885c4dcdc8fd13b1d48c3c838688919bc83018302581d2c55b347ecf2686c83781d6c59d1"
    "b43e7b4cba8deb6c1b376107f2cd02830183024f63616e69737465725f72616e67657382035832d9d9f782824a00"
    "0000000060000001014a00000000006000ae0101824a00000000006000b001014a00000000006fffff010183024a"
    "7075626c69635f6b657982035885308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c0503"
    "020103610090075120778eb21a530a02bcc763e7f4a192933506966af7b54c10a4d2b24de6a86b200e3440bae626"
    "7bf4c488d9a11d0472c38c1b6221198f98e4e6882ba38a5a4e3aa5afce899b7f825ed95adfa12629688073556f27"
    "47527213e8d73e40ce8204582036f3cd257d90fb38e42597f193a5e031dbd585b6292793bb04db4794803ce06e82"
    "045820028fc5e5f70868254e7215e7fc630dbd29eefc3619af17ce231909e1faf97e9582045820696179fceb777e"
    "aed283265dd690241999eb3ede594091748b24456160edc1278204582081398069f9684da260cfb002eac42211d0"
    "dbf22c62d49aee61617d62650e793183024474696d65820349a5948992aaa195e217697369676e61747572655830"
    "94e5f544a7681b0c2c3c5dbf97950c96fd837f2d19342f1050d94d3068371b0a95a5ee20c36c4395c2dbb4204f2b"
    "4742";

// The DER (SubjectPublicKeyInfo) prefix of IC BLS public keys, then the 96-byte G2 point.
constexpr std::string_view kDerPrefixHex =
    "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100";
constexpr std::string_view kMainnetRootKeyHex =
    "814c0e6ec71fab583b08bd81373c255c3c371b2e84863c98a4f1e08b74235d14fb5d9c0cd546d9685f913a0c0b2cc534"
    "1583bf4b4392e467db96d65b9bb4cb717112f8472e0d5a4d14505ffd7484b01291091c5f87b98883463f98091a0baaae";

struct Certificate {
  HashTree tree;
  Bytes signature;
  const cbor::Value* delegation;
};

Certificate parse_certificate(const cbor::Value& value) {
  const cbor::Value& map = value.without_self_describe();
  Result<HashTree> tree = HashTree::from_cbor(*map.find("tree"));
  EXPECT_TRUE(tree.ok());
  ByteView sig = *map.find("signature")->as_bytes("signature");
  return {*tree, Bytes(sig.begin(), sig.end()), map.find("delegation")};
}

// The message a certificate signs: domain separator "ic-state-root" with its length byte, then
// the tree's root digest (interface spec, "Certification").
Bytes state_root_message(const HashTree& tree) {
  Bytes msg = {0x0d};
  append(msg, as_bytes("ic-state-root"));
  append(msg, tree.digest());
  return msg;
}

TEST(Bls12381IcCertificate, MainnetCertificateWithDelegationVerifies) {
  Result<cbor::Value> outer = cbor::decode(*from_hex(kCertificateHex));
  ASSERT_TRUE(outer.ok()) << outer.error().message();
  Certificate cert = parse_certificate(*outer);
  EXPECT_EQ(to_hex(cert.tree.digest()),
            "bcedf2eab3980aedd4d0d9f2159efebd5597cbad5f49217e0c9686b93d30d503");
  ASSERT_NE(cert.delegation, nullptr);

  ByteView subnet_id = *cert.delegation->find("subnet_id")->as_bytes("subnet_id");
  ByteView inner_bytes = *cert.delegation->find("certificate")->as_bytes("certificate");
  Result<cbor::Value> inner = cbor::decode(inner_bytes);
  ASSERT_TRUE(inner.ok()) << inner.error().message();
  Certificate delegation = parse_certificate(*inner);
  EXPECT_EQ(to_hex(delegation.tree.digest()),
            "04a94256c02e83aab4f203cb0784340279d7902f9b09305c978be1746e19b742");

  // The delegation is signed by the root key.
  Bytes root_key = *from_hex(kMainnetRootKeyHex);
  Status root_ok = verify(delegation.signature, state_root_message(delegation.tree), root_key);
  EXPECT_TRUE(root_ok.ok()) << root_ok.error().message();

  // It certifies the subnet's key, which signs the certificate.
  Path path = {to_bytes("subnet"), Bytes(subnet_id.begin(), subnet_id.end()),
               to_bytes("public_key")};
  LookupResult der = lookup_path(delegation.tree, path);
  ASSERT_EQ(der.kind, LookupResult::Kind::kFound);
  Bytes prefix = *from_hex(kDerPrefixHex);
  ASSERT_EQ(der.value.size(), prefix.size() + kG2CompressedBytes);
  ASSERT_TRUE(bytes_equal(der.value.subspan(0, prefix.size()), prefix));
  ByteView subnet_key = der.value.subspan(prefix.size());
  Status subnet_ok = verify(cert.signature, state_root_message(cert.tree), subnet_key);
  EXPECT_TRUE(subnet_ok.ok()) << subnet_ok.error().message();

  // Neither key signs the other's tree, and a flipped message bit is refused.
  EXPECT_FALSE(verify(cert.signature, state_root_message(cert.tree), root_key).ok());
  EXPECT_FALSE(verify(delegation.signature, state_root_message(cert.tree), root_key).ok());
  Bytes tampered = state_root_message(cert.tree);
  tampered.back() ^= 1;
  EXPECT_FALSE(verify(cert.signature, tampered, subnet_key).ok());
}

}  // namespace
}  // namespace chorus::bls12_381
