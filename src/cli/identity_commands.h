// `chorus identity new|list|use|whoami|principal|export|import`, over cli::IdentityStore.
#pragma once

namespace CLI {
class App;
}

namespace chorus::cli {

struct CommandContext;

// Adds `identity` and its subcommands to |app|; results go to ctx.exit_code.
void register_identity_commands(CLI::App& app, CommandContext& ctx);

}  // namespace chorus::cli
