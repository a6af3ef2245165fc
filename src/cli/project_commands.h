// `chorus new | build | deploy | start | stop | status`: the project side of the CLI, over
// project.h, build.h, deploy.h and network.h.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace chorus::cli {

struct CommandContext;

// Fills ctx before parsing: the network URL of the running local network (the project's
// .chorus/network.json, or $CHORUS_HOME's outside a project), resolve_canister reading
// .chorus/canister_ids.json, and on_canister_created recording ids there. Then adds the
// subcommands to app; each leaves its exit code in ctx.exit_code.
// REQUIRES: ctx outlives app's parse.
void register_project_commands(CLI::App& app, CommandContext& ctx);

}  // namespace chorus::cli
