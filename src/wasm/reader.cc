#include "wasm/reader.h"

#include "base/hex.h"
#include "base/utf8.h"

namespace chorus::wasm {

Result<uint64_t> Reader::unsigned_leb(int bits) {
  size_t start = offset();
  uint64_t result = 0;
  for (int shift = 0;; shift += 7) {
    if (pos_ >= data_.size()) return eof();
    uint8_t b = data_[pos_++];
    bool last_allowed = shift + 7 >= bits;
    if (last_allowed) {
      if (b & 0x80) return malformed_error("integer representation too long", start);
      // The bits of this byte above the integer's width must be zero.
      if ((b & 0x7F) >> (bits - shift)) return malformed_error("integer too large", start);
      return result | (static_cast<uint64_t>(b) << shift);
    }
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return result;
  }
}

Result<int64_t> Reader::signed_leb(int bits) {
  size_t start = offset();
  uint64_t result = 0;
  for (int shift = 0;; shift += 7) {
    if (pos_ >= data_.size()) return eof();
    uint8_t b = data_[pos_++];
    if (shift + 7 >= bits) {
      if (b & 0x80) return malformed_error("integer representation too long", start);
      // The bits from the sign bit up must all equal it.
      int used = bits - shift;  // 1..7
      uint8_t high = static_cast<uint8_t>((b & 0x7F) >> (used - 1));
      uint8_t all = static_cast<uint8_t>(0x7F >> (used - 1));
      if (high != 0 && high != all) return malformed_error("integer too large", start);
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (shift + 7 < 64 && (b & 0x40)) result |= ~uint64_t{0} << (shift + 7);
      return static_cast<int64_t>(result);
    }
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      if (b & 0x40) result |= ~uint64_t{0} << (shift + 7);
      return static_cast<int64_t>(result);
    }
  }
}

Result<std::string> Reader::name() {
  size_t at = offset();
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, u32());
  if (n > remaining()) return malformed_error("unexpected end (length out of bounds)", at);
  CHORUS_ASSIGN_OR_RETURN(ByteView b, bytes(n));
  if (!is_valid_utf8(as_chars(b))) return malformed_error("malformed UTF-8 encoding", at);
  return std::string(as_chars(b));
}

namespace {

// The GC and typed-function-reference encodings that share the value-type byte space.
Result<ValType> refuse_type_byte(uint8_t b, size_t at) {
  switch (b) {
    case 0x63:
    case 0x64: return unsupported_error("function references", "a typed reference type");
    case 0x69:
    case 0x74: return unsupported_error("exception handling", "the exnref type");
    case 0x6E:
    case 0x6D:
    case 0x6C:
    case 0x6B:
    case 0x6A:
    case 0x71:
    case 0x72:
    case 0x73: return unsupported_error("GC", "a GC reference type");
    default: return malformed_error("malformed value type 0x" + to_hex(Bytes{b}), at);
  }
}

}  // namespace

Result<ValType> read_val_type(Reader& in) {
  size_t at = in.offset();
  CHORUS_ASSIGN_OR_RETURN(uint8_t b, in.u8());
  switch (b) {
    case 0x7F:
    case 0x7E:
    case 0x7D:
    case 0x7C:
    case 0x7B:
    case 0x70:
    case 0x6F: return static_cast<ValType>(b);
    default: return refuse_type_byte(b, at);
  }
}

Result<ValType> read_ref_type(Reader& in) {
  size_t at = in.offset();
  CHORUS_ASSIGN_OR_RETURN(uint8_t b, in.u8());
  if (b == 0x70 || b == 0x6F) return static_cast<ValType>(b);
  if (b >= 0x7B && b <= 0x7F) return malformed_error("malformed reference type", at);
  return refuse_type_byte(b, at);
}

Result<ValType> read_heap_type(Reader& in) {
  size_t at = in.offset();
  CHORUS_ASSIGN_OR_RETURN(int64_t v, in.s33());
  if (v >= 0) return unsupported_error("function references", "a concrete heap type");
  uint8_t b = static_cast<uint8_t>(v & 0x7F);
  if (b == 0x70 || b == 0x6F) return static_cast<ValType>(b);
  if (b >= 0x7B && b <= 0x7F) return malformed_error("malformed heap type", at);
  return refuse_type_byte(b, at);
}

}  // namespace chorus::wasm
