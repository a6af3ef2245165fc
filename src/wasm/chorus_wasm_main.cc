// chorus-wasm: the engine's command-line runner.
//   chorus-wasm spectest [--verbose] PATH...   runs wast2json spec tests (see spectest.h)
//   chorus-wasm validate MODULE.wasm...        decodes and validates modules
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "wasm/spectest.h"
#include "wasm/validator.h"

namespace {

int usage() {
  std::cerr << "usage: chorus-wasm spectest [--verbose] PATH...\n"
               "       chorus-wasm validate MODULE.wasm...\n";
  return 2;
}

int spectest(const std::vector<std::string>& args) {
  bool verbose = false;
  std::vector<std::string> paths;
  for (const std::string& a : args) {
    if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) return usage();
  chorus::wasm::SpecTestTotals totals;
  chorus::Status s = chorus::wasm::run_spec_paths(paths, totals, std::cout, verbose);
  if (!s.ok()) {
    std::cerr << "chorus-wasm: " << s.error().message() << "\n";
    return 2;
  }
  if (!totals.skipped_files.empty()) {
    std::cout << "skipped files (outside the IC feature set):\n";
    for (const auto& [file, reason] : totals.skipped_files) {
      std::cout << "  " << file << ": " << reason << "\n";
    }
  }
  if (!totals.skip_reasons.empty()) {
    std::cout << "skipped commands by reason:\n";
    for (const auto& [reason, n] : totals.skip_reasons)
      std::cout << "  " << n << " " << reason << "\n";
  }
  if (totals.refused_as_unsupported > 0) {
    std::cout << "of the passed assertions, " << totals.refused_as_unsupported
              << " were refused as using an unsupported proposal\n";
  }
  std::cout << totals.passed << " passed, " << totals.failed << " failed, " << totals.skipped
            << " skipped\n";
  if (totals.passed == 0) {
    std::cerr << "chorus-wasm: no command passed; is the suite there?\n";
    return 2;
  }
  return totals.failed == 0 ? 0 : 1;
}

int validate(const std::vector<std::string>& files) {
  if (files.empty()) return usage();
  int rc = 0;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::cerr << f << ": cannot read\n";
      rc = 1;
      continue;
    }
    chorus::Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto start = std::chrono::steady_clock::now();
    auto m = chorus::wasm::decode_and_validate(bytes);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (m.ok()) {
      std::cout << f << ": valid (" << m->functions.size() << " functions, " << m->imports.size()
                << " imports, " << m->exports.size() << " exports; " << ms << " ms)\n";
    } else {
      std::cout << f << ": " << m.error().message() << "\n";
      rc = 1;
    }
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "spectest") return spectest(args);
  if (cmd == "validate") return validate(args);
  return usage();
}
