// Internal to src/crypto: RAII for the OpenSSL and libsecp256k1 objects the signature code uses.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <secp256k1.h>

#include <memory>

namespace chorus::internal {

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
// Big numbers may hold secrets (keys, nonces): cleared before they are freed.
struct BnFree { void operator()(BIGNUM* p) const { BN_clear_free(p); } };
struct SigFree { void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); } };
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using Sig = std::unique_ptr<ECDSA_SIG, SigFree>;

// One libsecp256k1 context for verification and signing; created once and then only read, which
// the library allows from any thread.
const secp256k1_context* secp256k1_ctx();

}  // namespace chorus::internal
