#include "wasm/spectest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "wasm/test_modules.h"

namespace chorus::wasm {
namespace {

namespace fs = std::filesystem;
using namespace testing;  // NOLINT

void write(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
void write(const fs::path& p, const std::string& s) { write(p, to_bytes(s)); }

class SpecTestRunner : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("chorus_spectest_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "demo");
    write(dir_ / "demo" / "valid.wasm", header());
    write(dir_ / "demo" / "malformed.wasm", Bytes{0x00, 0x61, 0x73});
    // A function returning i32 whose body is empty: invalid.
    write(dir_ / "demo" / "invalid.wasm", function_module({}, {kI32}, no_locals(), Bytes{0x0B}));
    write(dir_ / "demo" / "tail.wasm",
          function_module({}, {}, no_locals(), Bytes{0x12, 0x00, 0x0B}));
    // (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
    write(dir_ / "demo" / "div.wasm",
          function_module({kI32, kI32}, {kI32}, no_locals(),
                          Bytes{0x20, 0x00, 0x20, 0x01, 0x6E, 0x0B},
                          {section(7, cat({Bytes{0x01}, name("div"), Bytes{0x00, 0x00}}))}));
  }
  void TearDown() override { fs::remove_all(dir_); }

  SpecTestTotals run(const std::string& commands) {
    write(dir_ / "demo" / "demo.json",
          "{\"source_filename\": \"demo.wast\", \"commands\": [" + commands + "]}");
    SpecTestTotals totals;
    std::ostringstream log;
    Status s = run_spec_paths({dir_.string()}, totals, log);
    EXPECT_TRUE(s.ok()) << s.error().message();
    log_ = log.str();
    return totals;
  }

  fs::path dir_;
  std::string log_;
};

TEST_F(SpecTestRunner, ClassifiesCommands) {
  SpecTestTotals t = run(R"(
    {"type": "module", "line": 1, "filename": "valid.wasm"},
    {"type": "assert_malformed", "line": 2, "filename": "malformed.wasm", "text": "x", "module_type": "binary"},
    {"type": "assert_malformed", "line": 3, "filename": "x.wat", "text": "x", "module_type": "text"},
    {"type": "assert_invalid", "line": 4, "filename": "invalid.wasm", "text": "type mismatch", "module_type": "binary"},
    {"type": "module", "line": 5, "filename": "tail.wasm"},
    {"type": "assert_return", "line": 6, "action": {"type": "invoke", "field": "f", "args": []}, "expected": []},
    {"type": "module", "line": 7, "name": "$D", "filename": "div.wasm"},
    {"type": "assert_return", "line": 8, "action": {"type": "invoke", "field": "div", "args": [{"type": "i32", "value": "7"}, {"type": "i32", "value": "2"}]}, "expected": [{"type": "i32", "value": "3"}]},
    {"type": "assert_trap", "line": 9, "action": {"type": "invoke", "module": "$D", "field": "div", "args": [{"type": "i32", "value": "7"}, {"type": "i32", "value": "0"}]}, "text": "integer divide by zero"},
    {"type": "register", "line": 10, "as": "D"}
  )");
  EXPECT_EQ(t.passed, 7u) << log_;
  EXPECT_EQ(t.failed, 0u) << log_;
  EXPECT_EQ(t.skipped, 3u) << log_;
  EXPECT_EQ(t.skip_reasons["text format"], 1u);
  // The assertion on the module that could not load is skipped for the same reason.
  EXPECT_EQ(t.skip_reasons["outside the IC feature set: tail calls"], 2u);
}

TEST_F(SpecTestRunner, ReportsFailures) {
  SpecTestTotals t = run(R"(
    {"type": "module", "line": 1, "filename": "invalid.wasm"},
    {"type": "assert_invalid", "line": 2, "filename": "valid.wasm", "text": "x", "module_type": "binary"},
    {"type": "assert_invalid", "line": 3, "filename": "malformed.wasm", "text": "x", "module_type": "binary"},
    {"type": "assert_malformed", "line": 4, "filename": "missing.wasm", "text": "x", "module_type": "binary"},
    {"type": "module", "line": 5, "filename": "div.wasm"},
    {"type": "assert_return", "line": 6, "action": {"type": "invoke", "field": "div", "args": [{"type": "i32", "value": "7"}, {"type": "i32", "value": "2"}]}, "expected": [{"type": "i32", "value": "4"}]},
    {"type": "assert_trap", "line": 7, "action": {"type": "invoke", "field": "div", "args": [{"type": "i32", "value": "7"}, {"type": "i32", "value": "1"}]}, "text": "integer divide by zero"},
    {"type": "assert_return", "line": 8, "action": {"type": "invoke", "field": "nope", "args": []}, "expected": []}
  )");
  EXPECT_EQ(t.passed, 1u) << log_;  // the div module
  EXPECT_EQ(t.failed, 7u) << log_;
  EXPECT_NE(log_.find("FAIL demo:6"), std::string::npos) << log_;
  EXPECT_NE(log_.find("FAIL demo:7"), std::string::npos) << log_;
  EXPECT_NE(log_.find("no export nope"), std::string::npos) << log_;
  EXPECT_NE(log_.find("FAIL demo:2"), std::string::npos) << log_;
  EXPECT_NE(log_.find("refused as malformed instead"), std::string::npos) << log_;
}

TEST_F(SpecTestRunner, ComparesV128LaneByLane) {
  // (func (export "sqrt") (param v128) (result v128) (f32x4.sqrt (local.get 0)))
  write(dir_ / "demo" / "sqrt.wasm",
        function_module({kV128}, {kV128}, no_locals(), Bytes{0x20, 0x00, 0xFD, 0xE3, 0x01, 0x0B},
                        {section(7, cat({Bytes{0x01}, name("sqrt"), Bytes{0x00, 0x00}}))}));
  // 4.0f, -1.0f, 0, 9.0f; expected 2.0f, a canonical NaN, 0, 3.0f (wrong in the third command).
  SpecTestTotals t = run(R"(
    {"type": "module", "line": 1, "filename": "sqrt.wasm"},
    {"type": "assert_return", "line": 2, "action": {"type": "invoke", "field": "sqrt", "args": [{"type": "v128", "lane_type": "f32", "value": ["1082130432", "3212836864", "0", "1091567616"]}]}, "expected": [{"type": "v128", "lane_type": "f32", "value": ["1073741824", "nan:canonical", "0", "1077936128"]}]},
    {"type": "assert_return", "line": 3, "action": {"type": "invoke", "field": "sqrt", "args": [{"type": "v128", "lane_type": "i64", "value": ["0", "0"]}]}, "expected": [{"type": "v128", "lane_type": "i8", "value": ["0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"]}]},
    {"type": "assert_return", "line": 4, "action": {"type": "invoke", "field": "sqrt", "args": [{"type": "v128", "lane_type": "f32", "value": ["1082130432", "3212836864", "0", "1091567616"]}]}, "expected": [{"type": "v128", "lane_type": "f32", "value": ["1073741824", "nan:canonical", "1", "1077936128"]}]}
  )");
  EXPECT_EQ(t.passed, 3u) << log_;
  EXPECT_EQ(t.failed, 1u) << log_;
  EXPECT_EQ(t.skipped, 0u) << log_;
  EXPECT_NE(log_.find("FAIL demo:4"), std::string::npos) << log_;
}

TEST(SpecTestSkipList, NamesTheFeature) {
  EXPECT_EQ(skipped_file_reason("return_call").value_or(""), "tail calls");
  EXPECT_EQ(skipped_file_reason("relaxed_min_max").value_or(""), "relaxed SIMD");
  EXPECT_EQ(skipped_file_reason("struct").value_or(""), "GC");
  EXPECT_FALSE(skipped_file_reason("i32").has_value());
  EXPECT_FALSE(skipped_file_reason("simd_lane").has_value());
}

}  // namespace
}  // namespace chorus::wasm
