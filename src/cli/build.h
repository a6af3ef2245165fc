// Builds the canisters of a project into .chorus/build/NAME/: Motoko with the `motoko` npm
// package (src/cli/moc.mjs run by node), C++ with clang++ and the cdk (the flags of
// chorus_cpp_canister in cmake/chorus.cmake), prebuilt modules copied.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"
#include "cli/project.h"

namespace chorus::cli {

// Where the tools and the kits are.
struct Toolchain {
  std::filesystem::path source_dir;  // a Chorus source tree: cdk/, src/cli/moc.mjs, node_modules/
  std::string node = "node";
  std::string clangxx;               // empty: not found
  std::string objcopy;
  bool verbose = false;              // print the commands run
};

// Finds the source tree ($CHORUS_SOURCE_DIR, else the one this binary was built from) and the
// compilers on $PATH. Missing compilers are only reported when a build needs them.
Result<Toolchain> locate_toolchain(bool verbose);

struct BuildOutput {
  std::filesystem::path wasm;              // NAME.wasm (or NAME.wasm.gz for a prebuilt gzip)
  std::optional<std::filesystem::path> did;  // the Candid interface, when known
};

// Builds one canister. Compiler messages go to standard error; the error says which step failed.
Result<BuildOutput> build_canister(const Project& project, const CanisterSpec& canister,
                                   const Toolchain& tools);

}  // namespace chorus::cli
