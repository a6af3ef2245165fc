// Child processes for the CLI: compilers run to completion, and the replica started in the
// foreground or detached in the background.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace chorus::cli {

// The first executable called name in the folders of $PATH, or nullopt.
std::optional<std::filesystem::path> find_on_path(const std::string& name);

// The path of the running executable (/proc/self/exe).
std::filesystem::path self_executable();

// Runs argv[0] (looked up on $PATH when it has no '/') with the given arguments, its output going
// to ours, and waits for it. Returns its exit code (128 + N when killed by signal N), or an error
// when it could not be started.
// REQUIRES: !argv.empty().
Result<int> run_process(const std::vector<std::string>& argv, bool verbose = false);

struct SpawnOptions {
  // Detached: a new session, standard input from /dev/null, standard output and error to
  // log_file. Otherwise the child shares our terminal and process group (Ctrl-C reaches it).
  bool detached = false;
  std::filesystem::path log_file;
};

// Starts argv[0] without waiting; the child's pid.
// REQUIRES: !argv.empty(); log_file set when detached.
Result<pid_t> spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options);

// Whether pid is a live process (a zombie counts as gone).
bool process_alive(pid_t pid);

// Whether pid is a live process whose executable name contains name_part (so that a pid
// recycled by an unrelated program is not mistaken for ours).
bool process_is(pid_t pid, const std::string& name_part);

}  // namespace chorus::cli
