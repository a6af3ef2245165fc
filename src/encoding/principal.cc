#include "encoding/principal.h"

#include <algorithm>

#include "base/base32.h"
#include "base/crc32.h"
#include "crypto/sha2.h"

namespace chorus {
namespace {

// 29 bytes + 4 checksum bytes make 53 base32 characters, 63 with the dashes.
constexpr size_t kMaxTextLength = 63;

std::string group(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && i % 5 == 0) out.push_back('-');
    out.push_back(s[i]);
  }
  return out;
}

Principal from_parts(ByteView hash, uint8_t suffix) {
  Bytes b(hash.begin(), hash.end());
  b.push_back(suffix);
  return *Principal::from_bytes(b);
}

}  // namespace

Result<Principal> Principal::from_bytes(ByteView bytes) {
  if (bytes.size() > kMaxLength) {
    return Error("principal of " + std::to_string(bytes.size()) + " bytes exceeds the maximum of " +
                 std::to_string(kMaxLength));
  }
  Principal p;
  std::copy(bytes.begin(), bytes.end(), p.data_.begin());
  p.size_ = static_cast<uint8_t>(bytes.size());
  return p;
}

Principal Principal::anonymous() {
  const uint8_t b = 0x04;
  return *from_bytes(ByteView(&b, 1));
}

Principal Principal::self_authenticating(ByteView der_public_key) {
  return from_parts(sha224(der_public_key), 0x02);
}

Principal Principal::derived(const Principal& registering, ByteView nonce) {
  Bytes input;
  input.push_back(static_cast<uint8_t>(registering.size()));
  append(input, registering.bytes());
  append(input, nonce);
  return from_parts(sha224(input), 0x03);
}

Principal Principal::from_canister_index(uint64_t index) {
  Principal p;
  for (int i = 0; i < 8; ++i) p.data_[i] = static_cast<uint8_t>(index >> (8 * (7 - i)));
  p.data_[8] = 0x01;
  p.data_[9] = 0x01;
  p.size_ = 10;
  return p;
}

std::optional<uint64_t> Principal::canister_index() const {
  if (size_ != 10 || data_[8] != 0x01 || data_[9] != 0x01) return std::nullopt;
  uint64_t index = 0;
  for (int i = 0; i < 8; ++i) index = (index << 8) | data_[i];
  return index;
}

Principal::Class Principal::kind() const {
  if (size_ == 0) return Class::kManagement;
  switch (data_[size_ - 1]) {
    case 0x01: return Class::kOpaque;
    case 0x02: return size_ == kMaxLength ? Class::kSelfAuthenticating : Class::kUnassigned;
    case 0x03: return size_ == kMaxLength ? Class::kDerived : Class::kUnassigned;
    case 0x04: return size_ == 1 ? Class::kAnonymous : Class::kUnassigned;
    case 0x7f: return Class::kReserved;
    default: return Class::kUnassigned;
  }
}

std::string Principal::to_text() const {
  uint32_t crc = crc32(bytes());
  Bytes b = {static_cast<uint8_t>(crc >> 24), static_cast<uint8_t>(crc >> 16),
             static_cast<uint8_t>(crc >> 8), static_cast<uint8_t>(crc)};
  append(b, bytes());
  return group(base32_encode(b));
}

Result<Principal> Principal::from_text(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return Error("invalid principal \"" + std::string(text.substr(0, kMaxTextLength + 1)) +
                 (text.size() > kMaxTextLength + 1 ? "…" : "") + "\": " + why);
  };
  if (text.size() > kMaxTextLength) {
    return fail("longer than the " + std::to_string(kMaxTextLength) + " characters of any principal");
  }
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string ungrouped;
  std::copy_if(lower.begin(), lower.end(), std::back_inserter(ungrouped),
               [](char c) { return c != '-'; });
  if (group(ungrouped) != lower) {
    return fail("dashes must separate groups of five characters (expected \"" +
                group(ungrouped) + "\")");
  }
  auto decoded = base32_decode(ungrouped);
  if (!decoded) return fail(decoded.error().message());
  if (decoded->size() < 4) return fail("too short to hold the 4-byte checksum");
  ByteView body = ByteView(*decoded).subspan(4);
  if (body.size() > kMaxLength) {
    return fail("encodes " + std::to_string(body.size()) + " bytes, more than " +
                std::to_string(kMaxLength));
  }
  const Bytes& d = *decoded;
  uint32_t stored = static_cast<uint32_t>(d[0]) << 24 | static_cast<uint32_t>(d[1]) << 16 |
                    static_cast<uint32_t>(d[2]) << 8 | d[3];
  if (stored != crc32(body)) return fail("checksum mismatch (a character is wrong or missing)");
  return *from_bytes(body);
}

std::strong_ordering operator<=>(const Principal& a, const Principal& b) {
  return std::lexicographical_compare_three_way(a.bytes().begin(), a.bytes().end(),
                                                b.bytes().begin(), b.bytes().end());
}

std::string_view class_name(Principal::Class c) {
  switch (c) {
    case Principal::Class::kManagement: return "management canister";
    case Principal::Class::kOpaque: return "opaque";
    case Principal::Class::kSelfAuthenticating: return "self-authenticating";
    case Principal::Class::kDerived: return "derived";
    case Principal::Class::kAnonymous: return "anonymous";
    case Principal::Class::kReserved: return "reserved";
    case Principal::Class::kUnassigned: return "unassigned";
  }
  return "unknown";
}

}  // namespace chorus
