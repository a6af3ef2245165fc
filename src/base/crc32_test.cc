#include "base/crc32.h"

#include <gtest/gtest.h>

namespace chorus {
namespace {

TEST(Crc32, CheckValue) {
  // The catalogue's check value for CRC-32/ISO-HDLC.
  EXPECT_EQ(crc32(as_bytes("123456789")), 0xcbf43926u);
  EXPECT_EQ(crc32(ByteView()), 0u);
}

}  // namespace
}  // namespace chorus
