#include "cli/canister_commands.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "base/file.h"
#include "base/hex.h"
#include "cli/agent.h"
#include "cli/candid_io.h"
#include "cli/identity.h"

namespace chorus::cli {

namespace {

constexpr uint64_t kMaxWasmBytes = 256u << 20;
// What a new local canister starts with, as dfx gives: 100 T cycles.
constexpr char kDefaultCycles[] = "100000000000000";

int fail(CommandContext& ctx, const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  ctx.exit_code = 1;
  return 1;
}

Result<Principal> resolve(const CommandContext& ctx, const std::string& name) {
  if (ctx.resolve_canister) return ctx.resolve_canister(name);
  auto p = Principal::from_text(name);
  if (!p.ok()) {
    return Error("'" + name + "' is not a canister id (" + p.error().message() +
                 "); give the id that `chorus canister create` printed");
  }
  return p;
}

Result<std::string> read_text_file(const std::string& path) {
  CHORUS_ASSIGN_OR_RETURN(Bytes b, read_file(path, 64u << 20));
  return std::string(as_chars(b));
}

std::string human_bytes(size_t n) {
  char buf[32];
  if (n >= (1u << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", n / 1048576.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f KiB", n / 1024.0);
  }
  return buf;
}

// A progress bar on a terminal; elsewhere one line once the upload is complete.
std::function<void(size_t, size_t)> progress_printer() {
  bool tty = ::isatty(STDERR_FILENO) != 0;
  return [tty](size_t done, size_t total) {
    if (total <= kChunkedInstallThreshold) return;
    if (tty) {
      constexpr int kWidth = 30;
      int filled = total == 0 ? kWidth : static_cast<int>(kWidth * done / total);
      std::string bar(filled, '#');
      bar.append(kWidth - filled, '.');
      std::fprintf(stderr, "\rUploading [%s] %3d%% %s / %s", bar.c_str(),
                   total == 0 ? 100 : static_cast<int>(100 * done / total), human_bytes(done).c_str(),
                   human_bytes(total).c_str());
      if (done == total) std::fprintf(stderr, "\n");
    } else if (done == total) {
      std::fprintf(stderr, "Uploaded %s in %zu chunks\n", human_bytes(total).c_str(),
                   (total + kChunkSize - 1) / kChunkSize);
    }
  };
}

std::string timestamp_text(uint64_t nanos) {
  std::time_t secs = static_cast<std::time_t>(nanos / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long long>(nanos % 1'000'000'000));
  return buf;
}

std::string controllers_text(const std::vector<Principal>& cs) {
  std::string s;
  for (const Principal& p : cs) s += (s.empty() ? "" : " ") + p.to_text();
  return s.empty() ? "(none)" : s;
}

// Options of install, upgrade and reinstall.
struct InstallArgs {
  std::string canister, wasm, argument, argument_file, candid, mode = "install";
  bool keep_memory = false, no_keep_memory = false;
};

int run_install(CommandContext& ctx, const InstallArgs& a, InstallMode mode) {
  auto id = resolve(ctx, a.canister);
  if (!id.ok()) return fail(ctx, id.error().message());
  auto wasm = read_file(a.wasm, kMaxWasmBytes);
  if (!wasm.ok()) return fail(ctx, wasm.error().message());
  // The installation argument, typed against the module's own interface (or --candid).
  std::optional<candid::ServiceInterface> iface;
  std::string did_text;
  if (!a.candid.empty()) {
    auto t = read_text_file(a.candid);
    if (!t.ok()) return fail(ctx, t.error().message());
    did_text = *t;
  } else if (auto embedded = module_candid_service(*wasm); embedded.ok() && *embedded) {
    did_text = **embedded;
  } else if (!embedded.ok()) {
    return fail(ctx, a.wasm + ": " + embedded.error().message());
  }
  if (!did_text.empty()) {
    auto parsed = parse_interface(did_text);
    if (!parsed.ok()) return fail(ctx, parsed.error().message());
    iface = std::move(*parsed);
  }
  std::string arg_text = a.argument;
  if (!a.argument_file.empty()) {
    auto t = read_text_file(a.argument_file);
    if (!t.ok()) return fail(ctx, t.error().message());
    arg_text = *t;
  }
  auto arg = encode_init_args(iface ? &*iface : nullptr, arg_text);
  if (!arg.ok()) return fail(ctx, arg.error().message());
  InstallOptions options;
  options.mode = mode;
  if (mode == InstallMode::kUpgrade) {
    // Enhanced orthogonal persistence keeps the heap in the Wasm memory: its upgrades must keep
    // that memory, and the replica refuses to keep it for other modules.
    auto eop = module_has_eop_marker(*wasm);
    if (!eop.ok()) return fail(ctx, a.wasm + ": " + eop.error().message());
    options.keep_wasm_memory = a.keep_memory || (*eop && !a.no_keep_memory);
  }
  options.progress = progress_printer();
  auto agent = connect_agent(ctx);
  if (!agent.ok()) return fail(ctx, agent.error().message());
  Status s = agent->install_code(*id, *wasm, *arg, options);
  if (!s.ok()) {
    std::string hint;
    const std::string& m = s.error().message();
    if (mode == InstallMode::kInstall && (m.find("not empty") != std::string::npos || m.find("non-empty") != std::string::npos)) {
      hint = "; the canister has a module already: use `chorus canister upgrade` (keeps state) or `reinstall`";
    }
    return fail(ctx, "installing " + a.wasm + " on " + id->to_text() + ": " + m + hint);
  }
  const char* verb = mode == InstallMode::kUpgrade ? "Upgraded" : mode == InstallMode::kReinstall ? "Reinstalled" : "Installed";
  std::printf("%s %s on %s%s\n", verb, a.wasm.c_str(), id->to_text().c_str(),
              options.keep_wasm_memory ? " (Wasm memory kept)" : "");
  return 0;
}

void add_install_options(CLI::App* cmd, InstallArgs& a) {
  cmd->add_option("canister", a.canister, "canister id (or name in a project)")->required();
  cmd->add_option("--wasm", a.wasm, "the module (.wasm or .wasm.gz)")->required();
  cmd->add_option("--argument", a.argument, "installation arguments as Candid text, e.g. '(opt \"hi\")'");
  cmd->add_option("--argument-file", a.argument_file, "a file with the installation arguments as Candid text");
  cmd->add_option("--candid", a.candid, "a .did file to type the arguments (default: the module's candid:service)");
}

struct CallArgs {
  std::string canister, method, args, argument_file, candid, output = "candid";
  bool query = false, update = false;
};

int run_call(CommandContext& ctx, const CallArgs& a) {
  auto id = resolve(ctx, a.canister);
  if (!id.ok()) return fail(ctx, id.error().message());
  auto format = parse_output_format(a.output);
  if (!format.ok()) return fail(ctx, format.error().message());
  if (a.query && a.update) return fail(ctx, "--query and --update exclude each other");
  auto agent = connect_agent(ctx);
  if (!agent.ok()) return fail(ctx, agent.error().message());
  std::string did_text;
  if (!a.candid.empty()) {
    auto t = read_text_file(a.candid);
    if (!t.ok()) return fail(ctx, t.error().message());
    did_text = *t;
  } else {
    auto m = agent->canister_metadata(*id, "candid:service");
    if (!m.ok()) return fail(ctx, m.error().message());
    if (*m) did_text = std::string(as_chars(**m));
  }
  std::optional<candid::ServiceInterface> iface;
  if (!did_text.empty()) {
    auto parsed = parse_interface(did_text);
    if (!parsed.ok()) return fail(ctx, parsed.error().message());
    iface = std::move(*parsed);
  }
  bool query = a.query;
  if (iface && !a.query && !a.update) {
    auto q = method_is_query(*iface, a.method);
    if (!q.ok()) return fail(ctx, q.error().message());
    query = *q;
  }
  std::string arg_text = a.args;
  if (!a.argument_file.empty()) {
    auto t = read_text_file(a.argument_file);
    if (!t.ok()) return fail(ctx, t.error().message());
    arg_text = *t;
  }
  auto arg = encode_method_args(iface ? &*iface : nullptr, a.method, arg_text);
  if (!arg.ok()) return fail(ctx, arg.error().message());
  auto reply = query ? agent->query(*id, a.method, *arg) : agent->update(*id, a.method, *arg);
  if (!reply.ok()) return fail(ctx, reply.error().message());
  const candid::ServiceInterface* typed = iface && iface->method(a.method).ok() ? &*iface : nullptr;
  auto text = format_reply(typed, a.method, *reply, *format);
  if (!text.ok()) return fail(ctx, text.error().message());
  std::printf("%s\n", text->c_str());
  return 0;
}

}  // namespace

Result<Agent> connect_agent(const CommandContext& ctx) {
  CHORUS_ASSIGN_OR_RETURN(IdentityStore store, IdentityStore::open(ctx.chorus_home));
  auto identity = ctx.identity_name.empty() ? store.current() : store.load(ctx.identity_name);
  if (!identity.ok()) return identity.error();
  AgentOptions options;
  options.url = ctx.network_url;
  options.root_key_der = ctx.root_key_der;
  options.verbose = ctx.verbose;
  return Agent::connect(std::move(options), std::move(*identity));
}

void register_global_options(CLI::App& app, CommandContext& ctx) {
  if (app.get_option_no_throw("--network") == nullptr) {
    app.add_option("--network", ctx.network_url, "the replica's URL (default: the project's local network)");
  }
  if (app.get_option_no_throw("--identity") == nullptr) {
    app.add_option("--identity", ctx.identity_name, "the identity to sign with (default: `chorus identity use`)");
  }
  if (app.get_option_no_throw("--verbose") == nullptr) {
    app.add_flag("--verbose,-v", ctx.verbose, "print every request made and its answer on stderr");
  }
}

void register_canister_commands(CLI::App& app, CommandContext& ctx) {
  CommandContext* c = &ctx;
  CLI::App* canister = app.add_subcommand("canister", "create, install, call and manage canisters");
  canister->require_subcommand(1);

  {
    auto a = std::make_shared<std::pair<std::string, std::string>>("", kDefaultCycles);
    CLI::App* cmd = canister->add_subcommand("create", "create an empty canister (prints its id)");
    cmd->add_option("name", a->first, "a name for the project to remember the id by");
    cmd->add_option("--cycles", a->second, "cycles to start with (default 100T)");
    cmd->callback([c, a] {
      auto cycles = BigInt::from_decimal(a->second);
      if (!cycles.ok() || cycles->is_negative()) return (void)fail(*c, "--cycles wants a natural number, got '" + a->second + "'");
      auto agent = connect_agent(*c);
      if (!agent.ok()) return (void)fail(*c, agent.error().message());
      auto id = agent->create_canister(*cycles);
      if (!id.ok()) return (void)fail(*c, "creating a canister: " + id.error().message());
      if (c->on_canister_created) c->on_canister_created(a->first, *id);
      std::printf("%s\n", id->to_text().c_str());
    });
  }
  struct ModeCmd { const char* name; const char* help; InstallMode mode; };
  for (ModeCmd m : {ModeCmd{"install", "install a module on an empty canister", InstallMode::kInstall},
                    ModeCmd{"upgrade", "upgrade the module, keeping stable memory (and Wasm memory for Motoko EOP)",
                            InstallMode::kUpgrade},
                    ModeCmd{"reinstall", "replace the module and wipe the canister's state", InstallMode::kReinstall}}) {
    auto a = std::make_shared<InstallArgs>();
    CLI::App* cmd = canister->add_subcommand(m.name, m.help);
    add_install_options(cmd, *a);
    if (m.mode == InstallMode::kUpgrade) {
      cmd->add_flag("--keep-wasm-memory", a->keep_memory, "keep the Wasm memory (default: when the module declares EOP)");
      cmd->add_flag("--no-keep-wasm-memory", a->no_keep_memory, "do not keep the Wasm memory");
    }
    if (m.mode == InstallMode::kInstall) {
      cmd->add_option("--mode", a->mode, "install, reinstall or upgrade")
          ->check(CLI::IsMember({"install", "reinstall", "upgrade"}));
    }
    InstallMode mode = m.mode;
    cmd->callback([c, a, mode] {
      InstallMode chosen = mode;
      if (mode == InstallMode::kInstall && a->mode == "reinstall") chosen = InstallMode::kReinstall;
      if (mode == InstallMode::kInstall && a->mode == "upgrade") chosen = InstallMode::kUpgrade;
      run_install(*c, *a, chosen);
    });
  }
  {
    auto a = std::make_shared<CallArgs>();
    CLI::App* cmd = canister->add_subcommand("call", "call a method (query methods are detected from the interface)");
    cmd->add_option("canister", a->canister, "canister id (or name in a project)")->required();
    cmd->add_option("method", a->method, "method name")->required();
    cmd->add_option("args", a->args, "arguments as Candid text, e.g. '(42, \"x\")'");
    cmd->add_option("--argument-file", a->argument_file, "a file with the arguments as Candid text");
    cmd->add_flag("--query", a->query, "send a query (unreplicated, not certified by consensus)");
    cmd->add_flag("--update", a->update, "send an update call even for a query method");
    cmd->add_option("--output", a->output, "candid (default), json or raw (hex)");
    cmd->add_option("--candid", a->candid, "a .did file (default: the canister's candid:service metadata)");
    cmd->callback([c, a] { run_call(*c, *a); });
  }
  // Commands that take one canister.
  struct Simple { const char* name; const char* help; };
  for (Simple spec : {Simple{"status", "the canister's status, controllers, module hash, memory and cycles"},
                   Simple{"start", "start a stopped canister"},
                   Simple{"stop", "stop a canister (it finishes open calls first)"},
                   Simple{"delete", "delete a stopped canister"},
                   Simple{"logs", "the canister's log (debug prints and traps)"},
                   Simple{"info", "controllers and module hash from the certified state"}}) {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = canister->add_subcommand(spec.name, spec.help);
    cmd->add_option("canister", *name, "canister id (or name in a project)")->required();
    std::string which = spec.name;
    cmd->callback([c, name, which] {
      auto id = resolve(*c, *name);
      if (!id.ok()) return (void)fail(*c, id.error().message());
      auto agent = connect_agent(*c);
      if (!agent.ok()) return (void)fail(*c, agent.error().message());
      if (which == "status") {
        auto st = agent->canister_status(*id);
        if (!st.ok()) return (void)fail(*c, "status of " + id->to_text() + ": " + st.error().message());
        std::printf("Canister: %s\nStatus: %s\nControllers: %s\nModule hash: %s\nMemory size: %s\n"
                    "Balance: %s cycles\nReserved cycles: %s\nFreezing threshold: %s\n"
                    "Idle cycles burned per day: %s\n",
                    id->to_text().c_str(), st->status.c_str(), controllers_text(st->controllers).c_str(),
                    st->module_hash ? ("0x" + to_hex(*st->module_hash)).c_str() : "None",
                    st->memory_size.to_decimal().c_str(), st->cycles.to_decimal().c_str(),
                    st->reserved_cycles.to_decimal().c_str(), st->freezing_threshold.to_decimal().c_str(),
                    st->idle_cycles_burned_per_day.to_decimal().c_str());
      } else if (which == "info") {
        auto info = agent->canister_info(*id);
        if (!info.ok()) return (void)fail(*c, info.error().message());
        std::printf("Controllers: %s\nModule hash: %s\n", controllers_text(info->controllers).c_str(),
                    info->module_hash ? ("0x" + to_hex(*info->module_hash)).c_str() : "None");
      } else if (which == "logs") {
        auto logs = agent->fetch_canister_logs(*id);
        if (!logs.ok()) return (void)fail(*c, "logs of " + id->to_text() + ": " + logs.error().message());
        for (const CanisterLogRecord& r : *logs) {
          std::printf("[%llu. %s]: %s\n", static_cast<unsigned long long>(r.idx),
                      timestamp_text(r.timestamp_nanos).c_str(), std::string(as_chars(r.content)).c_str());
        }
      } else if (which == "delete") {
        auto st = agent->canister_status(*id);
        if (st.ok() && st->status != "stopped") {
          return (void)fail(*c, "canister " + id->to_text() + " is " + st->status +
                                    "; stop it first with `chorus canister stop " + *name + "`");
        }
        Status s = agent->delete_canister(*id);
        if (!s.ok()) return (void)fail(*c, "deleting " + id->to_text() + ": " + s.error().message());
        std::printf("Deleted %s\n", id->to_text().c_str());
      } else {
        Status s = which == "start" ? agent->start_canister(*id) : agent->stop_canister(*id);
        if (!s.ok()) return (void)fail(*c, which + " " + id->to_text() + ": " + s.error().message());
        std::printf("%s %s\n", which == "start" ? "Started" : "Stopped", id->to_text().c_str());
      }
    });
  }
  {
    auto a = std::make_shared<std::pair<std::string, std::string>>();
    CLI::App* cmd = canister->add_subcommand("top-up", "add cycles to a canister (local networks: minted)");
    cmd->add_option("canister", a->first, "canister id (or name in a project)")->required();
    cmd->add_option("--cycles", a->second, "how many cycles, e.g. 1000000000000")->required();
    cmd->callback([c, a] {
      auto id = resolve(*c, a->first);
      if (!id.ok()) return (void)fail(*c, id.error().message());
      auto cycles = BigInt::from_decimal(a->second);
      if (!cycles.ok() || cycles->is_negative()) return (void)fail(*c, "--cycles wants a natural number, got '" + a->second + "'");
      auto agent = connect_agent(*c);
      if (!agent.ok()) return (void)fail(*c, agent.error().message());
      Status s = agent->top_up_canister(*id, *cycles);
      if (!s.ok()) return (void)fail(*c, "top-up of " + id->to_text() + ": " + s.error().message());
      auto st = agent->canister_status(*id);
      std::printf("Topped up %s with %s cycles%s\n", id->to_text().c_str(), cycles->to_decimal().c_str(),
                  st.ok() ? (", balance " + st->cycles.to_decimal()).c_str() : "");
    });
  }
}

}  // namespace chorus::cli
