#include "cli/project_commands.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <memory>

#include "cli/agent.h"
#include "cli/build.h"
#include "cli/canister_commands.h"
#include "cli/deploy.h"
#include "cli/network.h"
#include "cli/new_project.h"
#include "cli/project.h"
#include "encoding/candid_text.h"

namespace chorus::cli {

namespace fs = std::filesystem;

namespace {

constexpr char kLocal[] = "local";

// What the project commands share; lives as long as the app (owned by a shared_ptr the
// callbacks hold).
struct State {
  CommandContext* ctx = nullptr;
  std::optional<fs::path> root;     // the project, when run inside one
  NetworkPaths paths;
  std::optional<std::string> local_url;  // the running local network's, when there is one
  std::string default_url;               // ctx->network_url before parsing

  // canister_ids.json's key for the network the command talks to.
  std::string network_key() const {
    if (local_url && ctx->network_url == *local_url) return kLocal;
    if (ctx->network_url == default_url) return kLocal;
    return ctx->network_url;
  }
};

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

Result<Project> need_project(const State& s) {
  if (!s.root) {
    return Error("no chorus.toml here or in a folder above; create a project with `chorus new "
                 "NAME`, or cd into one");
  }
  return load_project(*s.root);
}

// Sample arguments for a method: primitives get a value, other types a placeholder to fill in.
std::string sample_args(const candid::ArgTypes& args) {
  if (args.types.empty()) return "";
  std::string out;
  for (const candid::TypeRef& t : args.types) {
    std::string v = "...";
    if (t.is(candid::Prim::kText)) {
      v = "\"world\"";
    } else if (t.is_prim() && t.as_prim() != candid::Prim::kNull && t.as_prim() != candid::Prim::kBool &&
               t.as_prim() != candid::Prim::kPrincipal && t.as_prim() != candid::Prim::kReserved &&
               t.as_prim() != candid::Prim::kEmpty) {
      v = "1";
    }
    out += (out.empty() ? "" : ", ") + v;
  }
  return " '(" + out + ")'";
}

// One `chorus canister call` line per method of the interface.
std::string example_calls(const std::string& did_text, const std::string& canister) {
  auto service = candid::parse_did(did_text);
  if (!service) return "";
  std::string out;
  for (const std::string& m : service->method_names()) {
    auto method = service->method(m);
    if (!method) continue;
    out += "  chorus canister call " + canister + " " + m + sample_args(method->args) + "\n";
  }
  return out;
}

void cmd_new(State& s, const std::string& name, const std::string& type) {
  CanisterType t = type == "cpp" ? CanisterType::kCpp : CanisterType::kMotoko;
  auto root = new_project(fs::current_path(), name, t);
  if (!root) {
    s.ctx->exit_code = fail(root.error().message());
    return;
  }
  std::printf("created %s (a %s backend canister)\n\nnext:\n  cd %s\n  chorus start --background\n"
              "  chorus deploy\n  chorus canister call backend greet '(\"world\")'\n",
              root->string().c_str(), type == "cpp" ? "C++" : "Motoko", name.c_str());
}

void cmd_build(State& s, const std::optional<std::string>& name) {
  auto project = need_project(s);
  if (!project) {
    s.ctx->exit_code = fail(project.error().message());
    return;
  }
  auto tools = locate_toolchain(s.ctx->verbose);
  if (!tools) {
    s.ctx->exit_code = fail(tools.error().message());
    return;
  }
  for (const auto& c : project->canisters) {
    if (name && c.name != *name) continue;
    auto out = build_canister(*project, c, *tools);
    if (!out) {
      s.ctx->exit_code = fail("building " + c.name + ": " + out.error().message());
      return;
    }
    std::printf("%s: %s\n", c.name.c_str(), fs::relative(out->wasm, *s.root).string().c_str());
  }
  if (name && project->find(*name) == nullptr) {
    s.ctx->exit_code = fail("chorus.toml has no canister '" + *name + "'");
  }
}

void cmd_deploy(State& s, const std::optional<std::string>& name,
                const std::optional<std::string>& argument, bool reinstall) {
  auto project = need_project(s);
  if (!project) {
    s.ctx->exit_code = fail(project.error().message());
    return;
  }
  auto tools = locate_toolchain(s.ctx->verbose);
  if (!tools) {
    s.ctx->exit_code = fail(tools.error().message());
    return;
  }
  auto ids = CanisterIds::load(project->chorus_dir() / "canister_ids.json");
  if (!ids) {
    s.ctx->exit_code = fail(ids.error().message());
    return;
  }
  auto agent = connect_agent(*s.ctx);
  if (!agent) {
    s.ctx->exit_code = fail(agent.error().message());
    return;
  }
  DeployOptions options;
  options.canister = name;
  options.argument = argument;
  options.reinstall = reinstall;
  options.network_key = s.network_key();
  auto done = deploy(*project, *agent, *ids, *tools, options, stdout);
  if (!done) {
    s.ctx->exit_code = fail(done.error().message());
    return;
  }
  std::printf("\ndeployed to %s:\n", s.ctx->network_url.c_str());
  for (const auto& d : *done) {
    std::printf("  %-12s %s (%s)\n", d.name.c_str(), d.id.to_text().c_str(), d.action.c_str());
  }
  for (const auto& d : *done) {
    auto did = read_text_file(project->build_dir(d.name) / (d.name + ".did"));
    std::string calls = did ? example_calls(*did, d.name) : "";
    if (!calls.empty()) std::printf("\ncall %s:\n%s", d.name.c_str(), calls.c_str());
  }
}

void cmd_start(State& s, bool background, int port, bool clean) {
  if (port < 0 || port > 65535) {
    s.ctx->exit_code = fail("--port must be in 0..65535");
    return;
  }
  StartOptions o;
  o.background = background;
  o.port = static_cast<uint16_t>(port);
  o.clean = clean;
  o.verbose = s.ctx->verbose;
  if (clean && s.root) {
    // The network's canisters are gone with its state: forget their ids.
    auto ids = CanisterIds::load(*s.root / ".chorus/canister_ids.json");
    if (ids) {
      ids->clear(kLocal);
      (void)ids->save();
    }
  }
  auto info = start_network(s.paths, o, [&](const NetworkInfo& i) {
    if (background) return;
    std::printf("local network at %s (pid %d, state in %s); Ctrl-C stops it\n", i.url.c_str(),
                static_cast<int>(i.pid), s.paths.dir.string().c_str());
    std::fflush(stdout);
  });
  if (!info) {
    s.ctx->exit_code = fail(info.error().message());
    return;
  }
  if (background) {
    std::printf("local network at %s (pid %d, log in %s); `chorus stop` stops it\n",
                info->url.c_str(), static_cast<int>(info->pid), s.paths.log_file().string().c_str());
  }
}

void cmd_stop(State& s) {
  auto stopped = stop_network(s.paths);
  if (!stopped) {
    s.ctx->exit_code = fail(stopped.error().message());
    return;
  }
  std::printf(*stopped ? "stopped the local network\n" : "no local network was running\n");
}

void cmd_status(State& s) {
  auto running = running_network(s.paths);
  if (!running) {
    s.ctx->exit_code = fail(running.error().message());
    return;
  }
  if (!*running) {
    std::printf("not running (start it with `chorus start --background`)\n");
    s.ctx->exit_code = 3;
    return;
  }
  const NetworkInfo& i = **running;
  auto st = fetch_status(i.url);
  NetworkMetrics m = fetch_metrics(i.url);
  std::printf("running\nurl:       %s\npid:       %d\nstate:     %s\nhealthy:   %s\n", i.url.c_str(),
              static_cast<int>(i.pid), s.paths.dir.string().c_str(),
              st.ok() ? (st->healthy ? "yes" : "not yet") : ("no answer: " + st.error().message()).c_str());
  if (m.certified_height) std::printf("height:    %llu\n", static_cast<unsigned long long>(*m.certified_height));
  if (m.canisters) std::printf("canisters: %llu\n", static_cast<unsigned long long>(*m.canisters));
}

}  // namespace

void register_project_commands(CLI::App& app, CommandContext& ctx) {
  auto s = std::make_shared<State>();
  s->ctx = &ctx;
  s->root = find_project_root(fs::current_path());
  s->paths = network_paths(s->root, ctx.chorus_home);
  s->default_url = ctx.network_url;
  if (auto r = running_network(s->paths); r.ok() && *r) {
    s->local_url = (*r)->url;
    ctx.network_url = (*r)->url;
    s->default_url = ctx.network_url;
  }
  ctx.resolve_canister = [s](const std::string& text) -> Result<Principal> {
    if (auto p = Principal::from_text(text)) return *p;
    if (!s->root) {
      return Error("'" + text + "' is not a principal, and there is no chorus.toml here to name "
                   "canisters");
    }
    auto ids = CanisterIds::load(*s->root / ".chorus/canister_ids.json");
    if (!ids) return ids.error();
    if (auto id = ids->get(s->network_key(), text)) return *id;
    return Error("no canister '" + text + "' is recorded for " + s->ctx->network_url +
                 "; deploy it with `chorus deploy " + text + "` (or give its principal)");
  };
  ctx.on_canister_created = [s](const std::string& name, const Principal& id) {
    if (!s->root || name.empty() || Principal::from_text(name).ok()) return;
    auto ids = CanisterIds::load(*s->root / ".chorus/canister_ids.json");
    if (!ids) return;
    ids->set(s->network_key(), name, id);
    (void)ids->save();
  };

  auto* nw = app.add_subcommand("new", "scaffold a project that deploys as it is");
  auto name = std::make_shared<std::string>();
  auto type = std::make_shared<std::string>("motoko");
  nw->add_option("name", *name, "the project's folder name")->required();
  nw->add_option("--type", *type, "the backend's language")->check(CLI::IsMember({"motoko", "cpp"}));
  nw->final_callback([s, name, type] { cmd_new(*s, *name, *type); });

  auto* build = app.add_subcommand("build", "build the project's canisters into .chorus/build/");
  auto build_name = std::make_shared<std::optional<std::string>>();
  build->add_option("canister", *build_name, "only this canister of chorus.toml");
  build->final_callback([s, build_name] { cmd_build(*s, *build_name); });

  auto* dep = app.add_subcommand("deploy", "build, create where needed, install or upgrade");
  auto dep_name = std::make_shared<std::optional<std::string>>();
  auto dep_arg = std::make_shared<std::optional<std::string>>();
  auto dep_reinstall = std::make_shared<bool>(false);
  dep->add_option("canister", *dep_name, "only this canister of chorus.toml");
  dep->add_option("--argument", *dep_arg, "Candid text for the installation (overrides init_arg)");
  dep->add_flag("--reinstall", *dep_reinstall, "reinstall instead of upgrading (the state is lost)");
  dep->final_callback([s, dep_name, dep_arg, dep_reinstall] {
    cmd_deploy(*s, *dep_name, *dep_arg, *dep_reinstall);
  });

  auto* start = app.add_subcommand("start", "start the local network (one replica)");
  auto bg = std::make_shared<bool>(false), clean = std::make_shared<bool>(false);
  auto port = std::make_shared<int>(4943);
  start->add_flag("--background", *bg, "return once the network answers");
  start->add_option("--port", *port, "port to listen on (0: any free port)");
  start->add_flag("--clean", *clean, "start from an empty state (canister ids are forgotten)");
  start->final_callback([s, bg, port, clean] { cmd_start(*s, *bg, *port, *clean); });

  app.add_subcommand("stop", "stop the local network")->final_callback([s] { cmd_stop(*s); });
  app.add_subcommand("status", "is the local network running, where, how far")
      ->final_callback([s] { cmd_status(*s); });
}

}  // namespace chorus::cli
