#include "encoding/request_id.h"

#include <gtest/gtest.h>

#include "base/hex.h"

namespace chorus {
namespace {

using cbor::Value;

Value spec_example_content() {
  return Value::map({
      {Value::text("request_type"), Value::text("call")},
      {Value::text("sender"), Value::bytes(*from_hex("04"))},
      {Value::text("ingress_expiry"), Value::uint(1685570400000000000)},
      {Value::text("canister_id"), Value::bytes(*from_hex("00000000000004D2"))},
      {Value::text("method_name"), Value::text("hello")},
      {Value::text("arg"), Value::bytes(to_bytes(std::string_view("DIDL\x00\xFD*", 7)))},
  });
}

// The interface spec's example ("Request ids").
TEST(RequestId, SpecExample) {
  auto id = request_id(spec_example_content());
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(to_hex(*id), "1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101");
}

TEST(RequestId, IndependentOfEncoding) {
  // The same content through CBOR, behind the self-describe tag, and with the expiry as a bignum.
  Bytes wire = cbor::encode_self_described(spec_example_content());
  auto decoded = cbor::decode(wire);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(to_hex(*request_id(*decoded)),
            "1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101");

  cbor::Map fields = spec_example_content().map_value();
  for (auto& [k, v] : fields) {
    if (k.text_value() == "ingress_expiry") {
      v = Value::tag(2, Value::bytes(*from_hex("1764595927e9c000")));  // 1685570400000000000
    }
  }
  std::reverse(fields.begin(), fields.end());
  EXPECT_EQ(to_hex(*request_id(Value::map(fields))),
            "1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101");
}

TEST(RequestId, ArraysAndNestedMaps) {
  // read_state paths: arrays of arrays of blobs hash as hashes of concatenated element hashes.
  Value paths = Value::array({Value::array({Value::bytes(to_bytes(std::string_view("time")))})});
  Sha256Digest inner = sha256(sha256(as_bytes("time")));
  EXPECT_EQ(*representation_independent_hash(paths), sha256(inner));
  Value nested = Value::map({{Value::text("m"), Value::map({{Value::text("a"), Value::uint(1)}})}});
  Sha256Digest m = *hash_of_map(Value::map({{Value::text("a"), Value::uint(1)}}));
  Bytes pair;
  append(pair, sha256(as_bytes("m")));
  append(pair, m);
  EXPECT_EQ(*hash_of_map(nested), sha256(pair));
  // Negative integers use signed LEB128.
  EXPECT_EQ(*representation_independent_hash(Value::integer(-123456)), sha256(*from_hex("c0bb78")));
}

TEST(RequestId, RefusesUnhashableValues) {
  EXPECT_FALSE(hash_of_map(Value::text("x")).ok());
  EXPECT_FALSE(hash_of_map(Value::map({{Value::uint(1), Value::uint(1)}})).ok());
  auto f = hash_of_map(Value::map({{Value::text("f"), Value::floating(1.5)}}));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message(), "field 'f': float has no representation-independent hash");
  EXPECT_FALSE(representation_independent_hash(Value::tag(42, Value::uint(1))).ok());
}

}  // namespace
}  // namespace chorus
