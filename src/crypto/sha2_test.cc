#include "crypto/sha2.h"

#include <gtest/gtest.h>

#include "base/hex.h"

namespace chorus {
namespace {

// FIPS 180-4 example vectors.
TEST(Sha2, KnownAnswers) {
  EXPECT_EQ(to_hex(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256(ByteView())),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha224(as_bytes("abc"))),
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
}

TEST(Sha2, IncrementalMatchesOneShotAndResets) {
  Sha256 h;
  h.update(as_bytes("ab")).update(as_bytes("c"));
  EXPECT_EQ(h.finish(), sha256(as_bytes("abc")));
  h.update(as_bytes("abc"));
  EXPECT_EQ(h.finish(), sha256(as_bytes("abc")));
}

}  // namespace
}  // namespace chorus
