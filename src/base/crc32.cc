#include "base/crc32.h"

#include <zlib.h>

namespace chorus {

uint32_t crc32(ByteView data) {
  // zlib takes a uInt length; principals are tiny, but stay correct for any size.
  uLong crc = ::crc32(0L, Z_NULL, 0);
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    uInt n = left > (1u << 30) ? (1u << 30) : static_cast<uInt>(left);
    crc = ::crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace chorus
