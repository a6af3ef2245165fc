// `chorus deploy`: builds the project's canisters, creates those without an id on the network,
// and installs or upgrades their code.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "cli/agent.h"
#include "cli/build.h"
#include "cli/project.h"

namespace chorus::cli {

struct DeployOptions {
  std::optional<std::string> canister;   // only this one (a name of chorus.toml)
  std::optional<std::string> argument;   // Candid text overriding init_arg
  bool reinstall = false;                // wipe state instead of upgrading
  std::string network_key = "local";     // the key of canister_ids.json
};

struct DeployedCanister {
  std::string name;
  Principal id;
  std::string action;  // "installed", "upgraded", "reinstalled" or "unchanged"
};

// Deploys each canister (or options.canister) in turn, recording new ids in ids (saved at once,
// so that a failure later does not forget a created canister). Progress goes to out. Stops at
// the first failure, whose error names the canister and what to do.
Result<std::vector<DeployedCanister>> deploy(const Project& project, Agent& agent, CanisterIds& ids,
                                             const Toolchain& tools, const DeployOptions& options,
                                             std::FILE* out);

// Whether a Wasm module (not gzipped) declares the "enhanced-orthogonal-persistence" custom
// section, i.e. whether upgrades must keep its Wasm memory.
bool has_enhanced_persistence(ByteView wasm);

// The Candid bytes of an installation argument: text typed against the init arguments of the
// .did text (did empty: untyped is refused), or the empty argument list when text is absent.
Result<Bytes> encode_init_arg(const std::optional<std::string>& text, const std::string& did_text);

}  // namespace chorus::cli
