#include "wasm/spectest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>

#include "base/bytes.h"
#include "wasm/validator.h"

namespace chorus::wasm {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNeedsInterpreter = "needs the interpreter";
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

std::string feature_of(const Error& e) {
  // unsupported_error() says "... needs the FEATURE proposal, ...".
  const std::string& m = e.message();
  size_t a = m.find("needs the ");
  size_t b = m.find(" proposal");
  if (a == std::string::npos || b == std::string::npos || b < a) return "unknown";
  return m.substr(a + 10, b - a - 10);
}

Result<Bytes> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error("cannot read " + p.string());
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class FileRun {
 public:
  FileRun(fs::path dir, std::string name, SpecTestTotals& totals, std::ostream& log, bool verbose)
      : dir_(std::move(dir)),
        name_(std::move(name)),
        totals_(totals),
        log_(log),
        verbose_(verbose) {}

  void command(const nlohmann::json& c) {
    std::string type = c.value("type", "");
    line_ = c.value("line", 0);
    if (type == "module") {
      expect_valid(c, "module");
    } else if (type == "assert_malformed" || type == "assert_invalid") {
      if (c.value("module_type", "binary") == "text") return skip(std::string(kTextFormat));
      expect_refused(c, type == "assert_malformed" ? ErrorKind::kMalformed : ErrorKind::kInvalid);
    } else if (type == "assert_unlinkable" || type == "assert_uninstantiable") {
      // Linking and instantiation are the interpreter's; the module itself must be valid.
      if (c.value("module_type", "binary") == "text") return skip(std::string(kTextFormat));
      expect_valid(c, type);
    } else {
      skip(std::string(kNeedsInterpreter));
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
  int line_ = 0;
};

}  // namespace

std::optional<std::string_view> skipped_file_reason(std::string_view name) {
  for (const SkippedFile& s : kSkippedFiles) {
    if (s.name == name) return s.reason;
  }
  return std::nullopt;
}

Status run_spec_file(const std::string& json_path, SpecTestTotals& totals, std::ostream& log,
                     bool verbose) {
  fs::path path(json_path);
  std::string name = path.stem().string();
  if (auto reason = skipped_file_reason(name)) {
    totals.skipped_files.emplace_back(name, std::string(*reason));
    return ok_status();
  }
  CHORUS_ASSIGN_OR_RETURN(Bytes text, read_file(path));
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("commands") ||
      !doc["commands"].is_array()) {
    return Error(json_path + ": not a wast2json command list");
  }
  FileRun run(path.parent_path(), name, totals, log, verbose);
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
                      std::ostream& log, bool verbose) {
  for (const std::string& p : paths) {
    fs::path path(p);
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
      CHORUS_RETURN_IF_ERROR(run_spec_file(path.string(), totals, log, verbose));
      continue;
    }
    if (!fs::is_directory(path, ec)) return Error("no such file or folder: " + p);
    fs::path own = path / (path.filename().string() + ".json");
    if (path.filename().empty())
      own = path.parent_path() / (path.parent_path().filename().string() + ".json");
    if (fs::is_regular_file(own, ec)) {
      CHORUS_RETURN_IF_ERROR(run_spec_file(own.string(), totals, log, verbose));
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
      CHORUS_RETURN_IF_ERROR(run_spec_file(f.string(), totals, log, verbose));
    }
  }
  return ok_status();
}

}  // namespace chorus::wasm
