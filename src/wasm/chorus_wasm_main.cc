// chorus-wasm: the engine's command-line runner.
//   chorus-wasm spectest [--verbose] [--executor=stack|register|jit] [--suite=current|wasm2] PATH...
//                                              runs wast2json spec tests (see spectest.h)
//   chorus-wasm validate MODULE.wasm...        decodes and validates modules
//   chorus-wasm run [--limit N] [--executor=stack|register|jit] MODULE.wasm --invoke NAME [ARGS...]
//                                              instantiates a module without imports, calls an
//                                              exported function and prints its results (by
//                                              default on executor_for(module): the JIT unless the
//                                              module uses SIMD)
// A v128 argument or result is written 0x followed by exactly 32 hex digits: the vector as one
// 128-bit little-endian number, so the last two digits are byte 0 (lane 0 of i8x16) — the same
// as `v128.const i64x2 LO HI` with HI's digits first.
//   chorus-wasm fuzz-exec [--limit N] MODULE.wasm  runs a module by the differential-fuzzing
//                                              convention and prints its transcript (fuzz_exec.h)
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/file.h"
#include "wasm/fuzz_exec.h"
#include "wasm/executors.h"
#include "wasm/runtime.h"
#include "wasm/spectest.h"
#include "wasm/validator.h"

namespace {

int usage() {
  std::cerr << "usage: chorus-wasm spectest [--verbose] [--executor=stack|register|jit]\n"
               "                         [--suite=current|wasm2] [--no-metering] PATH...\n"
               "       chorus-wasm validate MODULE.wasm...\n"
               "       chorus-wasm run [--limit N] [--executor=stack|register|jit] MODULE.wasm "
               "--invoke NAME [ARGS...]\n"
               "         (a v128 is 0x and 32 hex digits, byte 15 first)\n"
               "       chorus-wasm fuzz-exec [--limit N] [--executor=stack|register|jit] MODULE.wasm\n";
  return 2;
}

// Parses --executor=stack|register|jit; false for another value.
bool parse_executor(const std::string& a, chorus::wasm::ExecutorKind& kind) {
  std::string v = a.substr(std::string("--executor=").size());
  if (v == "stack") {
    kind = chorus::wasm::ExecutorKind::kStack;
  } else if (v == "register") {
    kind = chorus::wasm::ExecutorKind::kRegister;
  } else if (v == "jit") {
    kind = chorus::wasm::ExecutorKind::kJit;
  } else {
    return false;
  }
  return true;
}

int spectest(const std::vector<std::string>& args) {
  chorus::wasm::SpecTestOptions options;
  std::vector<std::string> paths;
  for (const std::string& a : args) {
    if (a == "--verbose" || a == "-v") {
      options.verbose = true;
    } else if (a.starts_with("--executor=")) {
      if (!parse_executor(a, options.executor)) return usage();
    } else if (a == "--no-metering") {
      options.metering = false;
    } else if (a == "--suite=wasm2") {
      options.suite = chorus::wasm::SpecSuite::kWasm2;
    } else if (a == "--suite=current") {
      options.suite = chorus::wasm::SpecSuite::kCurrent;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) return usage();
  chorus::wasm::SpecTestTotals totals;
  chorus::Status s = chorus::wasm::run_spec_paths(paths, totals, std::cout, options);
  if (!s.ok()) {
    std::cerr << "chorus-wasm: " << s.error().message() << "\n";
    return 2;
  }
  if (!totals.skipped_files.empty()) {
    std::cout << "skipped files (outside the IC feature set):\n";
    for (const auto& [file, reason] : totals.skipped_files) {
      std::cout << "  " << file << ": " << reason << "\n";
    }
  }
  if (!totals.skip_reasons.empty()) {
    std::cout << "skipped commands by reason:\n";
    for (const auto& [reason, n] : totals.skip_reasons)
      std::cout << "  " << n << " " << reason << "\n";
  }
  if (totals.refused_as_unsupported > 0) {
    std::cout << "of the passed assertions, " << totals.refused_as_unsupported
              << " were refused as using an unsupported proposal\n";
  }
  std::cout << totals.passed << " passed, " << totals.failed << " failed, " << totals.skipped
            << " skipped\n";
  if (totals.passed == 0) {
    std::cerr << "chorus-wasm: no command passed; is the suite there?\n";
    return 2;
  }
  return totals.failed == 0 ? 0 : 1;
}

int validate(const std::vector<std::string>& files) {
  if (files.empty()) return usage();
  int rc = 0;
  for (const std::string& f : files) {
    auto bytes = chorus::read_file(f);
    if (!bytes.ok()) {
      std::cerr << bytes.error().message() << "\n";
      rc = 1;
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    auto m = chorus::wasm::decode_and_validate(*bytes);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (m.ok()) {
      std::cout << f << ": valid (" << m->functions.size() << " functions, " << m->imports.size()
                << " imports, " << m->exports.size() << " exports; " << ms << " ms)\n";
    } else {
      std::cout << f << ": " << m.error().message() << "\n";
      rc = 1;
    }
  }
  return rc;
}

// An argument by its parameter type: integers in decimal (signed or unsigned) or 0x hex, floats
// as C literals (including inf and nan).
std::optional<chorus::wasm::Value> parse_arg(const std::string& s, chorus::wasm::ValType t) {
  using chorus::wasm::Value;
  using chorus::wasm::ValType;
  const char* b = s.c_str();
  char* end = nullptr;
  errno = 0;
  switch (t) {
    case ValType::kI32:
    case ValType::kI64: {
      bool neg = !s.empty() && s[0] == '-';
      uint64_t v =
          neg ? static_cast<uint64_t>(std::strtoll(b, &end, 0)) : std::strtoull(b, &end, 0);
      if (errno != 0 || end == b || *end != '\0') return std::nullopt;
      if (t == ValType::kI32) {
        int64_t sv = static_cast<int64_t>(v);
        if (neg ? sv < INT32_MIN : v > UINT32_MAX) return std::nullopt;
        return Value::i32(static_cast<uint32_t>(v));
      }
      return Value::i64(v);
    }
    case ValType::kF32: {
      float f = std::strtof(b, &end);
      if (end == b || *end != '\0') return std::nullopt;
      return Value::f32(f);
    }
    case ValType::kF64: {
      double d = std::strtod(b, &end);
      if (end == b || *end != '\0') return std::nullopt;
      return Value::f64(d);
    }
    case ValType::kV128: {
      if (s.size() != 34 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::nullopt;
      uint64_t w[2] = {0, 0};
      for (size_t k = 0; k < 32; ++k) {
        char c = s[2 + k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return std::nullopt;
        uint64_t& word = k < 16 ? w[1] : w[0];
        word = (word << 4) | static_cast<uint64_t>(d);
      }
      return Value::v128(w[0], w[1]);
    }
    default:
      return std::nullopt;
  }
}

std::string format_value(const chorus::wasm::Value& v) {
  using chorus::wasm::ValType;
  char buf[64];
  switch (v.type) {
    case ValType::kI32: return std::to_string(static_cast<int32_t>(v.bits));
    case ValType::kI64: return std::to_string(static_cast<int64_t>(v.bits));
    case ValType::kF32: {
      float f;
      uint32_t b = static_cast<uint32_t>(v.bits);
      std::memcpy(&f, &b, 4);
      if (std::isnan(f)) return "nan";
      auto r = std::to_chars(buf, buf + sizeof(buf), f);
      return std::string(buf, r.ptr);
    }
    case ValType::kF64: {
      double d;
      std::memcpy(&d, &v.bits, 8);
      if (std::isnan(d)) return "nan";
      auto r = std::to_chars(buf, buf + sizeof(buf), d);
      return std::string(buf, r.ptr);
    }
    case ValType::kV128:
      std::snprintf(buf, sizeof(buf), "0x%016llx%016llx", static_cast<unsigned long long>(v.hi),
                    static_cast<unsigned long long>(v.bits));
      return buf;
    default:
      return v.bits == 0 ? "null" : "ref";
  }
}

int run(const std::vector<std::string>& args) {
  std::string file, name;
  std::vector<std::string> values;
  chorus::wasm::ExecutionLimits limits;
  std::optional<chorus::wasm::ExecutorKind> executor;  // default: by the module (below)
  size_t i = 0;
  for (; i < args.size(); ++i) {
    if (args[i].starts_with("--executor=")) {
      executor = chorus::wasm::ExecutorKind::kStack;
      if (!parse_executor(args[i], *executor)) return usage();
    } else if (args[i] == "--limit" && i + 1 < args.size()) {
      limits.instructions = std::strtoull(args[++i].c_str(), nullptr, 10);
    } else if (args[i] == "--invoke" && i + 1 < args.size()) {
      name = args[++i];
      values.assign(args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());
      break;
    } else if (file.empty()) {
      file = args[i];
    } else {
      return usage();
    }
  }
  if (file.empty() || name.empty()) return usage();
  auto bytes = chorus::read_file(file);
  if (!bytes.ok()) {
    std::cerr << bytes.error().message() << "\n";
    return 2;
  }
  auto load_start = std::chrono::steady_clock::now();
  auto m = chorus::wasm::decode_and_validate(*bytes);
  if (!m.ok()) {
    std::cerr << file << ": " << m.error().message() << "\n";
    return 2;
  }
  auto module = std::make_shared<const chorus::wasm::Module>(std::move(m).value());
  chorus::wasm::Store store;
  std::unique_ptr<chorus::wasm::Executor> executor_owner = chorus::wasm::make_executor(
      executor.value_or(chorus::wasm::executor_for(*module)), limits);
  chorus::wasm::Executor& interpreter = *executor_owner;
  auto no_imports = [](const chorus::wasm::Import& im) -> chorus::Result<chorus::wasm::Extern> {
    return chorus::Error("unknown import " + im.module + "." + im.name +
                         " (chorus-wasm run provides no imports)");
  };
  auto inst = store.instantiate(module, no_imports, interpreter);
  if (!inst.ok()) {
    std::cerr << file << ": " << inst.error().message() << "\n";
    return 1;
  }
  double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                             load_start)
                       .count();
  auto x = (*inst)->find_export(name);
  if (!x || x->kind != chorus::wasm::ExternKind::kFunc) {
    std::cerr << file << ": no exported function " << name << "\n";
    return 2;
  }
  const chorus::wasm::FuncType& type = x->func->type;
  if (values.size() != type.params.size()) {
    std::cerr << name << " takes " << type.params.size() << " arguments\n";
    return 2;
  }
  std::vector<chorus::wasm::Value> call_args;
  for (size_t k = 0; k < values.size(); ++k) {
    auto v = parse_arg(values[k], type.params[k]);
    if (!v) {
      std::cerr << "argument " << k << " (" << values[k] << ") is no "
                << chorus::wasm::to_string(type.params[k]) << "\n";
      return 2;
    }
    call_args.push_back(*v);
  }
  auto start = std::chrono::steady_clock::now();
  auto r = interpreter.invoke(*x->func, call_args);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok()) {
    std::cerr << "trap: " << r.error().message() << "\n";
    std::cerr << "instructions: " << interpreter.instructions_used() << "\n";
    return 1;
  }
  for (const auto& v : *r) std::cout << format_value(v) << "\n";
  std::cerr << "instructions: " << interpreter.instructions_used() << ", " << ms
            << " ms (load: decode, validate, compile, instantiate: " << load_ms << " ms)\n";
  return 0;
}

int fuzz_exec(const std::vector<std::string>& args) {
  chorus::wasm::FuzzExecOptions options;
  std::string file;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--limit" && i + 1 < args.size()) {
      options.instructions_per_call = std::strtoull(args[++i].c_str(), nullptr, 10);
    } else if (args[i].starts_with("--executor=")) {
      if (!parse_executor(args[i], options.executor)) return usage();
    } else if (file.empty()) {
      file = args[i];
    } else {
      return usage();
    }
  }
  if (file.empty()) return usage();
  auto bytes = chorus::read_file(file);
  if (!bytes.ok()) {
    std::cerr << bytes.error().message() << "\n";
    return 2;
  }
  std::cout << chorus::wasm::fuzz_exec(*bytes, options);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "spectest") return spectest(args);
  if (cmd == "validate") return validate(args);
  if (cmd == "run") return run(args);
  if (cmd == "fuzz-exec") return fuzz_exec(args);
  return usage();
}
