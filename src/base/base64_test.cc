#include "base/base64.h"

#include <gtest/gtest.h>

namespace chorus {
namespace {

// RFC 4648 §10 vectors (the base64url alphabet agrees with base64 on them), unpadded.
TEST(Base64Url, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"},
      {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(as_bytes(plain)), encoded);
    EXPECT_EQ(as_chars(*base64url_decode(encoded)), plain);
  }
  EXPECT_EQ(as_chars(*base64url_decode("Zm8=")), "fo");
  EXPECT_EQ(as_chars(*base64url_decode("Zg==")), "f");
  Bytes high = {0xfb, 0xff};
  EXPECT_EQ(base64url_encode(high), "-_8");
}

TEST(Base64Url, RefusesBadInput) {
  EXPECT_FALSE(base64url_decode("Zm9v+").ok());  // '+' is the other alphabet
  EXPECT_FALSE(base64url_decode("Z").ok());      // impossible length
  EXPECT_FALSE(base64url_decode("Zh").ok());     // non-zero pad bits
  EXPECT_FALSE(base64url_decode("Zg=").ok());    // partial padding
  EXPECT_FALSE(base64url_decode("Z===").ok());
}

}  // namespace
}  // namespace chorus
