#include "crypto/der.h"

#include <string>

namespace chorus::der {
namespace {

constexpr uint8_t kSequence = 0x30;
constexpr uint8_t kOid = 0x06;
constexpr uint8_t kBitString = 0x03;

struct Tlv {
  uint8_t tag;
  ByteView content;
};

Result<Tlv> read_tlv(ByteReader& in, const char* what) {
  auto error = [&](const std::string& why) {
    return Error(std::string("DER ") + what + " at offset " + std::to_string(in.position()) +
                 ": " + why);
  };
  if (in.remaining() < 2) return error("truncated");
  uint8_t tag = *in.read_u8();
  uint8_t first = *in.read_u8();
  size_t length = 0;
  if (first < 0x80) {
    length = first;
  } else {
    size_t n = first & 0x7f;
    if (n == 0) return error("indefinite length is not DER");
    if (n > 4) return error("length of " + std::to_string(n) + " bytes is too long");
    auto bytes = in.read_bytes(n, "DER length");
    if (!bytes) return error("truncated length");
    if ((*bytes)[0] == 0) return error("length is not minimally encoded");
    for (uint8_t b : *bytes) length = (length << 8) | b;
    if (length < 0x80) return error("length is not minimally encoded");
  }
  auto content = in.read_bytes(length, what);
  if (!content) return error("content of " + std::to_string(length) + " bytes is truncated");
  return Tlv{tag, *content};
}

Result<Tlv> expect(ByteReader& in, uint8_t tag, const char* what) {
  size_t at = in.position();
  CHORUS_ASSIGN_OR_RETURN(Tlv tlv, read_tlv(in, what));
  if (tlv.tag != tag) {
    auto hex2 = [](uint8_t b) {
      return std::string{"0123456789abcdef"[b >> 4], "0123456789abcdef"[b & 15]};
    };
    return Error(std::string("DER ") + what + " at offset " + std::to_string(at) + ": tag 0x" +
                 hex2(tlv.tag) + ", expected 0x" + hex2(tag));
  }
  return tlv;
}

void append_tlv(Bytes& out, uint8_t tag, ByteView content) {
  out.push_back(tag);
  size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else {
    Bytes len;
    for (size_t v = n; v > 0; v >>= 8) len.insert(len.begin(), static_cast<uint8_t>(v));
    out.push_back(static_cast<uint8_t>(0x80 | len.size()));
    append(out, len);
  }
  append(out, content);
}

}  // namespace

Result<SubjectPublicKeyInfo> parse_subject_public_key_info(ByteView der) {
  ByteReader outer(der);
  CHORUS_ASSIGN_OR_RETURN(Tlv spki, expect(outer, kSequence, "SubjectPublicKeyInfo"));
  if (!outer.at_end()) return Error("DER public key has trailing bytes");
  ByteReader in(spki.content);
  CHORUS_ASSIGN_OR_RETURN(Tlv alg, expect(in, kSequence, "AlgorithmIdentifier"));
  CHORUS_ASSIGN_OR_RETURN(Tlv bits, expect(in, kBitString, "subjectPublicKey"));
  if (!in.at_end()) return Error("DER SubjectPublicKeyInfo has trailing elements");

  SubjectPublicKeyInfo info;
  ByteReader alg_in(alg.content);
  CHORUS_ASSIGN_OR_RETURN(Tlv oid, expect(alg_in, kOid, "algorithm OID"));
  if (oid.content.empty()) return Error("DER algorithm OID is empty");
  info.algorithm.assign(oid.content.begin(), oid.content.end());
  if (!alg_in.at_end()) {
    CHORUS_ASSIGN_OR_RETURN(Tlv param, read_tlv(alg_in, "algorithm parameters"));
    // No key the IC uses carries NULL parameters (RFC 8410 forbids them for Ed25519), and
    // accepting them would give one key two encodings, hence two self-authenticating ids.
    if (param.tag != kOid) return Error("DER algorithm parameters are not a curve OID");
    info.parameters = Bytes(param.content.begin(), param.content.end());
    if (!alg_in.at_end()) return Error("DER AlgorithmIdentifier has trailing elements");
  }
  if (bits.content.empty()) return Error("DER subjectPublicKey BIT STRING is empty");
  if (bits.content[0] != 0) return Error("DER subjectPublicKey has unused bits");
  info.key.assign(bits.content.begin() + 1, bits.content.end());
  return info;
}

Bytes encode_subject_public_key_info(const SubjectPublicKeyInfo& info) {
  Bytes alg;
  append_tlv(alg, kOid, info.algorithm);
  if (info.parameters) append_tlv(alg, kOid, *info.parameters);
  Bytes bits = {0x00};
  append(bits, info.key);
  Bytes body;
  append_tlv(body, kSequence, alg);
  append_tlv(body, kBitString, bits);
  Bytes out;
  append_tlv(out, kSequence, body);
  return out;
}

}  // namespace chorus::der
