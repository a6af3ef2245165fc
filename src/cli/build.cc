#include "cli/build.h"

#include <cstdlib>
#include <system_error>

#include "cli/process.h"

#ifndef CHORUS_SOURCE_DIR
#define CHORUS_SOURCE_DIR ""
#endif

namespace chorus::cli {

namespace fs = std::filesystem;

Result<Toolchain> locate_toolchain(bool verbose) {
  Toolchain t;
  t.verbose = verbose;
  const char* env = std::getenv("CHORUS_SOURCE_DIR");
  t.source_dir = env != nullptr && *env != '\0' ? fs::path(env) : fs::path(CHORUS_SOURCE_DIR);
  std::error_code ec;
  if (t.source_dir.empty() || !fs::is_directory(t.source_dir / "cdk", ec)) {
    return Error("the Chorus source tree (with cdk/ and src/cli/moc.mjs) was not found at '" +
                 t.source_dir.string() + "'; set CHORUS_SOURCE_DIR to a checkout");
  }
  for (const char* name : {"clang++", "clang++-14"}) {
    if (auto p = find_on_path(name)) {
      t.clangxx = p->string();
      break;
    }
  }
  for (const char* name : {"llvm-objcopy", "llvm-objcopy-14"}) {
    if (auto p = find_on_path(name)) {
      t.objcopy = p->string();
      break;
    }
  }
  return t;
}

namespace {

Status ran(const Result<int>& rc, const std::string& what, const std::string& hint) {
  if (!rc.ok()) return Error(what + ": " + rc.error().message() + hint);
  if (*rc != 0) {
    return Error(what + " failed (exit " + std::to_string(*rc) + "); its messages are above");
  }
  return ok_status();
}

Status require_file(const fs::path& file, const std::string& what) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return Error(what + " " + file.string() + " does not exist");
  return ok_status();
}

Result<BuildOutput> build_motoko(const Project& project, const CanisterSpec& c, const Toolchain& t,
                                 const fs::path& out) {
  fs::path main = project.root / c.main;
  CHORUS_RETURN_IF_ERROR(require_file(main, "canister " + c.name + ": main"));
  fs::path script = t.source_dir / "src/cli/moc.mjs";
  CHORUS_RETURN_IF_ERROR(require_file(script, "the Motoko build script"));
  std::error_code ec;
  if (!fs::is_directory(t.source_dir / "node_modules/motoko", ec)) {
    return Error("the npm package motoko is not installed in " + t.source_dir.string() +
                 " (run `npm ci` there, or ./x build)");
  }
  auto rc = run_process({t.node, script.string(), "--out", out.string(), "--name", c.name,
                         main.string()},
                        t.verbose);
  CHORUS_RETURN_IF_ERROR(ran(rc, "compiling " + c.main, " (is node installed? apt-get install nodejs)"));
  return BuildOutput{out / (c.name + ".wasm"), out / (c.name + ".did")};
}

Result<BuildOutput> build_cpp(const Project& project, const CanisterSpec& c, const Toolchain& t,
                              const fs::path& out) {
  if (t.clangxx.empty() || t.objcopy.empty()) {
    return Error("clang++ and llvm-objcopy are needed for C++ canisters: apt-get install clang lld "
                 "llvm wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 "
                 "libclang-rt-14-dev-wasm32");
  }
  std::error_code ec;
  if (!fs::exists("/usr/lib/wasm32-wasi/libc++.a", ec)) {
    return Error("libc++ for wasm32 is missing: apt-get install wasi-libc libc++-14-dev-wasm32 "
                 "libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32");
  }
  fs::path did = project.root / c.did;
  CHORUS_RETURN_IF_ERROR(require_file(did, "canister " + c.name + ": did"));
  fs::path linked = out / (c.name + ".nodid.wasm");
  fs::path wasm = out / (c.name + ".wasm");
  const fs::path cdk = t.source_dir / "cdk";
  std::vector<std::string> argv = {
      t.clangxx, "--target=wasm32-wasi", "--sysroot=/usr", "-std=c++20", "-O2", "-fno-exceptions",
      "-fno-rtti", "-Wall", "-Wextra", "-I" + (cdk / "include").string(), "-nostartfiles",
      "-Wl,--no-entry", "-Wl,--export-table", "-Wl,--strip-debug", "-Wl,-z,stack-size=1048576"};
  for (const auto& f : c.flags) argv.push_back(f);
  argv.push_back("-o");
  argv.push_back(linked.string());
  for (const auto& s : c.sources) {
    fs::path source = project.root / s;
    CHORUS_RETURN_IF_ERROR(require_file(source, "canister " + c.name + ": source"));
    argv.push_back(source.string());
  }
  argv.push_back((cdk / "src/candid.cc").string());
  argv.push_back((cdk / "src/cdk.cc").string());
  CHORUS_RETURN_IF_ERROR(ran(run_process(argv, t.verbose), "compiling " + c.name, ""));
  // The interface goes in as a public custom section, so that clients can type their arguments.
  CHORUS_RETURN_IF_ERROR(ran(run_process({t.objcopy, "--add-section=icp:public candid:service=" +
                                                         did.string(),
                                          linked.string(), wasm.string()},
                                         t.verbose),
                             "embedding " + c.did, ""));
  fs::remove(linked, ec);
  fs::copy_file(did, out / (c.name + ".did"), fs::copy_options::overwrite_existing, ec);
  if (ec) return Error("cannot copy " + did.string() + ": " + ec.message());
  return BuildOutput{wasm, out / (c.name + ".did")};
}

Result<BuildOutput> copy_wasm(const Project& project, const CanisterSpec& c, const fs::path& out) {
  fs::path source = project.root / c.wasm;
  CHORUS_RETURN_IF_ERROR(require_file(source, "canister " + c.name + ": wasm"));
  const bool gz = source.extension() == ".gz";
  BuildOutput o{out / (c.name + (gz ? ".wasm.gz" : ".wasm")), std::nullopt};
  std::error_code ec;
  fs::copy_file(source, o.wasm, fs::copy_options::overwrite_existing, ec);
  if (ec) return Error("cannot copy " + source.string() + ": " + ec.message());
  if (!c.did.empty()) {
    fs::path did = project.root / c.did;
    CHORUS_RETURN_IF_ERROR(require_file(did, "canister " + c.name + ": did"));
    fs::copy_file(did, out / (c.name + ".did"), fs::copy_options::overwrite_existing, ec);
    if (ec) return Error("cannot copy " + did.string() + ": " + ec.message());
    o.did = out / (c.name + ".did");
  }
  return o;
}

}  // namespace

Result<BuildOutput> build_canister(const Project& project, const CanisterSpec& canister,
                                   const Toolchain& tools) {
  fs::path out = project.build_dir(canister.name);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return Error("cannot create " + out.string() + ": " + ec.message());
  switch (canister.type) {
    case CanisterType::kMotoko: return build_motoko(project, canister, tools, out);
    case CanisterType::kCpp: return build_cpp(project, canister, tools, out);
    case CanisterType::kWasm: return copy_wasm(project, canister, out);
  }
  return Error("unknown canister type");
}

}  // namespace chorus::cli
