#include "base/file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace chorus {
namespace {

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "/chorus_file_test_" + name;
}

TEST(ReadFile, ReadsWholeFiles) {
  std::string p = temp_path("data");
  Bytes data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<uint8_t>(i * 7));
  {
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  }
  auto r = read_file(p);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, data);
  EXPECT_FALSE(read_file(p, 99999).ok());
  std::remove(p.c_str());
}

TEST(ReadFile, ReadsFilesThatReportNoSize) {
  auto r = read_file("/proc/self/stat");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_GT(r->size(), 10u);
}

TEST(ReadFile, NamesThePathOnFailure) {
  auto r = read_file("/nonexistent/chorus");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("/nonexistent/chorus: cannot open"), std::string::npos);
}

}  // namespace
}  // namespace chorus
