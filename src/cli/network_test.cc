#include "cli/network.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "cli/process.h"
#include "cli/project.h"

namespace chorus::cli {
namespace {

namespace fs = std::filesystem;

TEST(Network, PathsOfAProjectAndOfTheHome) {
  NetworkPaths p = network_paths(fs::path("/proj"));
  EXPECT_EQ(p.dir, fs::path("/proj/.chorus/network"));
  EXPECT_EQ(p.info_file, fs::path("/proj/.chorus/network.json"));
  EXPECT_EQ(p.state_dir(), fs::path("/proj/.chorus/network/state"));
  NetworkPaths h = network_paths(std::nullopt, "/home/u/.config/chorus");
  EXPECT_EQ(h.dir, fs::path("/home/u/.config/chorus/network"));
  EXPECT_EQ(h.info_file, fs::path("/home/u/.config/chorus/network.json"));
}

TEST(Network, InfoRoundTripsAndStaleInfoIsDropped) {
  fs::path d = fs::temp_directory_path() / ("chorus_network_test_" + std::to_string(::getpid()));
  fs::remove_all(d);
  NetworkPaths paths = network_paths(d);
  NetworkInfo info{"http://127.0.0.1:1234", ::getpid(), 1234, Bytes{1, 2, 3}};
  ASSERT_TRUE(write_network_info(paths.info_file, info).ok());
  auto back = read_network_info(paths.info_file);
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((*back)->url, info.url);
  EXPECT_EQ((*back)->pid, info.pid);
  EXPECT_EQ((*back)->port, 1234);
  EXPECT_EQ((*back)->root_key_der, info.root_key_der);
  // Our own pid is alive but is not a chorus-replica: the file is stale and goes.
  auto running = running_network(paths);
  ASSERT_TRUE(running.ok());
  EXPECT_FALSE(running->has_value());
  EXPECT_FALSE(fs::exists(paths.info_file));
  auto stopped = stop_network(paths);
  ASSERT_TRUE(stopped.ok());
  EXPECT_FALSE(*stopped);
  fs::remove_all(d);
}

TEST(Network, MalformedInfoIsAnError) {
  fs::path d = fs::temp_directory_path() / ("chorus_network_bad_" + std::to_string(::getpid()));
  fs::create_directories(d);
  ASSERT_TRUE(write_text_file(d / "network.json", "{\"url\": 3}").ok());
  EXPECT_FALSE(read_network_info(d / "network.json").ok());
  fs::remove_all(d);
}

TEST(Process, RunReportsExitCodes) {
  auto ok = run_process({"true"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 0);
  auto bad = run_process({"false"});
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(*bad, 1);
  EXPECT_FALSE(run_process({"/nonexistent/program"}).ok());
  EXPECT_TRUE(find_on_path("sh").has_value());
  EXPECT_FALSE(find_on_path("surely-not-a-program-here").has_value());
}

TEST(Process, AliveUntilReaped) {
  auto pid = spawn_process({"sleep", "30"}, {});
  ASSERT_TRUE(pid.ok());
  EXPECT_TRUE(process_alive(*pid));
  EXPECT_TRUE(process_is(*pid, "sleep"));
  EXPECT_FALSE(process_is(*pid, "chorus-replica"));
  ::kill(*pid, SIGTERM);
  for (int i = 0; i < 100 && process_alive(*pid); ++i) ::usleep(10000);
  EXPECT_FALSE(process_alive(*pid));
}

}  // namespace
}  // namespace chorus::cli
