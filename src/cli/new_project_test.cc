#include "cli/new_project.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace chorus::cli {
namespace {

namespace fs = std::filesystem;

class NewProject : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("chorus_new_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(NewProject, MotokoProjectParses) {
  auto root = new_project(dir_, "demo", CanisterType::kMotoko);
  ASSERT_TRUE(root.ok()) << root.error().message();
  auto p = load_project(*root);
  ASSERT_TRUE(p.ok()) << p.error().message();
  ASSERT_EQ(p->canisters.size(), 1u);
  EXPECT_EQ(p->canisters[0].type, CanisterType::kMotoko);
  EXPECT_TRUE(fs::is_regular_file(*root / p->canisters[0].main));
  EXPECT_TRUE(fs::is_regular_file(*root / "README.md"));
}

TEST_F(NewProject, CppProjectParses) {
  auto root = new_project(dir_, "demo_cpp", CanisterType::kCpp);
  ASSERT_TRUE(root.ok()) << root.error().message();
  auto p = load_project(*root);
  ASSERT_TRUE(p.ok()) << p.error().message();
  const CanisterSpec& c = p->canisters[0];
  EXPECT_EQ(c.type, CanisterType::kCpp);
  for (const auto& s : c.sources) EXPECT_TRUE(fs::is_regular_file(*root / s)) << s;
  EXPECT_TRUE(fs::is_regular_file(*root / c.did));
}

TEST_F(NewProject, RefusesExistingFolderAndBadNames) {
  ASSERT_TRUE(new_project(dir_, "demo", CanisterType::kMotoko).ok());
  auto again = new_project(dir_, "demo", CanisterType::kCpp);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("exists already"), std::string::npos);
  // The first project is untouched.
  EXPECT_TRUE(fs::is_regular_file(dir_ / "demo/src/backend/main.mo"));
  EXPECT_FALSE(fs::exists(dir_ / "demo/src/backend/main.cc"));
  EXPECT_FALSE(new_project(dir_, "a/b", CanisterType::kMotoko).ok());
  EXPECT_FALSE(new_project(dir_, "", CanisterType::kMotoko).ok());
  EXPECT_FALSE(new_project(dir_, "-x", CanisterType::kMotoko).ok());
  EXPECT_FALSE(fs::exists(dir_ / "a"));
}

}  // namespace
}  // namespace chorus::cli
