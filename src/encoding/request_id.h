// The representation-independent hash of the interface spec ("Request ids"): the id of a request
// is hash_of_map(content). Computed from the decoded CBOR, so that it does not depend on how the
// client ordered or encoded its map.
#pragma once

#include "crypto/sha2.h"
#include "encoding/cbor.h"

namespace chorus {

using RequestId = Sha256Digest;

// The hash of one value: text, bytes, natural numbers (including tag-2 bignums), negative
// integers, arrays and maps with text keys. Floats, booleans, null and other tags have no
// representation-independent hash and are refused.
Result<Sha256Digest> representation_independent_hash(const cbor::Value& value);

// REQUIRES nothing: a value that is not a map with text keys is refused with an error.
Result<Sha256Digest> hash_of_map(const cbor::Value& map);

inline Result<RequestId> request_id(const cbor::Value& content) { return hash_of_map(content); }

}  // namespace chorus
