// Principals: the ids of canisters, users and subnets, up to 29 bytes, and their textual form
// Group(lower(Base32(CRC32_BE(b) · b))) (interface spec, "Principals").
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace chorus {

class Principal {
 public:
  static constexpr size_t kMaxLength = 29;

  // The class of an id is given by its last byte (and its length).
  enum class Class {
    kManagement,          // the empty blob: the management canister aaaaa-aa
    kOpaque,              // ends in 0x01: ids the IC generates, e.g. canister ids
    kSelfAuthenticating,  // SHA-224(DER public key) · 0x02
    kDerived,             // SHA-224(|p| · p · nonce) · 0x03
    kAnonymous,           // the single byte 0x04
    kReserved,            // ends in 0x7f: never addresses anything
    kUnassigned,          // any other form; valid as bytes, but no class gives it meaning
  };

  Principal() = default;  // the management canister

  // Fails when |bytes| is longer than kMaxLength.
  static Result<Principal> from_bytes(ByteView bytes);
  static Principal management_canister() { return Principal(); }
  static Principal anonymous();
  static Principal self_authenticating(ByteView der_public_key);
  static Principal derived(const Principal& registering, ByteView nonce);
  // The IC's canister ids: the index as 8 big-endian bytes, then 0x01 0x01.
  static Principal from_canister_index(uint64_t index);

  // Parses the textual form. Case-insensitive, but the grouping must be canonical; the checksum
  // and the base32 pad bits are checked. The error says which rule the text breaks.
  static Result<Principal> from_text(std::string_view text);
  std::string to_text() const;

  ByteView bytes() const { return ByteView(data_.data(), size_); }
  size_t size() const { return size_; }
  Class kind() const;
  // For ids of the form from_canister_index() produces, the index.
  std::optional<uint64_t> canister_index() const;

  friend bool operator==(const Principal& a, const Principal& b) {
    return bytes_equal(a.bytes(), b.bytes());
  }
  // Bytewise lexicographic order, the order of canister ranges in the state tree.
  friend std::strong_ordering operator<=>(const Principal& a, const Principal& b);

 private:
  std::array<uint8_t, kMaxLength> data_{};
  uint8_t size_ = 0;
};

std::string_view class_name(Principal::Class c);

}  // namespace chorus
