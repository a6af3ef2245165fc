// Internal to src/wasm: the primitive readers of the binary format, shared by the decoder and the
// validator (which decodes function bodies as it checks them). LEB128 follows the spec exactly:
// an N-bit integer takes at most ceil(N/7) bytes and the unused bits of the last byte must be zero
// (unsigned) or copies of the sign bit (signed); anything else is malformed.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "wasm/errors.h"
#include "wasm/module.h"

namespace chorus::wasm {

class Reader {
 public:
  // |base| is the offset of |data| within the module, so that errors name module offsets.
  Reader(ByteView data, size_t base) : data_(data), base_(base) {}

  size_t pos() const { return pos_; }
  size_t offset() const { return base_ + pos_; }  // module offset of the next byte
  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  Result<uint8_t> u8() {
    if (pos_ >= data_.size()) return eof();
    return data_[pos_++];
  }
  Result<ByteView> bytes(size_t n) {
    if (remaining() < n) return malformed_error("unexpected end (length out of bounds)", offset());
    ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  Result<uint32_t> u32() {
    if (pos_ < data_.size() && data_[pos_] < 0x80) return data_[pos_++];  // the common case
    CHORUS_ASSIGN_OR_RETURN(uint64_t v, unsigned_leb(32));
    return static_cast<uint32_t>(v);
  }
  Result<uint64_t> u64() {
    if (pos_ < data_.size() && data_[pos_] < 0x80) return data_[pos_++];
    return unsigned_leb(64);
  }
  // Signed: a single byte below 0x80 is the value, sign-extended from bit 6.
  Result<int32_t> s32() {
    if (pos_ < data_.size() && data_[pos_] < 0x80) return sign_extend_byte(data_[pos_++]);
    CHORUS_ASSIGN_OR_RETURN(int64_t v, signed_leb(32));
    return static_cast<int32_t>(v);
  }
  Result<int64_t> s33() {
    if (pos_ < data_.size() && data_[pos_] < 0x80) return sign_extend_byte(data_[pos_++]);
    return signed_leb(33);
  }
  Result<int64_t> s64() {
    if (pos_ < data_.size() && data_[pos_] < 0x80) return sign_extend_byte(data_[pos_++]);
    return signed_leb(64);
  }

  // A vector length, refused before anything is allocated when it exceeds |limit| or could not
  // fit in what is left (every element takes at least |min_element_size| bytes).
  Result<uint32_t> count(uint64_t limit, std::string_view what, size_t min_element_size = 1) {
    size_t at = offset();
    CHORUS_ASSIGN_OR_RETURN(uint32_t n, u32());
    if (n > limit) {
      return malformed_error("too many " + std::string(what) + " (" + std::to_string(n) +
                                 ", the limit is " + std::to_string(limit) + ")",
                             at);
    }
    if (static_cast<uint64_t>(n) * min_element_size > remaining()) {
      return malformed_error("unexpected end: " + std::string(what) + " count " +
                                 std::to_string(n) +
                                 " exceeds the bytes left (length out of bounds)",
                             at);
    }
    return n;
  }

  Result<std::string> name();

 private:
  static int32_t sign_extend_byte(uint8_t b) { return (b & 0x40) ? int32_t{b} - 0x80 : int32_t{b}; }
  Error eof() const { return malformed_error("unexpected end", offset()); }
  Result<uint64_t> unsigned_leb(int bits);
  Result<int64_t> signed_leb(int bits);

  ByteView data_;
  size_t base_;
  size_t pos_ = 0;
};

// Value and reference types, refusing the encodings of proposals outside the supported set with
// an unsupported error that names them.
Result<ValType> read_val_type(Reader& in);
Result<ValType> read_ref_type(Reader& in);
// A heap type of ref.null: func or extern.
Result<ValType> read_heap_type(Reader& in);

}  // namespace chorus::wasm
