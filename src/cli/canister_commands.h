// `chorus canister …`: create, install, upgrade, reinstall, call, status, start, stop, delete,
// top-up, logs and info, spoken to a replica through cli::Agent.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "encoding/principal.h"

namespace CLI {
class App;
}

namespace chorus::cli {

class Agent;

// What every network command shares. The project side fills network_url (from `--network` or
// the project's .chorus/network.json) and may replace resolve_canister to map canister names of
// chorus.toml to ids.
struct CommandContext {
  std::string network_url = "http://127.0.0.1:4943";
  std::string identity_name;  // `--identity NAME`; empty: the store's current identity
  std::string chorus_home;    // empty: $CHORUS_HOME or ~/.config/chorus
  bool verbose = false;       // `--verbose`
  // The network's root key when the project side knows it (network.json); else fetched.
  std::optional<Bytes> root_key_der;
  // A canister name or text principal to its id; the default parses a text principal.
  std::function<Result<Principal>(const std::string&)> resolve_canister;
  // Called after `canister create` with (name as given, new id), so a project can remember it.
  std::function<void(const std::string&, const Principal&)> on_canister_created;
  // The exit code of the command that ran (0 when none of ours ran).
  int exit_code = 0;
};

// Adds the `--network`, `--identity` and `--verbose` options to |app| (bound to |ctx|).
// Call once, on the top-level app; either side may call it, a second call does nothing.
void register_global_options(CLI::App& app, CommandContext& ctx);

// Adds `canister` and its subcommands to |app|. Each subcommand runs from a final callback and
// leaves its exit code in ctx.exit_code. |ctx| must outlive |app|'s parse.
void register_canister_commands(CLI::App& app, CommandContext& ctx);

// Connects with ctx's network and identity; errors say how to start a replica.
Result<Agent> connect_agent(const CommandContext& ctx);

}  // namespace chorus::cli
