#include "encoding/request_id.h"

#include <algorithm>

#include "base/leb128.h"

namespace chorus {

using cbor::Type;
using cbor::Value;

Result<Sha256Digest> hash_of_map(const Value& value) {
  const Value& v = value.without_self_describe();
  if (!v.is(Type::kMap)) {
    return Error("hash_of_map needs a map, found " + std::string(cbor::type_name(v.type())));
  }
  std::vector<std::array<uint8_t, 64>> pairs;
  pairs.reserve(v.map_value().size());
  for (const auto& [key, field] : v.map_value()) {
    if (!key.is(Type::kText)) {
      return Error("map key is " + std::string(cbor::type_name(key.type())) +
                   "; request maps have text keys");
    }
    auto field_hash = representation_independent_hash(field);
    if (!field_hash) return field_hash.error().with_context("field '" + key.text_value() + "'");
    std::array<uint8_t, 64> pair;
    auto key_hash = sha256(as_bytes(key.text_value()));
    std::copy(key_hash.begin(), key_hash.end(), pair.begin());
    std::copy(field_hash->begin(), field_hash->end(), pair.begin() + 32);
    pairs.push_back(pair);
  }
  std::sort(pairs.begin(), pairs.end());
  Sha256 h;
  for (const auto& pair : pairs) h.update(pair);
  return h.finish();
}

Result<Sha256Digest> representation_independent_hash(const Value& value) {
  const Value& v = value.without_self_describe();
  switch (v.type()) {
    case Type::kBytes: return sha256(v.bytes_value());
    case Type::kText: return sha256(as_bytes(v.text_value()));
    case Type::kUnsigned: return sha256(uleb128(v.uint_value()));
    case Type::kNegative: {
      // The value is -1 - n; n + 1 can need 65 bits.
      uint64_t n = v.uint_value();
      BigInt magnitude = n == UINT64_MAX ? BigInt::from_limbs({0, 0, 1}, false)
                                         : BigInt::from_u64(n + 1);
      Bytes enc;
      append_sleb128(enc, magnitude.negated());
      return sha256(enc);
    }
    case Type::kArray: {
      Sha256 h;
      for (const Value& item : v.array_value()) {
        auto item_hash = representation_independent_hash(item);
        if (!item_hash) return item_hash.error();
        h.update(*item_hash);
      }
      return h.finish();
    }
    case Type::kMap: return hash_of_map(v);
    case Type::kTag:
      if (v.tag_number() == 2) {
        auto nat = v.as_nat("bignum");
        if (!nat) return nat.error();
        Bytes enc;
        append_uleb128(enc, *nat);
        return sha256(enc);
      }
      return Error("tag " + std::to_string(v.tag_number()) + " has no representation-independent hash");
    default:
      return Error(std::string(cbor::type_name(v.type())) +
                   " has no representation-independent hash");
  }
}

}  // namespace chorus
