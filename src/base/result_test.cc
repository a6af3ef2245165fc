#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace chorus {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Error("not positive: " + std::to_string(v));
  return v;
}

Result<int> doubled(int v) {
  CHORUS_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check(int v) {
  CHORUS_RETURN_IF_ERROR(parse_positive(v));
  return ok_status();
}

TEST(Result, ValuesAndErrorsPropagate) {
  EXPECT_EQ(*doubled(4), 8);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "not positive: -1");
  EXPECT_TRUE(check(1).ok());
  EXPECT_EQ(check(0).error().with_context("in check").message(), "in check: not positive: 0");
}

TEST(Result, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

}  // namespace
}  // namespace chorus
