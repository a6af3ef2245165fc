#include "base/log.h"

#include <gtest/gtest.h>

namespace chorus::log {
namespace {

TEST(LogTest, JsonLinesEscapeAndKeepNumbersBare) {
  std::string line = Logger::format_line(Format::kJson, 1'700'000'000'123, Level::kWarn, "round",
                                         {{"height", uint64_t{7}}, {"who", "a \"b\"\n"}, {"ok", true}});
  EXPECT_EQ(line,
            "{\"ts\":\"2023-11-14T22:13:20.123Z\",\"level\":\"warn\",\"event\":\"round\","
            "\"height\":7,\"who\":\"a \\\"b\\\"\\n\",\"ok\":true}");
}

TEST(LogTest, TextLinesQuoteOnlyWhatNeedsIt) {
  std::string line = Logger::format_line(Format::kText, 0, Level::kInfo, "listening",
                                         {{"addr", "127.0.0.1:4943"}, {"note", "two words"}});
  EXPECT_EQ(line, "1970-01-01T00:00:00.000Z info listening addr=127.0.0.1:4943 note=\"two words\"");
}

TEST(LogTest, LevelsFilter) {
  auto logger = Logger::memory(Level::kInfo);
  logger->debug("hidden");
  logger->info("shown", {{"n", 1}});
  std::string lines = logger->lines();
  EXPECT_EQ(lines.find("hidden"), std::string::npos);
  EXPECT_NE(lines.find("\"event\":\"shown\",\"n\":1"), std::string::npos);
  EXPECT_FALSE(parse_level("loud").ok());
  EXPECT_EQ(*parse_level("warning"), Level::kWarn);
}

}  // namespace
}  // namespace chorus::log
