// SHA-224 and SHA-256 through OpenSSL. SHA-256 hashes request ids, hash trees and module hashes;
// SHA-224 derives self-authenticating principals.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace chorus {

using Sha256Digest = std::array<uint8_t, 32>;
using Sha224Digest = std::array<uint8_t, 28>;

// Incremental SHA-256: update() any number of times, then finish(), which also resets the hasher
// for reuse (reusing one hasher avoids allocating an OpenSSL context per hash).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(ByteView data);
  Sha256Digest finish();

 private:
  EVP_MD_CTX* ctx_;
};

Sha256Digest sha256(ByteView data);
Sha224Digest sha224(ByteView data);

}  // namespace chorus
