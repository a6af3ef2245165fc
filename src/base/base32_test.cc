#include "base/base32.h"

#include <gtest/gtest.h>

namespace chorus {
namespace {

// RFC 4648 §10 vectors, lowercased and without padding.
TEST(Base32, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "my"},           {"fo", "mzxq"},          {"foo", "mzxw6"},
      {"foob", "mzxw6yq"}, {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base32_encode(as_bytes(plain)), encoded);
    auto decoded = base32_decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(as_chars(*decoded), plain);
  }
  EXPECT_EQ(as_chars(*base32_decode("MZXW6YTBOI")), "foobar");
}

TEST(Base32, RejectsBadInput) {
  EXPECT_FALSE(base32_decode("my======").ok());  // padding
  EXPECT_FALSE(base32_decode("m1").ok());        // '1' is not in the alphabet
  EXPECT_FALSE(base32_decode("mzx").ok());       // impossible length
  auto pad = base32_decode("mz");                // 'z' leaves non-zero pad bits
  ASSERT_FALSE(pad.ok());
  EXPECT_NE(pad.error().message().find("pad bits"), std::string::npos);
}

}  // namespace
}  // namespace chorus
