#include "crypto/public_key.h"

#include "base/hex.h"
#include "crypto/der.h"
#include "crypto/signature_primitives.h"

namespace chorus {
namespace {

// Algorithm and curve OIDs (content bytes), from the interface spec's "Signatures" section.
const Bytes kOidEd25519 = {0x2b, 0x65, 0x70};                                      // 1.3.101.112
const Bytes kOidEcPublicKey = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};          // 1.2.840.10045.2.1
const Bytes kOidP256 = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};           // 1.2.840.10045.3.1.7
const Bytes kOidSecp256k1 = {0x2b, 0x81, 0x04, 0x00, 0x0a};                        // 1.3.132.0.10
const Bytes kOidBls = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05, 0x03, 0x01, 0x02, 0x01};
const Bytes kOidBlsCurve = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05, 0x03, 0x02, 0x01};
const Bytes kOidWebAuthn = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb8, 0x43, 0x01, 0x01};
const Bytes kOidCanisterSig = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb8, 0x43, 0x01, 0x02};

Status check_raw(PublicKey::Kind kind, ByteView raw) {
  auto size_error = [&](size_t expected) {
    return Error(std::string(kind_name(kind)) + " public key has " + std::to_string(raw.size()) +
                 " bytes, expected " + std::to_string(expected));
  };
  switch (kind) {
    case PublicKey::Kind::kEd25519:
      if (raw.size() != 32) return size_error(32);
      if (auto problem = ed25519_key_problem(raw)) return Error(*problem);
      break;
    case PublicKey::Kind::kEcdsaP256:
    case PublicKey::Kind::kEcdsaSecp256k1:
      if (raw.size() != 65) return size_error(65);
      if (raw[0] != 0x04) return Error(std::string(kind_name(kind)) + " public key is not an uncompressed point");
      break;
    case PublicKey::Kind::kBls12381:
      if (raw.size() != 96) return size_error(96);
      break;
    case PublicKey::Kind::kWebAuthn:
      if (raw.empty()) return Error("WebAuthn public key is empty");
      break;
    case PublicKey::Kind::kCanisterSignature:
      if (raw.empty()) return Error("canister signature public key is empty");
      if (raw[0] == 0 || raw[0] > 29) {
        return Error("canister signature public key names a canister id of " +
                     std::to_string(raw[0]) + " bytes (1 to 29 allowed)");
      }
      if (raw.size() < 1u + raw[0]) {
        return Error("canister signature public key is shorter than its canister id");
      }
      break;
  }
  return ok_status();
}

}  // namespace

Result<PublicKey> PublicKey::from_der(ByteView der) {
  CHORUS_ASSIGN_OR_RETURN(der::SubjectPublicKeyInfo info, der::parse_subject_public_key_info(der));
  Kind kind;
  auto params_are = [&](const Bytes& oid) { return info.parameters && *info.parameters == oid; };
  if (info.algorithm == kOidEd25519 && !info.parameters) {
    kind = Kind::kEd25519;
  } else if (info.algorithm == kOidEcPublicKey && params_are(kOidP256)) {
    kind = Kind::kEcdsaP256;
  } else if (info.algorithm == kOidEcPublicKey && params_are(kOidSecp256k1)) {
    kind = Kind::kEcdsaSecp256k1;
  } else if (info.algorithm == kOidEcPublicKey) {
    return Error("ECDSA public key on an unsupported curve (supported: P-256, secp256k1)");
  } else if (info.algorithm == kOidBls && params_are(kOidBlsCurve)) {
    kind = Kind::kBls12381;
  } else if (info.algorithm == kOidWebAuthn && !info.parameters) {
    kind = Kind::kWebAuthn;
  } else if (info.algorithm == kOidCanisterSig && !info.parameters) {
    kind = Kind::kCanisterSignature;
  } else {
    return Error("public key algorithm (OID bytes " + to_hex(info.algorithm) +
                 ") is not one the Internet Computer supports");
  }
  return from_raw(kind, info.key);
}

Result<PublicKey> PublicKey::from_raw(Kind kind, ByteView raw) {
  CHORUS_RETURN_IF_ERROR(check_raw(kind, raw));
  return PublicKey(kind, Bytes(raw.begin(), raw.end()));
}

Bytes PublicKey::to_der() const {
  der::SubjectPublicKeyInfo info;
  info.key = raw_;
  switch (kind_) {
    case Kind::kEd25519: info.algorithm = kOidEd25519; break;
    case Kind::kEcdsaP256:
      info.algorithm = kOidEcPublicKey;
      info.parameters = kOidP256;
      break;
    case Kind::kEcdsaSecp256k1:
      info.algorithm = kOidEcPublicKey;
      info.parameters = kOidSecp256k1;
      break;
    case Kind::kBls12381:
      info.algorithm = kOidBls;
      info.parameters = kOidBlsCurve;
      break;
    case Kind::kWebAuthn: info.algorithm = kOidWebAuthn; break;
    case Kind::kCanisterSignature: info.algorithm = kOidCanisterSig; break;
  }
  return der::encode_subject_public_key_info(info);
}

ByteView PublicKey::canister_id() const {
  if (kind_ != Kind::kCanisterSignature) return {};
  return ByteView(raw_).subspan(1, raw_[0]);
}

ByteView PublicKey::seed() const {
  if (kind_ != Kind::kCanisterSignature) return {};
  return ByteView(raw_).subspan(1u + raw_[0]);
}

std::string_view kind_name(PublicKey::Kind kind) {
  switch (kind) {
    case PublicKey::Kind::kEd25519: return "Ed25519";
    case PublicKey::Kind::kEcdsaP256: return "ECDSA P-256";
    case PublicKey::Kind::kEcdsaSecp256k1: return "ECDSA secp256k1";
    case PublicKey::Kind::kBls12381: return "BLS12-381";
    case PublicKey::Kind::kWebAuthn: return "WebAuthn";
    case PublicKey::Kind::kCanisterSignature: return "canister signature";
  }
  return "unknown";
}

Status verify_basic_signature(const PublicKey& key, ByteView message, ByteView signature) {
  switch (key.kind()) {
    case PublicKey::Kind::kEd25519: return verify_ed25519(key.raw(), message, signature);
    case PublicKey::Kind::kEcdsaP256:
      return verify_ecdsa_p256(key.raw(), message, signature, EcdsaSignatureFormat::kRaw);
    case PublicKey::Kind::kEcdsaSecp256k1:
      return verify_ecdsa_secp256k1(key.raw(), message, signature);
    default:
      return Error(std::string(kind_name(key.kind())) +
                   " signatures are not verified by a public key alone");
  }
}


}  // namespace chorus
