#include "wasm/validator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "base/file.h"
#include "wasm/test_modules.h"

namespace chorus::wasm {
namespace {

using namespace testing;  // NOLINT

Result<Module> check(const Bytes& bytes) { return decode_and_validate(bytes); }

// The error of |bytes|, which must be refused with |kind|.
std::string error_of(const Bytes& bytes, ErrorKind kind = ErrorKind::kInvalid) {
  auto m = check(bytes);
  EXPECT_FALSE(m.ok());
  if (m.ok()) return "";
  EXPECT_EQ(error_kind(m.error()), kind) << m.error().message();
  return m.error().message();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

void expect_valid(const Bytes& bytes) {
  auto m = check(bytes);
  EXPECT_TRUE(m.ok()) << m.error().message();
}

TEST(WasmValidator, SimpleFunctions) {
  // (func (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  auto m = check(function_module({kI32, kI32}, {kI32}, Bytes{0x01, 0x01, kI64},
                                 Bytes{0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B}));
  ASSERT_TRUE(m.ok()) << m.error().message();
  const FunctionInfo& info = m->functions[0].info;
  EXPECT_EQ(info.num_locals, 3u);
  EXPECT_EQ(info.max_stack_height, 2u);
  EXPECT_EQ(info.max_control_depth, 1u);
  EXPECT_TRUE(info.side_table.empty());
}

TEST(WasmValidator, TypeMismatch) {
  // i64.const 1 i32.const 2 i32.add
  std::string e =
      error_of(function_module({}, {kI32}, no_locals(), Bytes{0x42, 0x01, 0x41, 0x02, 0x6A, 0x0B}));
  EXPECT_TRUE(contains(e, "type mismatch")) << e;
  EXPECT_TRUE(contains(e, "expected i32, found i64")) << e;
  // A result left missing, and one too many.
  EXPECT_TRUE(
      contains(error_of(function_module({}, {kI32}, no_locals(), Bytes{0x0B})), "type mismatch"));
  EXPECT_TRUE(contains(error_of(function_module({}, {}, no_locals(), Bytes{0x41, 0x00, 0x0B})),
                       "values remain"));
}

TEST(WasmValidator, UnreachableIsPolymorphic) {
  // unreachable i32.add drop; then (block (result i64) unreachable) drop
  expect_valid(function_module({}, {}, no_locals(),
                               Bytes{0x00, 0x6A, 0x1A, 0x02, kI64, 0x00, 0x0B, 0x1A, 0x0B}));
  // br 0 inside a block leaves the rest of it unreachable: i32.eqz on nothing is fine.
  expect_valid(function_module({}, {kI32}, no_locals(),
                               Bytes{0x02, kI32, 0x41, 0x00, 0x0C, 0x00, 0x45, 0x0B, 0x0B}));
  // ...but the bottom type does not turn an i64 into an i32.
  EXPECT_TRUE(contains(
      error_of(function_module({}, {}, no_locals(), Bytes{0x00, 0x42, 0x00, 0x6A, 0x1A, 0x0B})),
      "type mismatch"));
}

TEST(WasmValidator, UnknownIndices) {
  EXPECT_TRUE(contains(error_of(function_module({}, {}, no_locals(), Bytes{0x0C, 0x01, 0x0B})),
                       "unknown label 1"));
  EXPECT_TRUE(
      contains(error_of(function_module({}, {}, no_locals(), Bytes{0x20, 0x00, 0x1A, 0x0B})),
               "unknown local 0"));
  EXPECT_TRUE(contains(error_of(function_module({}, {}, no_locals(), Bytes{0x10, 0x05, 0x0B})),
                       "unknown function 5"));
  EXPECT_TRUE(
      contains(error_of(function_module({}, {}, no_locals(), Bytes{0x23, 0x00, 0x1A, 0x0B})),
               "unknown global 0"));
  EXPECT_TRUE(contains(error_of(function_module({}, {}, no_locals(),
                                                Bytes{0x41, 0x00, 0x28, 0x02, 0x00, 0x1A, 0x0B})),
                       "unknown memory 0"));
}

TEST(WasmValidator, ImmutableGlobal) {
  Bytes global = section(6, Bytes{0x01, kI32, 0x00, 0x41, 0x00, 0x0B});
  EXPECT_TRUE(contains(
      error_of(function_module({}, {}, no_locals(), Bytes{0x41, 0x01, 0x24, 0x00, 0x0B}, {global})),
      "global is immutable"));
  Bytes mutable_global = section(6, Bytes{0x01, kI32, 0x01, 0x41, 0x00, 0x0B});
  expect_valid(
      function_module({}, {}, no_locals(), Bytes{0x41, 0x01, 0x24, 0x00, 0x0B}, {mutable_global}));
}

TEST(WasmValidator, Alignment) {
  // i32.load align=8 (2^3 > 4)
  std::string e = error_of(function_module(
      {}, {kI32}, no_locals(), Bytes{0x41, 0x00, 0x28, 0x03, 0x00, 0x0B}, {memory_section()}));
  EXPECT_TRUE(contains(e, "alignment must not be larger than natural")) << e;
  expect_valid(function_module({}, {kI32}, no_locals(), Bytes{0x41, 0x00, 0x28, 0x02, 0x00, 0x0B},
                               {memory_section()}));
  EXPECT_TRUE(contains(
      error_of(function_module({}, {kI32}, no_locals(),
                               Bytes{0x41, 0x00, 0x28, 0x80, 0x01, 0x00, 0x0B}, {memory_section()}),
               ErrorKind::kMalformed),
      "malformed memop flags"));
}

TEST(WasmValidator, Memory64) {
  // i64.const 0 i32.load: a 64-bit memory takes i64 addresses.
  Bytes load64{0x42, 0x00, 0x28, 0x02, 0x00, 0x0B};
  expect_valid(function_module({}, {kI32}, no_locals(), load64, {memory_section(true)}));
  EXPECT_TRUE(
      contains(error_of(function_module({}, {kI32}, no_locals(), load64, {memory_section()})),
               "type mismatch"));
  // memory.size returns the index type.
  expect_valid(
      function_module({}, {kI64}, no_locals(), Bytes{0x3F, 0x00, 0x0B}, {memory_section(true)}));
  // An offset beyond 32 bits only fits a 64-bit memory.
  Bytes far{0x41, 0x00, 0x28, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0B};
  EXPECT_TRUE(contains(error_of(function_module({}, {kI32}, no_locals(), far, {memory_section()})),
                       "offset out of range"));
  // Page limits: 65536 pages for 32-bit memories.
  Bytes big = module({section(5, Bytes{0x01, 0x00, 0x81, 0x80, 0x04})});
  EXPECT_TRUE(contains(error_of(big), "memory size must be at most 65536 pages"));
  expect_valid(module({section(5, Bytes{0x01, 0x04, 0x81, 0x80, 0x04})}));
}

TEST(WasmValidator, Table64) {
  Bytes types = section(1, Bytes{0x01, 0x60, 0x00, 0x00});
  Bytes funcs = section(3, Bytes{0x01, 0x00});
  Bytes table64 = section(4, Bytes{0x01, kFuncRef, 0x04, 0x01});
  // i64.const 0 call_indirect (type 0) (table 0)
  Bytes code = section(10, Bytes{0x01, 0x07, 0x00, 0x42, 0x00, 0x11, 0x00, 0x00, 0x0B});
  expect_valid(module({types, funcs, table64, code}));
  Bytes table32 = section(4, Bytes{0x01, kFuncRef, 0x00, 0x01});
  EXPECT_TRUE(contains(error_of(module({types, funcs, table32, code})), "type mismatch"));
}

TEST(WasmValidator, Simd) {
  // v128.const 0 i8x16.extract_lane_s 15 / 16
  Bytes lane_ok = cat({Bytes{0xFD, 0x0C}, Bytes(16, 0), Bytes{0xFD, 0x15, 0x0F, 0x0B}});
  expect_valid(function_module({}, {kI32}, no_locals(), lane_ok));
  Bytes lane_bad = cat({Bytes{0xFD, 0x0C}, Bytes(16, 0), Bytes{0xFD, 0x15, 0x10, 0x0B}});
  EXPECT_TRUE(contains(error_of(function_module({}, {kI32}, no_locals(), lane_bad)),
                       "invalid lane index 16"));
  // i8x16.shuffle with a lane of 32.
  Bytes v = cat({Bytes{0xFD, 0x0C}, Bytes(16, 0)});
  Bytes shuffle = cat({v, v, Bytes{0xFD, 0x0D}, Bytes(15, 0), Bytes{32, 0x0B}});
  EXPECT_TRUE(contains(error_of(function_module({}, {kV128}, no_locals(), shuffle)),
                       "invalid lane index 32"));
  // v128.load align=32 is beyond natural (16).
  Bytes load = Bytes{0x41, 0x00, 0xFD, 0x00, 0x05, 0x00, 0x0B};
  EXPECT_TRUE(contains(
      error_of(function_module({}, {kV128}, no_locals(), load, {memory_section()})), "alignment"));
  // Relaxed SIMD (0xFD 0x100) is refused as such.
  Bytes relaxed = cat({v, Bytes{0xFD, 0x80, 0x02, 0x0B}});
  EXPECT_TRUE(contains(
      error_of(function_module({}, {kV128}, no_locals(), relaxed), ErrorKind::kUnsupported),
      "relaxed SIMD"));
}

TEST(WasmValidator, RefusesProposalsOutsideTheSet) {
  Bytes tail = function_module({}, {}, no_locals(), Bytes{0x12, 0x00, 0x0B});
  EXPECT_TRUE(contains(error_of(tail, ErrorKind::kUnsupported), "tail calls"));
  Bytes atomic = function_module({}, {}, no_locals(), Bytes{0xFE, 0x03, 0x00, 0x0B});
  EXPECT_TRUE(contains(error_of(atomic, ErrorKind::kUnsupported), "threads"));
  Bytes eh = function_module({}, {}, no_locals(), Bytes{0x08, 0x00, 0x0B});
  EXPECT_TRUE(contains(error_of(eh, ErrorKind::kUnsupported), "exception handling"));
  Bytes two_memories = module({section(5, Bytes{0x02, 0x00, 0x01, 0x00, 0x01})});
  EXPECT_TRUE(contains(error_of(two_memories, ErrorKind::kUnsupported), "multi-memory"));
}

TEST(WasmValidator, MalformedInsideBodies) {
  EXPECT_TRUE(contains(
      error_of(function_module({}, {}, no_locals(), Bytes{0x27, 0x0B}), ErrorKind::kMalformed),
      "illegal opcode"));
  EXPECT_TRUE(
      contains(error_of(function_module({}, {}, no_locals(), Bytes{0x01}), ErrorKind::kMalformed),
               "END opcode expected"));
  EXPECT_TRUE(contains(
      error_of(function_module({}, {}, no_locals(), Bytes{0x0B, 0x01}), ErrorKind::kMalformed),
      "operators remaining"));
  // data.drop 0 with a data segment but no data count section.
  Bytes d = module({section(1, Bytes{0x01, 0x60, 0x00, 0x00}), section(3, Bytes{0x01, 0x00}),
                    section(5, Bytes{0x01, 0x00, 0x01}),
                    section(10, Bytes{0x01, 0x05, 0x00, 0xFC, 0x09, 0x00, 0x0B}),
                    section(11, Bytes{0x01, 0x01, 0x00})});
  EXPECT_TRUE(contains(error_of(d, ErrorKind::kMalformed), "data count section required"));
}

TEST(WasmValidator, BlockTypeIndicesNeedNotFitOneByte) {
  // 66 types: 0 is () -> (), 1..65 are () -> (i32 x k). Found by tests/wasm_differential.mjs:
  // index 64 and up take two LEB bytes, the first with bit 6 set, and were taken as negative.
  Bytes types = uleb128(66);
  append(types, Bytes{0x60, 0x00, 0x00});
  for (uint8_t k = 1; k <= 65; ++k) {
    append(types, Bytes{0x60, 0x00});
    append(types, uleb128(k));
    append(types, Bytes(k, kI32));
  }
  auto with_body = [&](const Bytes& body) {
    Bytes code = no_locals();
    append(code, body);
    Bytes code_section = uleb128(1);
    append(code_section, uleb128(code.size()));
    append(code_section, code);
    return module({section(1, types), section(3, Bytes{0x01, 0x00}), section(10, code_section)});
  };
  // block (type 65) (64 unreachable values) end, then drop them: valid.
  Bytes body{0x02, 0xC1, 0x00, 0x00, 0x0B};
  for (int i = 0; i < 65; ++i) body.push_back(0x1A);
  body.push_back(0x0B);
  expect_valid(with_body(body));
  // Type 64 yields 64 values, one fewer than dropped.
  body[1] = 0xC0;
  EXPECT_TRUE(contains(error_of(with_body(body)), "type mismatch"));
  // A two-byte negative s33 (-1) is no type index.
  Bytes negative{0x02, 0xFF, 0x7F, 0x0B, 0x0B};
  EXPECT_TRUE(contains(error_of(with_body(negative), ErrorKind::kMalformed), "block type"));
}

TEST(WasmValidator, ModuleLevelRules) {
  Bytes types = section(1, Bytes{0x01, 0x60, 0x00, 0x00});
  Bytes funcs = section(3, Bytes{0x01, 0x00});
  Bytes code = section(10, Bytes{0x01, 0x02, 0x00, 0x0B});
  Bytes dup =
      section(7, cat({Bytes{0x02}, name("a"), Bytes{0x00, 0x00}, name("a"), Bytes{0x00, 0x00}}));
  EXPECT_TRUE(contains(error_of(module({types, funcs, dup, code})), "duplicate export name \"a\""));
  Bytes start_types = section(1, Bytes{0x01, 0x60, 0x00, 0x01, kI32});
  Bytes start_code = section(10, Bytes{0x01, 0x04, 0x00, 0x41, 0x00, 0x0B});
  EXPECT_TRUE(contains(error_of(module({start_types, funcs, section(8, Bytes{0x00}), start_code})),
                       "start function"));
  Bytes table = section(4, Bytes{0x01, kFuncRef, 0x01, 0x02, 0x01});
  EXPECT_TRUE(contains(error_of(module({table})), "size minimum must not be greater than maximum"));
  // ref.func 0 without the function being declared anywhere else.
  Bytes ref_code = section(10, Bytes{0x01, 0x05, 0x00, 0xD2, 0x00, 0x1A, 0x0B});
  EXPECT_TRUE(
      contains(error_of(module({types, funcs, ref_code})), "undeclared function reference"));
  Bytes export_f = section(7, cat({Bytes{0x01}, name("f"), Bytes{0x00, 0x00}}));
  expect_valid(module({types, funcs, export_f, ref_code}));
  // A non-constant instruction in a global's initializer.
  Bytes global = section(6, Bytes{0x01, kI32, 0x00, 0x41, 0x00, 0x45, 0x0B});
  EXPECT_TRUE(contains(error_of(module({global})), "constant expression required"));
  // select without a type on references.
  Bytes sel = function_module({}, {}, no_locals(),
                              Bytes{0xD0, kFuncRef, 0xD0, kFuncRef, 0x41, 0x00, 0x1B, 0x1A, 0x0B});
  EXPECT_TRUE(contains(error_of(sel), "type mismatch"));
}

TEST(WasmValidator, NestingDepthIsBounded) {
  Bytes body;
  for (uint32_t i = 0; i <= kMaxControlDepth; ++i) append(body, Bytes{0x02, 0x40});
  for (uint32_t i = 0; i <= kMaxControlDepth; ++i) body.push_back(0x0B);
  body.push_back(0x0B);
  EXPECT_TRUE(contains(error_of(function_module({}, {}, no_locals(), body)), "nested deeper than"));
}

// The side table an interpreter will translate from.
TEST(WasmValidator, SideTable) {
  // 0: block (result i32)   2: i32.const 7   4: br 0   6: end
  // 7: loop   9: br 0   11: end
  // 12: i32.const 1   14: if   16: else   17: end   18: drop? (no: block leaves i32)
  Bytes body{0x02, kI32, 0x41, 0x07, 0x0C, 0x00, 0x0B,  // block ... end
             0x03, 0x40, 0x0C, 0x00, 0x0B,              // loop br 0 end
             0x41, 0x01, 0x04, 0x40, 0x05, 0x0B,        // if else end
             0x0B};
  auto m = check(function_module({}, {kI32}, no_locals(), body));
  ASSERT_TRUE(m.ok()) << m.error().message();
  const auto& st = m->functions[0].info.side_table;
  ASSERT_EQ(st.size(), 4u);
  // br 0 out of the block: to just after its end, keeping one value at height 0.
  EXPECT_EQ(st[0].pc, 4u);
  EXPECT_EQ(st[0].target, 7u);
  EXPECT_EQ(st[0].height, 0u);
  EXPECT_EQ(st[0].arity, 1u);
  // br 0 in the loop: back to its first instruction, above the block's result.
  EXPECT_EQ(st[1].pc, 9u);
  EXPECT_EQ(st[1].target, 9u);
  EXPECT_EQ(st[1].height, 1u);
  EXPECT_EQ(st[1].arity, 0u);
  // if: when false, to just after else; else: to just after end.
  EXPECT_EQ(st[2].pc, 14u);
  EXPECT_EQ(st[2].target, 17u);
  EXPECT_EQ(st[3].pc, 16u);
  EXPECT_EQ(st[3].target, 18u);
  EXPECT_EQ(m->functions[0].info.max_control_depth, 2u);
  EXPECT_EQ(m->functions[0].info.max_stack_height, 2u);
}

// Slot heights count a v128 as two; drop and select note their operand's type.
TEST(WasmValidator, SlotsAndTypeNotes) {
  Bytes body = cat({Bytes{0xFD, 0x0C}, Bytes(16, 0),                 // 0: v128.const
                    Bytes{0x02, kI32, 0x41, 0x01, 0x0C, 0x00, 0x0B,  // 18: block (result i32) br 0
                          0x1A, 0x1A, 0x0B}});                       // 25: drop 26: drop 27: end
  auto m = check(function_module({}, {}, no_locals(), body));
  ASSERT_TRUE(m.ok()) << m.error().message();
  const FunctionInfo& info = m->functions[0].info;
  ASSERT_EQ(info.side_table.size(), 1u);
  const BranchEntry& br = info.side_table[0];
  EXPECT_EQ(br.pc, 22u);
  EXPECT_EQ(br.target, 25u);
  EXPECT_EQ(br.height, 1u);
  EXPECT_EQ(br.slot_height, 2u);
  EXPECT_EQ(br.arity, 1u);
  EXPECT_EQ(br.slot_arity, 1u);
  EXPECT_EQ(info.max_stack_height, 2u);
  EXPECT_EQ(info.max_stack_slots, 3u);
  ASSERT_EQ(info.type_notes.size(), 2u);
  EXPECT_EQ(info.type_notes[0].pc, 25u);
  EXPECT_EQ(info.type_notes[0].type, ValType::kI32);
  EXPECT_EQ(info.type_notes[1].pc, 26u);
  EXPECT_EQ(info.type_notes[1].type, ValType::kV128);
}

// ---- over the spec suite's modules ------------------------------------------------------------

namespace fs = std::filesystem;

// Every .wasm file of the suite (CI keeps ../shared beside the clone).
std::vector<fs::path> suite_modules() {
  const char* src = std::getenv("CHORUS_SOURCE_DIR");
  fs::path root = fs::path(src ? src : ".") / ".." / "shared" / "wasm-testsuite" / "json";
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->path().extension() == ".wasm") out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Bytes read_all(const fs::path& p) {
  Result<Bytes> bytes = read_file(p.string());
  EXPECT_TRUE(bytes.ok()) << bytes.error().message();
  return bytes.ok() ? std::move(bytes).value() : Bytes{};
}

Result<Module> check_suite_module(const Bytes& bytes) {
  DecodeOptions options;
  options.compact_imports = true;
  return decode_and_validate(bytes, options);
}

// The side table of every valid suite module is complete and consistent: entries in body order,
// every target resolved and inside the body, if/else edges landing just after else/end.
TEST(WasmValidator, SideTableInvariantsOnSuite) {
  auto files = suite_modules();
  ASSERT_GT(files.size(), 1000u) << "the spec suite is missing (../shared/wasm-testsuite/json)";
  size_t functions = 0, entries = 0;
  for (const fs::path& f : files) {
    auto m = check_suite_module(read_all(f));
    if (!m.ok()) continue;
    for (const Function& fn : m->functions) {
      ++functions;
      ByteView body = m->view(fn.body);
      uint32_t last_pc = 0;
      for (const BranchEntry& e : fn.info.side_table) {
        ++entries;
        ASSERT_GE(e.pc, last_pc) << f;
        last_pc = e.pc;
        ASSERT_LT(e.pc, body.size()) << f;
        ASSERT_LE(e.target, body.size()) << f;
        uint8_t op = body[e.pc];
        ASSERT_TRUE(op == 0x04 || op == 0x05 || op == 0x0C || op == 0x0D || op == 0x0E) << f;
        if (op == 0x04) {
          ASSERT_TRUE(body[e.target - 1] == 0x05 || body[e.target - 1] == 0x0B) << f;
        }
        if (op == 0x05) {
          ASSERT_EQ(body[e.target - 1], 0x0B) << f;
        }
        ASSERT_LE(e.height, fn.info.max_stack_height) << f;
      }
      ASSERT_LE(fn.info.max_control_depth, kMaxControlDepth);
    }
  }
  EXPECT_GT(functions, 5000u);
  EXPECT_GT(entries, 1000u);
}

// Truncations and byte flips of suite modules are refused or accepted, never a crash (run under
// ASan by ./x test --asan). Deterministic: a fixed generator, a bounded sample.
TEST(WasmValidator, SurvivesMutationsOfSuiteModules) {
  auto files = suite_modules();
  ASSERT_GT(files.size(), 1000u);
  std::mt19937 rng(4);
  size_t tried = 0;
  for (size_t i = 0; i < files.size(); i += 7) {
    Bytes bytes = read_all(files[i]);
    if (bytes.size() < 9 || bytes.size() > 4096) continue;
    for (int k = 0; k < 20; ++k) {
      Bytes m = bytes;
      if (k < 5) {
        m.resize(8 + rng() % (bytes.size() - 8));
      } else {
        for (int flips = 1 + rng() % 3; flips > 0; --flips) m[8 + rng() % (m.size() - 8)] = rng();
      }
      auto r = check_suite_module(m);
      if (!r.ok()) {
        EXPECT_FALSE(r.error().message().empty());
      }
      ++tried;
    }
  }
  EXPECT_GT(tried, 1000u);
}
}  // namespace
}  // namespace chorus::wasm
