#include "cli/identity_commands.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>

#include "base/file.h"
#include "cli/canister_commands.h"
#include "cli/identity.h"

namespace chorus::cli {

namespace {

int fail(CommandContext& ctx, const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  ctx.exit_code = 1;
  return 1;
}

}  // namespace

void register_identity_commands(CLI::App& app, CommandContext& ctx) {
  CommandContext* c = &ctx;
  CLI::App* identity = app.add_subcommand("identity", "keys that sign your requests");
  identity->require_subcommand(1);
  auto store = [c]() { return IdentityStore::open(c->chorus_home); };

  {
    auto a = std::make_shared<std::pair<std::string, std::string>>("", "ed25519");
    CLI::App* cmd = identity->add_subcommand("new", "create a new identity");
    cmd->add_option("name", a->first, "its name")->required();
    cmd->add_option("--type", a->second, "ed25519 (default) or secp256k1")->check(CLI::IsMember({"ed25519", "secp256k1"}));
    cmd->callback([c, a, store] {
      auto s = store();
      if (!s.ok()) return (void)fail(*c, s.error().message());
      if (Status st = s->create(a->first, a->second); !st.ok()) return (void)fail(*c, st.error().message());
      auto id = s->load(a->first);
      if (!id.ok()) return (void)fail(*c, id.error().message());
      std::printf("Created identity %s: %s\n", a->first.c_str(), id->principal().to_text().c_str());
    });
  }
  {
    CLI::App* cmd = identity->add_subcommand("list", "list identities (* marks the one in use)");
    cmd->callback([c, store] {
      auto s = store();
      if (!s.ok()) return (void)fail(*c, s.error().message());
      auto names = s->list();
      if (!names.ok()) return (void)fail(*c, names.error().message());
      std::string current = s->current_name();
      for (const std::string& n : *names) std::printf("%s%s\n", n.c_str(), n == current ? " *" : "");
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = identity->add_subcommand("use", "sign with this identity from now on");
    cmd->add_option("name", *name, "its name")->required();
    cmd->callback([c, name, store] {
      auto s = store();
      if (!s.ok()) return (void)fail(*c, s.error().message());
      if (Status st = s->use(*name); !st.ok()) return (void)fail(*c, st.error().message());
      std::printf("Using identity %s\n", name->c_str());
    });
  }
  for (const char* which : {"whoami", "principal"}) {
    CLI::App* cmd = identity->add_subcommand(
        which, std::string(which) == "whoami" ? "the name of the identity in use" : "the principal of the identity in use");
    std::string w = which;
    cmd->callback([c, store, w] {
      auto s = store();
      if (!s.ok()) return (void)fail(*c, s.error().message());
      std::string name = c->identity_name.empty() ? s->current_name() : c->identity_name;
      if (w == "whoami") return (void)std::printf("%s\n", name.c_str());
      auto id = s->load(name);
      if (!id.ok()) return (void)fail(*c, id.error().message());
      std::printf("%s\n", id->principal().to_text().c_str());
    });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = identity->add_subcommand("export", "print an identity's PEM file (keep it secret)");
    cmd->add_option("name", *name, "its name")->required();
    cmd->callback([c, name, store] {
      auto s = store();
      if (!s.ok()) return (void)fail(*c, s.error().message());
      auto pem = s->export_pem(*name);
      if (!pem.ok()) return (void)fail(*c, pem.error().message());
      std::fputs(pem->c_str(), stdout);
    });
  }
  {
    auto a = std::make_shared<std::pair<std::string, std::string>>();
    CLI::App* cmd = identity->add_subcommand("import", "import a PEM file (Ed25519 or secp256k1, as dfx and icp write)");
    cmd->add_option("name", a->first, "its name")->required();
    cmd->add_option("pem_file", a->second, "the PEM file, or - for standard input")->required();
    cmd->callback([c, a, store] {
      auto s = store();
      if (!s.ok()) return (void)fail(*c, s.error().message());
      std::string pem;
      if (a->second == "-") {
        pem.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      } else {
        auto b = read_file(a->second, 1 << 20);
        if (!b.ok()) return (void)fail(*c, b.error().message());
        pem.assign(as_chars(*b));
      }
      if (Status st = s->import_pem(a->first, pem); !st.ok()) return (void)fail(*c, st.error().message());
      auto id = s->load(a->first);
      if (!id.ok()) return (void)fail(*c, id.error().message());
      std::printf("Imported identity %s: %s\n", a->first.c_str(), id->principal().to_text().c_str());
    });
  }
}

}  // namespace chorus::cli
