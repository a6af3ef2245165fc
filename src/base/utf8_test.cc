#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace chorus {
namespace {

TEST(Utf8, AcceptsValid) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("hello"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9t\xc3\xa9"));          // été
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));               // €
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));           // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));           // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));      // NUL is a valid character
}

TEST(Utf8, RejectsInvalidAndSaysWhere) {
  EXPECT_EQ(find_invalid_utf8("ab\x80"), 2u);               // lone continuation
  EXPECT_EQ(find_invalid_utf8("\xc0\xaf"), 0u);             // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xe0\x80\xaf"), 0u);         // overlong
  EXPECT_EQ(find_invalid_utf8("x\xed\xa0\x80"), 1u);        // surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);     // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xe2\x82"), 0u);             // truncated
  EXPECT_EQ(find_invalid_utf8("\xff"), 0u);
}

}  // namespace
}  // namespace chorus
