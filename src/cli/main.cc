// `chorus`: the developer command line. Projects, builds, deploys and the local network
// (project_commands.h), canisters (canister_commands.h), identities (identity_commands.h), and the
// wire-format tools a developer needs to look inside IC traffic: principals, CBOR, request ids
// and hash trees.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "base/hex.h"
#include "cli/canister_commands.h"
#include "cli/identity_commands.h"
#include "cli/project_commands.h"
#include "encoding/cbor.h"
#include "encoding/hash_tree.h"
#include "encoding/principal.h"
#include "encoding/request_id.h"

namespace chorus {
namespace {

constexpr const char* kAbout = R"(Chorus — an implementation of the Internet Computer protocol in C++.

A project, from nothing to a call:
  chorus new hello                    # a Motoko backend (--type cpp: C++ with the cdk)
  cd hello
  chorus start --background           # the local network: one replica, state in .chorus/
  chorus deploy                       # build, create, install (later: upgrade, state kept)
  chorus canister call backend greet '("world")'
  chorus stop

More: chorus status | build | canister --help | identity --help; --verbose shows the requests.

Wire-format tools:
  chorus principal rwlgt-iiaaa-aaaaa-aaaaa-cai
  chorus principal --canister-index 2
  chorus cbor d9d9f7a26161016162820203
  chorus request-id <hex of a CBOR request content or envelope>
  chorus hash-tree <hex of a CBOR hash tree>
  chorus-wasm run MODULE.wasm --invoke NAME [ARGS...]
)";

// Hex from the argument, or from standard input when the argument is "-".
Result<Bytes> read_hex(const std::string& arg) {
  std::string text = arg;
  if (arg == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::string compact;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  if (compact.rfind("0x", 0) == 0) compact.erase(0, 2);
  return from_hex(compact);
}

int fail(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message().c_str());
  return 1;
}

void print_principal(const Principal& p) {
  std::printf("text:  %s\nhex:   %s\nclass: %s\n", p.to_text().c_str(), to_hex(p.bytes()).c_str(),
              std::string(class_name(p.kind())).c_str());
  if (auto index = p.canister_index()) {
    std::printf("canister index: %llu\n", static_cast<unsigned long long>(*index));
  }
}

}  // namespace
}  // namespace chorus

int main(int argc, char** argv) {
  using namespace chorus;
  CLI::App app{"chorus: the Internet Computer, in C++"};
  app.set_version_flag("--version", std::string("chorus ") + CHORUS_VERSION);
  app.require_subcommand(0, 1);

  // The network commands leave their exit code in ctx (they run from CLI11 callbacks).
  cli::CommandContext ctx;
  cli::register_global_options(app, ctx);
  cli::register_project_commands(app, ctx);
  cli::register_canister_commands(app, ctx);
  cli::register_identity_commands(app, ctx);

  app.add_subcommand("about", "what this build can do");
  app.add_subcommand("version", "print the version");

  auto* principal = app.add_subcommand("principal", "parse or build a principal");
  std::string principal_text, principal_hex, der_hex;
  uint64_t canister_index = 0;
  auto* text_opt = principal->add_option("text", principal_text, "textual principal to parse");
  auto* hex_opt = principal->add_option("--hex", principal_hex, "principal bytes in hex");
  auto* index_opt =
      principal->add_option("--canister-index", canister_index, "canister id of this index");
  auto* der_opt = principal->add_option("--self-authenticating", der_hex,
                                        "self-authenticating id of this DER public key (hex)");
  principal->require_option(1);
  (void)text_opt;

  auto* cbor_cmd = app.add_subcommand("cbor", "decode CBOR (hex, or - for stdin) to diagnostic notation");
  std::string cbor_hex;
  cbor_cmd->add_option("hex", cbor_hex)->required();

  auto* rid_cmd = app.add_subcommand("request-id", "request id of a CBOR request content or envelope");
  std::string rid_hex;
  rid_cmd->add_option("hex", rid_hex)->required();

  auto* tree_cmd = app.add_subcommand("hash-tree", "root digest and well-formedness of a CBOR hash tree");
  std::string tree_hex;
  tree_cmd->add_option("hex", tree_hex)->required();

  CLI11_PARSE(app, argc, argv);

  for (const char* name : {"new", "build", "deploy", "start", "stop", "status", "canister", "identity"}) {
    if (app.got_subcommand(name)) return ctx.exit_code;
  }

  if (app.got_subcommand("version")) {
    std::printf("chorus %s\n", CHORUS_VERSION);
    return 0;
  }
  if (app.got_subcommand(principal)) {
    if (*index_opt) {
      print_principal(Principal::from_canister_index(canister_index));
      return 0;
    }
    if (*hex_opt || *der_opt) {
      auto bytes = from_hex(*hex_opt ? principal_hex : der_hex);
      if (!bytes) return fail(bytes.error());
      if (*der_opt) {
        print_principal(Principal::self_authenticating(*bytes));
        return 0;
      }
      auto p = Principal::from_bytes(*bytes);
      if (!p) return fail(p.error());
      print_principal(*p);
      return 0;
    }
    auto p = Principal::from_text(principal_text);
    if (!p) return fail(p.error());
    print_principal(*p);
    return 0;
  }
  if (app.got_subcommand(cbor_cmd)) {
    auto bytes = read_hex(cbor_hex);
    if (!bytes) return fail(bytes.error());
    auto v = cbor::decode(*bytes);
    if (!v) return fail(v.error());
    std::printf("%s\n", cbor::diagnostic(*v).c_str());
    return 0;
  }
  if (app.got_subcommand(rid_cmd)) {
    auto bytes = read_hex(rid_hex);
    if (!bytes) return fail(bytes.error());
    auto v = cbor::decode(*bytes);
    if (!v) return fail(v.error());
    const cbor::Value& top = v->without_self_describe();
    const cbor::Value* content = top.find("content");
    auto id = request_id(content != nullptr ? *content : top);
    if (!id) return fail(id.error());
    std::printf("0x%s\n", to_hex(*id).c_str());
    return 0;
  }
  if (app.got_subcommand(tree_cmd)) {
    auto bytes = read_hex(tree_hex);
    if (!bytes) return fail(bytes.error());
    auto t = HashTree::decode(*bytes);
    if (!t) return fail(t.error());
    std::printf("root: %s\n", to_hex(t->digest()).c_str());
    auto wf = t->check_well_formed();
    std::printf("well-formed: %s\n", wf.ok() ? "yes" : ("no: " + wf.error().message()).c_str());
    return 0;
  }
  std::printf("chorus %s\n\n%s", CHORUS_VERSION, kAbout);
  return 0;
}
