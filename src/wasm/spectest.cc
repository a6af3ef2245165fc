#include "wasm/spectest.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>

#include "base/bytes.h"
#include "base/file.h"
#include "wasm/register_translate.h"
#include "wasm/runtime.h"
#include "wasm/validator.h"

namespace chorus::wasm {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTextFormat = "text format";

struct SkippedFile {
  std::string_view name;
  std::string_view reason;
};

// Files of the suite that test proposals the IC does not enable. Their modules would be refused
// (as unsupported) and their assertions presume the proposal.
constexpr SkippedFile kSkippedFiles[] = {
    // GC
    {"array", "GC"},
    {"array_copy", "GC"},
    {"array_fill", "GC"},
    {"array_init_data", "GC"},
    {"array_init_elem", "GC"},
    {"array_new_data", "GC"},
    {"array_new_elem", "GC"},
    {"binary-gc", "GC"},
    {"br_on_cast", "GC"},
    {"br_on_cast_fail", "GC"},
    {"extern", "GC"},
    {"i31", "GC"},
    {"ref_cast", "GC"},
    {"ref_eq", "GC"},
    {"ref_test", "GC"},
    {"struct", "GC"},
    {"type-canon", "GC"},
    {"type-equivalence", "GC"},
    {"type-rec", "GC"},
    {"type-subtyping", "GC"},
    // Typed function references
    {"br_on_non_null", "function references"},
    {"br_on_null", "function references"},
    {"call_ref", "function references"},
    {"ref_as_non_null", "function references"},
    {"local_init", "function references"},
    {"ref", "function references"},
    // Tail calls
    {"return_call", "tail calls"},
    {"return_call_indirect", "tail calls"},
    {"return_call_ref", "tail calls"},
    // Exception handling
    {"tag", "exception handling"},
    {"throw", "exception handling"},
    {"throw_ref", "exception handling"},
    {"try_table", "exception handling"},
    // Relaxed SIMD
    {"i16x8_relaxed_q15mulr_s", "relaxed SIMD"},
    {"i32x4_relaxed_trunc", "relaxed SIMD"},
    {"i8x16_relaxed_swizzle", "relaxed SIMD"},
    {"relaxed_dot_product", "relaxed SIMD"},
    {"relaxed_laneselect", "relaxed SIMD"},
    {"relaxed_madd_nmadd", "relaxed SIMD"},
    {"relaxed_min_max", "relaxed SIMD"},
    // Multi-memory: the files of that proposal, whose modules declare or import two memories or
    // more. memory_grow.wast now tests memory.grow on several memories only; memory_grow64 and the
    // Wasm 2.0 snapshot cover the single memory.
    {"memory-multi", "multi-memory"},
    {"simd_memory-multi", "multi-memory"},
    {"address0", "multi-memory"},
    {"address1", "multi-memory"},
    {"align0", "multi-memory"},
    {"data_drop0", "multi-memory"},
    {"float_exprs0", "multi-memory"},
    {"float_exprs1", "multi-memory"},
    {"imports0", "multi-memory"},
    {"imports1", "multi-memory"},
    {"linking2", "multi-memory"},
    {"binary0", "multi-memory"},
    {"data0", "multi-memory"},
    {"data1", "multi-memory"},
    {"exports0", "multi-memory"},
    {"float_memory0", "multi-memory"},
    {"imports2", "multi-memory"},
    {"imports3", "multi-memory"},
    {"imports4", "multi-memory"},
    {"linking0", "multi-memory"},
    {"linking1", "multi-memory"},
    {"linking3", "multi-memory"},
    {"load0", "multi-memory"},
    {"load1", "multi-memory"},
    {"load2", "multi-memory"},
    {"memory_copy0", "multi-memory"},
    {"memory_copy1", "multi-memory"},
    {"memory_fill0", "multi-memory"},
    {"memory_grow", "multi-memory"},
    {"memory_init0", "multi-memory"},
    {"memory_size0", "multi-memory"},
    {"memory_size1", "multi-memory"},
    {"memory_size2", "multi-memory"},
    {"memory_size_import", "multi-memory"},
    {"memory_trap0", "multi-memory"},
    {"memory_trap1", "multi-memory"},
    {"start0", "multi-memory"},
    {"store0", "multi-memory"},
    {"store1", "multi-memory"},
    {"store2", "multi-memory"},
    {"traps0", "multi-memory"},
};

// Wasm 2.0 snapshot files that the 3.0 suite rewrote for a proposal outside the IC's set: their
// 2.0 versions test only what the IC enables, so they run.
constexpr std::string_view kWasm2RunsWhole[] = {"memory_grow"};

// Commands of the Wasm 2.0 snapshot (commit a8101597) whose expectation Wasm 3.0 changed; the
// engine follows 3.0. Keyed by file and line, so that nothing else of a file is skipped.
struct Wasm2Difference {
  std::string_view file;
  int line;
  std::string_view reason;
};
constexpr std::string_view kMemarg =
    "Wasm 3.0: bit 6 of the memarg flags announces a memory index (multi-memory), so these "
    "flags are no longer malformed";
constexpr std::string_view kMemoryIndex =
    "Wasm 3.0: the byte after memory.size/memory.grow is a LEB128 memory index, no longer a "
    "zero byte";
constexpr std::string_view kConstGlobal =
    "Wasm 3.0: constant expressions may read any earlier immutable global, not only imported ones";
constexpr Wasm2Difference kWasm2Differences[] = {
    {"align", 892, kMemarg},       {"align", 911, kMemarg},       {"align", 930, kMemarg},
    {"align", 949, kMemarg},       {"align", 968, kMemarg},       {"binary", 126, kMemoryIndex},
    {"binary", 146, kMemoryIndex}, {"binary", 166, kMemoryIndex}, {"binary", 185, kMemoryIndex},
    {"binary", 204, kMemoryIndex}, {"binary", 224, kMemoryIndex}, {"binary", 243, kMemoryIndex},
    {"binary", 262, kMemoryIndex}, {"binary", 280, kMemoryIndex}, {"binary", 298, kMemoryIndex},
    {"data", 89, kConstGlobal},    {"data", 93, kConstGlobal},    {"elem", 171, kConstGlobal},
    {"elem", 175, kConstGlobal},   {"global", 352, kConstGlobal}, {"global", 356, kConstGlobal},
};

std::optional<std::string_view> wasm2_difference(std::string_view file, int line) {
  for (const Wasm2Difference& d : kWasm2Differences) {
    if (d.file == file && d.line == line) return d.reason;
  }
  return std::nullopt;
}

std::string feature_of(const Error& e) {
  // unsupported_error() says "... needs the FEATURE proposal, ...".
  const std::string& m = e.message();
  size_t a = m.find("needs the ");
  size_t b = m.find(" proposal");
  if (a == std::string::npos || b == std::string::npos || b < a) return "unknown";
  return m.substr(a + 10, b - a - 10);
}

// Errors start with "cannot read", which tells them apart from malformed modules.
Result<Bytes> read_file(const fs::path& p) {
  Result<Bytes> r = chorus::read_file(p.string());
  if (!r.ok()) return Error("cannot read " + r.error().message());
  return r;
}

// A module as the commands see it: an instance, or why there is none.
struct ModuleSlot {
  Instance* instance = nullptr;
  std::string unavailable;  // the skip reason of commands that use it, when instance is null
};

// The outcome of an action: values, a trap, or a reason to skip the command.
struct Outcome {
  enum Kind { kValues, kTrap, kSkip, kError } kind = kValues;
  std::vector<Value> values;
  std::string message;
};

Result<uint64_t> parse_u64(const std::string& s) {
  if (s.empty()) return Error("empty number");
  uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return Error("bad number " + s);
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  return v;
}

Result<ValType> parse_type(const std::string& t) {
  if (t == "i32") return ValType::kI32;
  if (t == "i64") return ValType::kI64;
  if (t == "f32") return ValType::kF32;
  if (t == "f64") return ValType::kF64;
  if (t == "v128") return ValType::kV128;
  if (t == "funcref") return ValType::kFuncRef;
  if (t == "externref") return ValType::kExternRef;
  return Error("unknown value type " + t);
}

// A v128 in wast2json form: {"lane_type": "i8|i16|i32|i64|f32|f64", "value": [lanes...]}, each
// lane an unsigned decimal bit pattern, or (|nan_lanes| not null) "nan:canonical"/"nan:arithmetic",
// whose lanes are left zero in the result and named in |nan_lanes| (lane index -> pattern).
Result<Value> parse_v128(const nlohmann::json& v,
                         std::map<size_t, std::string>* nan_lanes = nullptr) {
  std::string lane = v.value("lane_type", "");
  size_t width = lane == "i8" ? 1 : lane == "i16" ? 2 : (lane == "i32" || lane == "f32") ? 4
                : (lane == "i64" || lane == "f64") ? 8 : 0;
  if (width == 0) return Error("unknown v128 lane type " + lane);
  if (!v.contains("value") || !v["value"].is_array() || v["value"].size() != 16 / width) {
    return Error("v128 value of an unknown form");
  }
  uint8_t bytes[16] = {};
  for (size_t i = 0; i < 16 / width; ++i) {
    const nlohmann::json& l = v["value"][i];
    if (!l.is_string()) return Error("v128 lane of an unknown form");
    std::string text = l;
    if (nan_lanes != nullptr && lane[0] == 'f' && text.starts_with("nan:")) {
      (*nan_lanes)[i] = text;
      continue;
    }
    CHORUS_ASSIGN_OR_RETURN(uint64_t n, parse_u64(text));
    for (size_t k = 0; k < width; ++k) bytes[i * width + k] = static_cast<uint8_t>(n >> (8 * k));
  }
  uint64_t w[2] = {0, 0};
  std::memcpy(w, bytes, 16);
  return Value::v128(w[0], w[1]);
}

// The lane width in bytes of a v128 expectation's float lanes (4 or 8), 0 for integer lanes.
size_t float_lane_width(const nlohmann::json& v) {
  std::string lane = v.value("lane_type", "");
  return lane == "f32" ? 4 : lane == "f64" ? 8 : 0;
}

// Whether the float bits |got| (of |width| bytes) match "nan:canonical" or "nan:arithmetic".
bool nan_matches(uint64_t got, size_t width, const std::string& pattern) {
  bool wide = width == 8;
  uint64_t quiet = wide ? 0x7FF8000000000000u : 0x7FC00000u;
  uint64_t magnitude = got & (wide ? 0x7FFFFFFFFFFFFFFFu : 0x7FFFFFFFu);
  if (pattern == "nan:canonical") return magnitude == quiet;
  if (pattern == "nan:arithmetic") return (magnitude & quiet) == quiet;
  return false;
}

// The suite's texts sometimes say more than the trap ("uninitialized element 2"), and ours may say
// more than the suite ("incompatible import type: m.f: ..."): one must begin with the other.
bool trap_matches(const std::string& got, const std::string& expected) {
  if (got.empty() || expected.empty()) return got == expected;
  return got.starts_with(expected) || expected.starts_with(got);
}

class FileRun {
 public:
  FileRun(fs::path dir, std::string name, SpecTestTotals& totals, std::ostream& log,
          const SpecTestOptions& options)
      : dir_(std::move(dir)),
        name_(std::move(name)),
        totals_(totals),
        log_(log),
        verbose_(options.verbose),
        suite_(options.suite),
        executor_(make_executor(options.executor, {.metering = options.metering})) {
    add_spectest_module();
  }

  void command(const nlohmann::json& c) {
    std::string type = c.value("type", "");
    line_ = c.value("line", 0);
    if (suite_ == SpecSuite::kWasm2) {
      if (auto reason = wasm2_difference(name_, line_)) return skip(std::string(*reason));
    }
    if (type == "module") {
      module(c);
    } else if (type == "assert_malformed" || type == "assert_invalid") {
      if (c.value("module_type", "binary") == "text") return skip(std::string(kTextFormat));
      expect_refused(c, type == "assert_malformed" ? ErrorKind::kMalformed : ErrorKind::kInvalid);
    } else if (type == "assert_unlinkable" || type == "assert_uninstantiable") {
      if (c.value("module_type", "binary") == "text") return skip(std::string(kTextFormat));
      expect_instantiation_failure(c, type);
    } else if (type == "register") {
      register_module(c);
    } else if (type == "action" || type == "assert_return" || type == "assert_trap" ||
               type == "assert_exhaustion") {
      assertion(c, type);
    } else if (type == "assert_exception") {
      skip("outside the IC feature set: exception handling");
    } else {
      skip("unknown command " + type);
    }
  }

  uint64_t passed = 0, failed = 0, skipped = 0;
  uint64_t refused_as_unsupported = 0;  // passed refusals whose reason was an unsupported proposal

 private:
  Result<Module> load(const nlohmann::json& c) {
    std::string file = c.value("filename", "");
    if (file.empty()) return Error("command has no filename");
    CHORUS_ASSIGN_OR_RETURN(Bytes bytes, read_file(dir_ / file));
    DecodeOptions options;
    options.compact_imports = true;  // the converter groups ordinary imports this way
    return decode_and_validate(bytes, options);
  }

  // The host module every suite file may import from, as the spec's harness defines it.
  void add_spectest_module() {
    auto nothing = [](Caller&, std::span<const uint64_t>, std::span<uint64_t>) {
      return ok_status();
    };
    auto func = [&](const char* name, std::vector<ValType> params) {
      Extern x;
      x.func = store_.add_host_function(FuncType{std::move(params), {}}, nothing);
      spectest_[name] = x;
    };
    func("print", {});
    func("print_i32", {ValType::kI32});
    func("print_i64", {ValType::kI64});
    func("print_f32", {ValType::kF32});
    func("print_f64", {ValType::kF64});
    func("print_i32_f32", {ValType::kI32, ValType::kF32});
    func("print_f64_f64", {ValType::kF64, ValType::kF64});
    auto global = [&](const char* name, ValType t, uint64_t v) {
      Extern x;
      x.kind = ExternKind::kGlobal;
      x.global = store_.add_global(GlobalType{t, false}, v);
      spectest_[name] = x;
    };
    global("global_i32", ValType::kI32, 666);
    global("global_i64", ValType::kI64, 666);
    global("global_f32", ValType::kF32, Value::f32(666.6f).bits);
    global("global_f64", ValType::kF64, Value::f64(666.6).bits);
    Extern table;
    table.kind = ExternKind::kTable;
    table.table = store_.add_table(TableType{ValType::kFuncRef, Limits{10, 20, false}});
    spectest_["table"] = table;
    Extern table64;
    table64.kind = ExternKind::kTable;
    table64.table = store_.add_table(TableType{ValType::kFuncRef, Limits{10, 20, true}});
    spectest_["table64"] = table64;
    Extern memory;
    memory.kind = ExternKind::kMemory;
    // Only a host out of address space fails here; imports of it then fail with the reason.
    Result<MemoryInst*> spectest_memory = store_.add_memory(MemoryType{Limits{1, 2, false}});
    if (spectest_memory.ok()) {
      memory.memory = *spectest_memory;
      spectest_["memory"] = memory;
    } else {
      spectest_memory_error_ = spectest_memory.error().message();
    }
  }

  Result<Extern> resolve(const Import& im) {
    auto unknown = [&] { return Error("unknown import " + im.module + "." + im.name); };
    if (im.module == "spectest") {
      if (im.name == "memory" && !spectest_memory_error_.empty()) {
        return Error(spectest_memory_error_);
      }
      auto it = spectest_.find(im.name);
      if (it == spectest_.end()) return unknown();
      return it->second;
    }
    auto it = registered_.find(im.module);
    if (it == registered_.end()) return unknown();
    if (it->second.instance == nullptr) {
      dependency_unavailable_ = it->second.unavailable;
      return Error(it->second.unavailable);
    }
    std::optional<Extern> x = it->second.instance->find_export(im.name);
    if (!x) return unknown();
    return *x;
  }

  // Loads and instantiates the module of |c|. On failure, says why in |slot.unavailable|, and
  // returns the error.
  Result<Instance*> instantiate(const nlohmann::json& c, ModuleSlot& slot, bool& unsupported) {
    unsupported = false;
    auto m = load(c);
    if (!m.ok()) {
      if (!m.error().message().starts_with("cannot read") &&
          error_kind(m.error()) == ErrorKind::kUnsupported) {
        unsupported = true;
        slot.unavailable = "outside the IC feature set: " + feature_of(m.error());
      } else {
        slot.unavailable = "the module failed to load";
      }
      return m.error();
    }
    auto module = std::make_shared<const Module>(std::move(m).value());
    dependency_unavailable_.clear();
    auto inst = store_.instantiate(
        module, [this](const Import& im) { return resolve(im); }, *executor_);
    if (!inst.ok()) {
      if (inst.error().message() == kRegisterSimdUnsupported) {
        unsupported = true;
        slot.unavailable = inst.error().message();
      } else if (!dependency_unavailable_.empty()) {
        // It imports from a registered module that could not be instantiated itself.
        unsupported = true;
        slot.unavailable = dependency_unavailable_;
      } else {
        slot.unavailable = "the module failed to instantiate";
      }
      return inst.error();
    }
    slot.instance = *inst;
    return *inst;
  }

  void module(const nlohmann::json& c) {
    if (c.contains("definition") && (c["definition"] == "true" || c["definition"] == true)) {
      // A module definition: the module is only declared, never instantiated.
      return expect_valid(c, "module definition");
    }
    ModuleSlot slot;
    bool unsupported = false;
    auto inst = instantiate(c, slot, unsupported);
    current_ = slot;
    if (c.contains("name")) named_[c.value("name", "")] = slot;
    if (inst.ok()) return pass();
    if (unsupported) return skip(slot.unavailable);
    fail("module " + c.value("filename", ""), inst.error().message());
  }

  void expect_valid(const nlohmann::json& c, const std::string& what) {
    auto m = load(c);
    if (m.ok()) return pass();
    if (m.error().message().starts_with("cannot read")) return fail(what, m.error().message());
    if (error_kind(m.error()) == ErrorKind::kUnsupported) {
      return skip("outside the IC feature set: " + feature_of(m.error()));
    }
    fail(what + " " + c.value("filename", ""),
         "expected a valid module, got: " + m.error().message());
  }

  void expect_instantiation_failure(const nlohmann::json& c, const std::string& type) {
    ModuleSlot slot;
    bool unsupported = false;
    auto inst = instantiate(c, slot, unsupported);
    std::string what = type + " " + c.value("filename", "");
    std::string text = c.value("text", "");
    if (inst.ok()) return fail(what, "the module instantiated; expected \"" + text + "\"");
    if (unsupported) return skip(slot.unavailable);
    const std::string& got = inst.error().message();
    if (slot.unavailable == "the module failed to load") {
      return fail(what, "expected a valid module, got: " + got);
    }
    if (trap_matches(got, text)) return pass();
    fail(what, "expected \"" + text + "\", got \"" + got + "\"");
  }

  void register_module(const nlohmann::json& c) {
    std::string as = c.value("as", "");
    if (c.contains("name")) {
      auto it = named_.find(c.value("name", ""));
      if (it == named_.end()) return fail("register " + as, "no such module");
      registered_[as] = it->second;
    } else {
      registered_[as] = current_;
    }
    if (registered_[as].instance == nullptr) return skip(registered_[as].unavailable);
    pass();
  }

  Outcome run_action(const nlohmann::json& a) {
    Outcome out;
    auto reason = [&](Outcome::Kind k, std::string m) {
      out.kind = k;
      out.message = std::move(m);
      return out;
    };
    ModuleSlot* slot = &current_;
    if (a.contains("module")) {
      auto it = named_.find(a.value("module", ""));
      if (it == named_.end()) return reason(Outcome::kError, "no module " + a.value("module", ""));
      slot = &it->second;
    }
    if (slot->instance == nullptr) {
      if (slot->unavailable.empty()) return reason(Outcome::kError, "no module instantiated");
      return reason(Outcome::kSkip, slot->unavailable);
    }
    std::string field = a.value("field", "");
    std::optional<Extern> x = slot->instance->find_export(field);
    if (!x) return reason(Outcome::kError, "no export " + field);
    std::string type = a.value("type", "");
    if (type == "get") {
      if (x->kind != ExternKind::kGlobal) return reason(Outcome::kError, field + " is no global");
      out.values.push_back(Value{x->global->type.type, x->global->value, x->global->value_hi});
      return out;
    }
    if (type != "invoke") return reason(Outcome::kError, "unknown action " + type);
    if (x->kind != ExternKind::kFunc) return reason(Outcome::kError, field + " is no function");
    std::vector<Value> args;
    for (const auto& v : a.value("args", nlohmann::json::array())) {
      auto t = parse_type(v.value("type", ""));
      if (!t.ok()) return reason(Outcome::kError, t.error().message());
      if (*t == ValType::kV128) {
        auto vv = parse_v128(v);
        if (!vv.ok()) return reason(Outcome::kError, vv.error().message());
        args.push_back(*vv);
        continue;
      }
      std::string s = v.value("value", "");
      uint64_t bits = 0;
      if (is_ref(*t)) {
        if (s != "null") {
          if (*t == ValType::kFuncRef) return reason(Outcome::kError, "funcref argument " + s);
          auto n = parse_u64(s);
          if (!n.ok()) return reason(Outcome::kError, n.error().message());
          bits = *n + 1;  // externref n; 0 is null
        }
      } else {
        auto n = parse_u64(s);
        if (!n.ok()) return reason(Outcome::kError, n.error().message());
        bits = *n;
      }
      args.push_back(Value{*t, bits});
    }
    auto r = executor_->invoke(*x->func, args);
    if (!r.ok()) return reason(Outcome::kTrap, r.error().message());
    out.values = std::move(r).value();
    return out;
  }

  // Whether |got| matches |expected| ({"type", "value"}); sets |skip_reason| for what cannot be
  // checked yet.
  static bool matches(const Value& got, const nlohmann::json& expected, std::string& skip_reason) {
    auto t = parse_type(expected.value("type", ""));
    if (!t.ok()) return false;
    if (*t == ValType::kV128) {
      if (got.type != ValType::kV128) return false;
      std::map<size_t, std::string> nan_lanes;
      auto want = parse_v128(expected, &nan_lanes);
      if (!want.ok()) {
        skip_reason = "expected value of an unknown form";
        return false;
      }
      size_t width = float_lane_width(expected);
      uint8_t g[16], w[16];
      std::memcpy(g, &got.bits, 8);
      std::memcpy(g + 8, &got.hi, 8);
      std::memcpy(w, &want->bits, 8);
      std::memcpy(w + 8, &want->hi, 8);
      for (const auto& [lane, pattern] : nan_lanes) {
        uint64_t bits = 0;
        std::memcpy(&bits, g + lane * width, width);
        if (!nan_matches(bits, width, pattern)) return false;
        std::memcpy(w + lane * width, g + lane * width, width);  // matched: compare as equal
      }
      return std::memcmp(g, w, 16) == 0;
    }
    if (!expected.contains("value") || !expected["value"].is_string()) {
      skip_reason = "expected value of an unknown form";
      return false;
    }
    if (got.type != *t) return false;
    std::string s = expected["value"];
    if (*t == ValType::kF32 || *t == ValType::kF64) {
      bool wide = *t == ValType::kF64;
      if (s.starts_with("nan:")) return nan_matches(got.bits, wide ? 8 : 4, s);
    }
    if (is_ref(*t)) {
      if (s == "null") return got.bits == 0;
      if (*t == ValType::kFuncRef) return got.bits != 0;  // the suite names no function
      auto n = parse_u64(s);
      return n.ok() && got.bits == *n + 1;
    }
    auto n = parse_u64(s);
    if (!n.ok()) return false;
    uint64_t want = *n;
    if (*t == ValType::kI32 || *t == ValType::kF32) want = static_cast<uint32_t>(want);
    return got.bits == want;
  }

  static std::string describe(const std::vector<Value>& values) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out += ", ";
      if (values[i].type == ValType::kV128) {
        char hex[40];
        std::snprintf(hex, sizeof(hex), "0x%016llx%016llx",
                      static_cast<unsigned long long>(values[i].hi),
                      static_cast<unsigned long long>(values[i].bits));
        out += std::string("v128:") + hex;
      } else {
        out += std::string(to_string(values[i].type)) + ":" + std::to_string(values[i].bits);
      }
    }
    return out + "]";
  }

  void assertion(const nlohmann::json& c, const std::string& type) {
    if (!c.contains("action")) return fail(type, "no action");
    const nlohmann::json& a = c["action"];
    std::string what = type + " " + a.value("field", "");
    Outcome o = run_action(a);
    if (o.kind == Outcome::kSkip) return skip(o.message);
    if (o.kind == Outcome::kError) return fail(what, o.message);
    if (type == "assert_trap" || type == "assert_exhaustion") {
      std::string text = c.value("text", "");
      if (o.kind != Outcome::kTrap) {
        return fail(what, "expected trap \"" + text + "\", got " + describe(o.values));
      }
      if (trap_matches(o.message, text)) return pass();
      return fail(what, "expected trap \"" + text + "\", got \"" + o.message + "\"");
    }
    if (o.kind == Outcome::kTrap) return fail(what, "trapped: " + o.message);
    if (type == "action") return pass();
    const auto expected = c.value("expected", nlohmann::json::array());
    if (expected.size() != o.values.size()) {
      return fail(what, "expected " + std::to_string(expected.size()) + " results, got " +
                            describe(o.values));
    }
    for (size_t i = 0; i < o.values.size(); ++i) {
      std::string skip_reason;
      if (!matches(o.values[i], expected[i], skip_reason)) {
        if (!skip_reason.empty()) return skip(skip_reason);
        return fail(what, "expected " + expected.dump() + ", got " + describe(o.values));
      }
    }
    pass();
  }

  void expect_refused(const nlohmann::json& c, ErrorKind expected) {
    auto m = load(c);
    std::string what =
        std::string(expected == ErrorKind::kMalformed ? "assert_malformed" : "assert_invalid") +
        " " + c.value("filename", "") + " (\"" + c.value("text", "") + "\")";
    if (m.ok()) return fail(what, "the module was accepted");
    if (m.error().message().starts_with("cannot read")) return fail(what, m.error().message());
    ErrorKind k = error_kind(m.error());
    // A module refused for using a proposal outside the supported set is refused all the same.
    if (k == expected) return pass();
    if (k == ErrorKind::kUnsupported) {
      ++refused_as_unsupported;
      if (verbose_)
        log_ << name_ << ":" << line_ << ": refused as unsupported: " << m.error().message()
             << "\n";
      return pass();
    }
    fail(what, std::string("refused as ") + to_string(k) + " instead: " + m.error().message());
  }

  void pass() {
    ++passed;
    if (verbose_) log_ << name_ << ":" << line_ << ": passed\n";
  }
  void fail(const std::string& what, const std::string& why) {
    ++failed;
    log_ << "FAIL " << name_ << ":" << line_ << ": " << what << ": " << why << "\n";
  }
  void skip(const std::string& reason) {
    ++skipped;
    ++totals_.skip_reasons[reason];
    if (verbose_) log_ << name_ << ":" << line_ << ": skipped (" << reason << ")\n";
  }

  fs::path dir_;
  std::string name_;
  SpecTestTotals& totals_;
  std::ostream& log_;
  bool verbose_;
  SpecSuite suite_;
  int line_ = 0;

  Store store_;
  std::unique_ptr<Executor> executor_;
  std::map<std::string, Extern> spectest_;
  ModuleSlot current_;
  std::string dependency_unavailable_;  // set by resolve() for the instantiation under way
  std::map<std::string, ModuleSlot> named_;
  std::map<std::string, ModuleSlot> registered_;
  std::string spectest_memory_error_;
};

}  // namespace

std::optional<std::string_view> skipped_file_reason(std::string_view name, SpecSuite suite) {
  if (suite == SpecSuite::kWasm2) {
    for (std::string_view whole : kWasm2RunsWhole) {
      if (whole == name) return std::nullopt;
    }
  }
  for (const SkippedFile& s : kSkippedFiles) {
    if (s.name == name) return s.reason;
  }
  return std::nullopt;
}

Status run_spec_file(const std::string& json_path, SpecTestTotals& totals, std::ostream& log,
                     const SpecTestOptions& options) {
  fs::path path(json_path);
  std::string name = path.stem().string();
  if (auto reason = skipped_file_reason(name, options.suite)) {
    totals.skipped_files.emplace_back(name, std::string(*reason));
    return ok_status();
  }
  CHORUS_ASSIGN_OR_RETURN(Bytes text, read_file(path));
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("commands") ||
      !doc["commands"].is_array()) {
    return Error(json_path + ": not a wast2json command list");
  }
  FileRun run(path.parent_path(), name, totals, log, options);
  for (const auto& c : doc["commands"]) {
    if (c.is_object()) run.command(c);
  }
  totals.passed += run.passed;
  totals.failed += run.failed;
  totals.skipped += run.skipped;
  totals.refused_as_unsupported += run.refused_as_unsupported;
  log << name << ": " << run.passed << " passed, " << run.failed << " failed, " << run.skipped
      << " skipped\n";
  return ok_status();
}

Status run_spec_paths(const std::vector<std::string>& paths, SpecTestTotals& totals,
                      std::ostream& log, const SpecTestOptions& options) {
  for (const std::string& p : paths) {
    fs::path path(p);
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
      CHORUS_RETURN_IF_ERROR(run_spec_file(path.string(), totals, log, options));
      continue;
    }
    if (!fs::is_directory(path, ec)) return Error("no such file or folder: " + p);
    fs::path own = path / (path.filename().string() + ".json");
    if (path.filename().empty())
      own = path.parent_path() / (path.parent_path().filename().string() + ".json");
    if (fs::is_regular_file(own, ec)) {
      CHORUS_RETURN_IF_ERROR(run_spec_file(own.string(), totals, log, options));
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (!entry.is_directory()) continue;
      fs::path json = entry.path() / (entry.path().filename().string() + ".json");
      if (fs::is_regular_file(json, ec)) files.push_back(json);
    }
    if (files.empty()) return Error("no wast2json files under " + p);
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      CHORUS_RETURN_IF_ERROR(run_spec_file(f.string(), totals, log, options));
    }
  }
  return ok_status();
}

}  // namespace chorus::wasm
