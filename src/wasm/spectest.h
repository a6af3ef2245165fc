// Runs the official spec test suite in wast2json form (a JSON command list beside the .wasm files
// it names) against the interpreter: modules are decoded, validated and instantiated (with the
// suite's "spectest" host module and registered modules as imports), and every action and
// assertion is executed. What cannot run yet is skipped with its reason, never failed or passed:
// files of proposals outside the IC's feature set (an explicit list), modules the engine cannot
// instantiate yet (SIMD), and the commands that use such modules.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "wasm/executors.h"

namespace chorus::wasm {

struct SpecTestTotals {
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
  // Passed assert_malformed/assert_invalid commands whose module was refused for using a proposal
  // outside the IC's feature set rather than for the reason the test names.
  uint64_t refused_as_unsupported = 0;
  std::map<std::string, uint64_t> skip_reasons;                    // reason -> commands
  std::vector<std::pair<std::string, std::string>> skipped_files;  // file -> reason
};

// Which suite a run reads: the current one (Wasm 3.0, ../shared/wasm-testsuite/json), or the
// Wasm 2.0 snapshot (../shared/wasm-testsuite/*.wast, converted by Debian's wast2json). Where
// Wasm 3.0 changed the meaning of a 2.0 test, the 2.0 command is skipped with the reason (the
// engine follows 3.0, whose suite is the reference), and 2.0 files that 3.0 rewrote for a
// proposal outside the IC's set run whole.
enum class SpecSuite : uint8_t { kCurrent, kWasm2 };

struct SpecTestOptions {
  bool verbose = false;  // log every command, not only failures
  ExecutorKind executor = ExecutorKind::kStack;
  SpecSuite suite = SpecSuite::kCurrent;
  bool metering = true;  // false: code without metering (ExecutionLimits::metering)
};

// Why the file (its .wast name without extension, e.g. "return_call") is skipped whole, if it is.
std::optional<std::string_view> skipped_file_reason(std::string_view name,
                                                    SpecSuite suite = SpecSuite::kCurrent);

// Runs one JSON file, adding to |totals| and writing failures (and, if verbose, every command)
// to |log|. Fails only when the file itself cannot be read or parsed.
Status run_spec_file(const std::string& json_path, SpecTestTotals& totals, std::ostream& log,
                     const SpecTestOptions& options = {});

// Runs every PATH: a .json file, a folder holding <folder>.json, or a folder of such folders
// (sorted by name). Skipped files are recorded in |totals| with their reason.
Status run_spec_paths(const std::vector<std::string>& paths, SpecTestTotals& totals,
                      std::ostream& log, const SpecTestOptions& options = {});

}  // namespace chorus::wasm
