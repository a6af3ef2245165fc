#include "base/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace chorus {
namespace {

Bytes gzip_of(const Bytes& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&zs, in.size()) + 64);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(Gzip, RoundTripsAndDetects) {
  Bytes data;
  for (int i = 0; i < 300000; ++i) data.push_back(static_cast<uint8_t>(i * 7 % 251));
  Bytes z = gzip_of(data);
  EXPECT_TRUE(is_gzip(z));
  EXPECT_FALSE(is_gzip(data));
  auto r = gunzip(z, data.size());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, data);
}

TEST(Gzip, RefusesBombsTruncationAndTrailingBytes) {
  Bytes zeros(10 * 1024 * 1024, 0);
  Bytes z = gzip_of(zeros);
  auto bomb = gunzip(z, 1024 * 1024);
  ASSERT_FALSE(bomb.ok());
  EXPECT_NE(bomb.error().message().find("exceeds"), std::string::npos);

  Bytes cut(z.begin(), z.begin() + z.size() / 2);
  auto t = gunzip(cut, zeros.size());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message().find("truncated"), std::string::npos);

  Bytes extra = z;
  extra.push_back(0);
  auto e = gunzip(extra, zeros.size());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("after the end"), std::string::npos);

  Bytes corrupt = z;
  corrupt[12] ^= 0xff;
  EXPECT_FALSE(gunzip(corrupt, zeros.size()).ok());
}

}  // namespace
}  // namespace chorus
