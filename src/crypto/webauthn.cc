#include "crypto/webauthn.h"

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "crypto/sha2.h"
#include "crypto/signature_primitives.h"
#include "encoding/cbor.h"

namespace chorus {
namespace {

// COSE labels and values (RFC 8152 §7.1, §13; RFC 8230 for RSA).
constexpr int64_t kLabelKty = 1;
constexpr int64_t kLabelAlg = 3;
constexpr int64_t kLabelCrvOrN = -1;
constexpr int64_t kLabelXOrE = -2;
constexpr int64_t kLabelY = -3;
constexpr int64_t kKtyOkp = 1;
constexpr int64_t kKtyEc2 = 2;
constexpr int64_t kKtyRsa = 3;
constexpr int64_t kAlgEs256 = -7;
constexpr int64_t kAlgEdDsa = -8;
constexpr int64_t kAlgRs256 = -257;
constexpr int64_t kCrvP256 = 1;
constexpr int64_t kCrvEd25519 = 6;

// COSE keys are small; anything larger is not a key.
constexpr size_t kMaxCoseKeyBytes = 2048;
constexpr size_t kMaxSignatureBytes = 64 * 1024;

const cbor::Value* find_int(const cbor::Value& map, int64_t label) {
  for (const auto& [k, v] : map.map_value()) {
    if (k == cbor::Value::integer(label)) return &v;
  }
  return nullptr;
}

Result<int64_t> int_field(const cbor::Value& map, int64_t label, const char* name) {
  const cbor::Value* v = find_int(map, label);
  if (v == nullptr) return Error(std::string("COSE key has no ") + name);
  if (v->is(cbor::Type::kUnsigned) && v->uint_value() <= INT64_MAX) {
    return static_cast<int64_t>(v->uint_value());
  }
  if (v->is(cbor::Type::kNegative) && v->uint_value() < INT64_MAX) {
    return -1 - static_cast<int64_t>(v->uint_value());
  }
  return Error(std::string("COSE key ") + name + " is not a small integer");
}

Result<Bytes> bytes_field(const cbor::Value& map, int64_t label, const char* name) {
  const cbor::Value* v = find_int(map, label);
  if (v == nullptr) return Error(std::string("COSE key has no ") + name);
  CHORUS_ASSIGN_OR_RETURN(ByteView b, v->as_bytes(name));
  return Bytes(b.begin(), b.end());
}

}  // namespace

Result<CoseKey> parse_cose_key(ByteView cose) {
  cbor::DecodeLimits limits;
  limits.max_bytes = kMaxCoseKeyBytes;
  limits.max_depth = 4;
  auto decoded = cbor::decode(cose, limits);
  if (!decoded) return decoded.error().with_context("COSE key");
  const cbor::Value& map = decoded->without_self_describe();
  if (!map.is(cbor::Type::kMap)) return Error("COSE key is not a CBOR map");
  CHORUS_ASSIGN_OR_RETURN(int64_t kty, int_field(map, kLabelKty, "key type (1)"));
  std::optional<int64_t> alg;
  if (find_int(map, kLabelAlg) != nullptr) {
    CHORUS_ASSIGN_OR_RETURN(alg, int_field(map, kLabelAlg, "algorithm (3)"));
  }
  CoseKey key;
  auto check_alg = [&](int64_t expected, const char* name) -> Status {
    if (alg && *alg != expected) {
      return Error("COSE algorithm " + std::to_string(*alg) + " does not match key type " + name);
    }
    return ok_status();
  };
  if (kty == kKtyEc2) {
    CHORUS_RETURN_IF_ERROR(check_alg(kAlgEs256, "EC2 (ES256)"));
    CHORUS_ASSIGN_OR_RETURN(int64_t crv, int_field(map, kLabelCrvOrN, "curve (-1)"));
    if (crv != kCrvP256) return Error("COSE EC2 key is not on P-256");
    key.algorithm = CoseKey::Algorithm::kEs256;
    CHORUS_ASSIGN_OR_RETURN(key.x, bytes_field(map, kLabelXOrE, "x (-2)"));
    CHORUS_ASSIGN_OR_RETURN(key.y, bytes_field(map, kLabelY, "y (-3)"));
    if (key.x.size() != 32 || key.y.size() != 32) return Error("COSE P-256 coordinates are not 32 bytes");
  } else if (kty == kKtyOkp) {
    CHORUS_RETURN_IF_ERROR(check_alg(kAlgEdDsa, "OKP (EdDSA)"));
    CHORUS_ASSIGN_OR_RETURN(int64_t crv, int_field(map, kLabelCrvOrN, "curve (-1)"));
    if (crv != kCrvEd25519) return Error("COSE OKP key is not on Ed25519");
    key.algorithm = CoseKey::Algorithm::kEdDsa;
    CHORUS_ASSIGN_OR_RETURN(key.x, bytes_field(map, kLabelXOrE, "x (-2)"));
    if (key.x.size() != 32) return Error("COSE Ed25519 key is not 32 bytes");
  } else if (kty == kKtyRsa) {
    CHORUS_RETURN_IF_ERROR(check_alg(kAlgRs256, "RSA (RS256)"));
    key.algorithm = CoseKey::Algorithm::kRs256;
    CHORUS_ASSIGN_OR_RETURN(key.n, bytes_field(map, kLabelCrvOrN, "modulus n (-1)"));
    CHORUS_ASSIGN_OR_RETURN(key.e, bytes_field(map, kLabelXOrE, "exponent e (-2)"));
  } else {
    return Error("COSE key type " + std::to_string(kty) + " is not EC2, OKP or RSA");
  }
  return key;
}

Status verify_webauthn_signature(const PublicKey& key, ByteView payload, ByteView signature) {
  if (key.kind() != PublicKey::Kind::kWebAuthn) {
    return Error(std::string(kind_name(key.kind())) + " key given for a WebAuthn signature");
  }
  CHORUS_ASSIGN_OR_RETURN(CoseKey cose, parse_cose_key(key.raw()));

  cbor::DecodeLimits limits;
  limits.max_bytes = kMaxSignatureBytes;
  limits.max_depth = 4;
  auto decoded = cbor::decode(signature, limits);
  if (!decoded) return decoded.error().with_context("WebAuthn signature");
  const cbor::Value& sig = decoded->without_self_describe();
  if (!sig.is(cbor::Type::kMap)) return Error("WebAuthn signature is not a CBOR map");
  auto field = [&](const char* name) -> Result<const cbor::Value*> {
    const cbor::Value* v = sig.find(name);
    if (v == nullptr) return Error(std::string("WebAuthn signature has no ") + name);
    return v;
  };
  CHORUS_ASSIGN_OR_RETURN(const cbor::Value* auth_data_v, field("authenticator_data"));
  CHORUS_ASSIGN_OR_RETURN(const cbor::Value* client_data_v, field("client_data_json"));
  CHORUS_ASSIGN_OR_RETURN(const cbor::Value* signature_v, field("signature"));
  CHORUS_ASSIGN_OR_RETURN(ByteView auth_data, auth_data_v->as_bytes("authenticator_data"));
  CHORUS_ASSIGN_OR_RETURN(std::string_view client_data, client_data_v->as_text("client_data_json"));
  CHORUS_ASSIGN_OR_RETURN(ByteView authenticator_sig, signature_v->as_bytes("signature"));

  // The challenge must be the payload: that is what binds the assertion to this request.
  auto json = nlohmann::json::parse(client_data, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return Error("WebAuthn client_data_json is not a JSON object");
  auto challenge = json.find("challenge");
  if (challenge == json.end() || !challenge->is_string()) {
    return Error("WebAuthn client_data_json has no challenge");
  }
  auto challenge_bytes = base64url_decode(challenge->get_ref<const std::string&>());
  if (!challenge_bytes) return challenge_bytes.error().with_context("WebAuthn challenge");
  if (!bytes_equal(*challenge_bytes, payload)) {
    return Error("WebAuthn challenge is not the signed payload");
  }

  Bytes message(auth_data.begin(), auth_data.end());
  append(message, sha256(as_bytes(client_data)));
  switch (cose.algorithm) {
    case CoseKey::Algorithm::kEs256: {
      Bytes point = {0x04};
      append(point, cose.x);
      append(point, cose.y);
      return verify_ecdsa_p256(point, message, authenticator_sig, EcdsaSignatureFormat::kDer);
    }
    case CoseKey::Algorithm::kEdDsa: return verify_ed25519(cose.x, message, authenticator_sig);
    case CoseKey::Algorithm::kRs256:
      return verify_rsa_pkcs1_sha256(cose.n, cose.e, message, authenticator_sig);
  }
  return Error("unreachable COSE algorithm");
}

}  // namespace chorus
