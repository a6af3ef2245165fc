// Byte strings and a bounds-checked reader over untrusted input.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chorus {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline ByteView as_bytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view as_chars(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline void append(Bytes& out, ByteView b) { out.insert(out.end(), b.begin(), b.end()); }
inline bool bytes_equal(ByteView a, ByteView b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// Reads from a byte span, never past its end. Every read that would overrun returns an error
// naming what was being read, and leaves the position unchanged.
class ByteReader {
 public:
  explicit ByteReader(ByteView data) : data_(data) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  ByteView rest() const { return data_.subspan(pos_); }

  Result<uint8_t> read_u8(std::string_view what = "byte") {
    if (remaining() < 1) return truncated(what, 1);
    return data_[pos_++];
  }
  Result<ByteView> read_bytes(size_t n, std::string_view what = "bytes") {
    if (remaining() < n) return truncated(what, n);
    ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  // Little-endian fixed-width integer of sizeof(T) bytes.
  template <typename T>
  Result<T> read_le(std::string_view what = "integer") {
    if (remaining() < sizeof(T)) return truncated(what, sizeof(T));
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(data_[pos_ + i]) << (8 * i);
    pos_ += sizeof(T);
    return v;
  }

 private:
  Error truncated(std::string_view what, size_t need) const {
    return Error("unexpected end of input reading " + std::string(what) + " at offset " +
                 std::to_string(pos_) + " (need " + std::to_string(need) + " bytes, " +
                 std::to_string(remaining()) + " left)");
  }

  ByteView data_;
  size_t pos_ = 0;
};

}  // namespace chorus
