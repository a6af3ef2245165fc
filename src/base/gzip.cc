#include "base/gzip.h"

#include <zlib.h>

#include <algorithm>

namespace chorus {

bool is_gzip(ByteView data) {
  return data.size() >= 3 && data[0] == 0x1f && data[1] == 0x8b && data[2] == 0x08;
}

Result<Bytes> gunzip(ByteView data, size_t max_output) {
  if (!is_gzip(data)) return Error("not gzip data (no 1f 8b 08 header)");
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header and trailer, not zlib's.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Error("gzip: cannot initialise zlib");
  Bytes out;
  size_t in_pos = 0;
  int rc = Z_OK;
  uint8_t buf[64 * 1024];
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0) {
      size_t chunk = std::min<size_t>(data.size() - in_pos, 1u << 30);
      zs.next_in = const_cast<Bytef*>(data.data() + in_pos);
      zs.avail_in = static_cast<uInt>(chunk);
      in_pos += chunk;
    }
    zs.next_out = buf;
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      if (rc == Z_BUF_ERROR) return Error("gzip: the data is truncated");
      return Error(std::string("gzip: corrupt data") + (zs.msg ? std::string(": ") + zs.msg : ""));
    }
    size_t produced = sizeof(buf) - zs.avail_out;
    if (out.size() + produced > max_output) {
      inflateEnd(&zs);
      return Error("gzip: decompressed data exceeds " + std::to_string(max_output) + " bytes");
    }
    out.insert(out.end(), buf, buf + produced);
    if (rc != Z_STREAM_END && produced == 0 && zs.avail_in == 0 && in_pos == data.size()) {
      inflateEnd(&zs);
      return Error("gzip: the data is truncated");
    }
  }
  size_t trailing = zs.avail_in + (data.size() - in_pos);
  inflateEnd(&zs);
  if (trailing != 0) return Error("gzip: " + std::to_string(trailing) + " bytes after the end of the data");
  return out;
}

}  // namespace chorus
