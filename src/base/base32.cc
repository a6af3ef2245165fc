#include "base/base32.h"

namespace chorus {
namespace {
constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

int value_of(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}
}  // namespace

std::string base32_encode(ByteView data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<Bytes> base32_decode(std::string_view text) {
  // Lengths mod 8 of 1, 3 and 6 characters cannot come from whole bytes.
  size_t rem = text.size() % 8;
  if (rem == 1 || rem == 3 || rem == 6) {
    return Error("base32 text of length " + std::to_string(text.size()) +
                 " does not encode whole bytes");
  }
  Bytes out;
  out.reserve(text.size() * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    int v = value_of(text[i]);
    if (v < 0) {
      return Error("invalid base32 character '" + std::string(1, text[i]) + "' at position " +
                   std::to_string(i));
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) return Error("base32 text has non-zero pad bits");
  return out;
}

}  // namespace chorus
