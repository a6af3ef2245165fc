// `chorus new NAME`: a project folder that deploys as it is, with a backend canister that greets
// and counts (Motoko by default, C++ with the cdk on request) and a README on how to use it.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"
#include "cli/project.h"

namespace chorus::cli {

// Writes the project NAME into dir/NAME. Refuses an existing folder, and names that are not
// letters, digits, '_' and '-'. REQUIRES: type is kMotoko or kCpp.
Result<std::filesystem::path> new_project(const std::filesystem::path& dir, const std::string& name,
                                          CanisterType type);

}  // namespace chorus::cli
