#include "crypto/sha2.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace chorus {
namespace {

// Fetched once: an explicit fetch avoids OpenSSL 3's per-call implicit provider lookup. The
// pointers are immutable after initialization.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}
const EVP_MD* sha224_md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA224", nullptr);
  return md;
}

// A failure here means OpenSSL itself is broken (out of memory, no default provider); there is
// no meaningful way to continue hashing, so stop rather than return a wrong digest.
void require(int ok) {
  if (ok != 1) std::abort();
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  require(ctx_ != nullptr);
  require(EVP_DigestInit_ex2(ctx_, sha256_md(), nullptr));
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

Sha256& Sha256::update(ByteView data) {
  if (!data.empty()) require(EVP_DigestUpdate(ctx_, data.data(), data.size()));
  return *this;
}

Sha256Digest Sha256::finish() {
  Sha256Digest out;
  unsigned int len = 0;
  require(EVP_DigestFinal_ex(ctx_, out.data(), &len));
  require(EVP_DigestInit_ex2(ctx_, sha256_md(), nullptr));
  return out;
}

Sha256Digest sha256(ByteView data) {
  Sha256Digest out;
  unsigned int len = 0;
  require(EVP_Digest(data.data(), data.size(), out.data(), &len, sha256_md(), nullptr));
  return out;
}

Sha224Digest sha224(ByteView data) {
  Sha224Digest out;
  unsigned int len = 0;
  require(EVP_Digest(data.data(), data.size(), out.data(), &len, sha224_md(), nullptr));
  return out;
}

}  // namespace chorus
