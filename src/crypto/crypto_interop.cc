// Test support for cross-checks with other implementations (tests/crypto_crosscheck.test.mjs):
//   crypto_interop sign SCHEME SECRET_HEX MESSAGE_HEX  ->  "DER_PUBLIC_KEY_HEX SIGNATURE_HEX"
//   crypto_interop verify DER_HEX MESSAGE_HEX SIGNATURE_HEX  ->  exit 0 when valid, 1 when not
// SCHEME is ed25519, p256 or secp256k1.
#include <cstdio>
#include <string>

#include "base/hex.h"
#include "crypto/signing_key.h"

int main(int argc, char** argv) {
  using namespace chorus;
  if (argc != 5) {
    std::fprintf(stderr, "usage: crypto_interop sign SCHEME SECRET MSG | verify DER MSG SIG\n");
    return 2;
  }
  std::string cmd = argv[1];
  auto a = from_hex(argv[3]);
  auto msg = from_hex(argv[4]);
  if (!a || !msg) return 2;
  if (cmd == "sign") {
    std::string scheme = argv[2];
    Result<Bytes> der = Error("unknown scheme " + scheme);
    Bytes sig;
    if (scheme == "ed25519") {
      auto key = Ed25519SigningKey::from_seed(*a);
      if (!key) return 2;
      der = key->public_key().to_der();
      sig = key->sign(*msg);
    } else if (scheme == "p256" || scheme == "secp256k1") {
      auto curve = scheme == "p256" ? EcdsaSigningKey::Curve::kP256 : EcdsaSigningKey::Curve::kSecp256k1;
      auto key = EcdsaSigningKey::from_secret(curve, *a);
      if (!key) return 2;
      der = key->public_key().to_der();
      sig = key->sign(*msg);
    }
    if (!der) {
      std::fprintf(stderr, "%s\n", der.error().message().c_str());
      return 2;
    }
    std::printf("%s %s\n", to_hex(*der).c_str(), to_hex(sig).c_str());
    return 0;
  }
  if (cmd == "verify") {
    auto der = from_hex(argv[2]);
    if (!der) return 2;
    auto key = PublicKey::from_der(*der);
    if (!key) {
      std::printf("%s\n", key.error().message().c_str());
      return 1;
    }
    auto ok = verify_basic_signature(*key, /*message=*/ *a, /*signature=*/ *msg);
    std::printf("%s\n", ok.ok() ? "valid" : ok.error().message().c_str());
    return ok.ok() ? 0 : 1;
  }
  return 2;
}
