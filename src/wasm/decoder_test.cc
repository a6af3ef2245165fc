#include "wasm/decoder.h"

#include <gtest/gtest.h>

#include "wasm/test_modules.h"

namespace chorus::wasm {
namespace {

using namespace testing;  // NOLINT

// The error of decoding |bytes|, which must fail.
std::string decode_error(const Bytes& bytes, ErrorKind kind = ErrorKind::kMalformed,
                         const DecodeOptions& options = {}) {
  auto m = decode(bytes, options);
  EXPECT_FALSE(m.ok());
  if (m.ok()) return "";
  EXPECT_EQ(error_kind(m.error()), kind) << m.error().message();
  return m.error().message();
}

TEST(WasmDecoder, EmptyModule) {
  auto m = decode(header());
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_TRUE(m->types.empty());
  EXPECT_TRUE(m->functions.empty());
}

TEST(WasmDecoder, Header) {
  EXPECT_NE(decode_error(Bytes{0x00, 0x61, 0x73}).find("magic header not detected"),
            std::string::npos);
  EXPECT_NE(decode_error(Bytes{0x00, 0x61, 0x73, 0x6E, 1, 0, 0, 0}).find("magic header"),
            std::string::npos);
  EXPECT_NE(decode_error(Bytes{0x00, 0x61, 0x73, 0x6D, 2, 0, 0, 0}).find("unknown binary version"),
            std::string::npos);
}

TEST(WasmDecoder, Leb128Limits) {
  // The start section's function index as a u32: five bytes at most, no bits beyond 32.
  Bytes five_ok = module({section(1, Bytes{0x01, 0x60, 0x00, 0x00}), section(3, Bytes{0x01, 0x00}),
                          section(8, Bytes{0x80, 0x80, 0x80, 0x80, 0x00}),
                          section(10, Bytes{0x01, 0x02, 0x00, 0x0B})});
  auto m = decode(five_ok);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(*m->start, 0u);
  Bytes too_long = module({section(8, Bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x00})});
  EXPECT_NE(decode_error(too_long).find("integer representation too long"), std::string::npos);
  Bytes too_large = module({section(8, Bytes{0x80, 0x80, 0x80, 0x80, 0x10})});
  EXPECT_NE(decode_error(too_large).find("integer too large"), std::string::npos);
}

TEST(WasmDecoder, SectionOrderAndSize) {
  Bytes out_of_order = module({section(3, Bytes{0x00}), section(1, Bytes{0x00})});
  EXPECT_NE(decode_error(out_of_order).find("unexpected content after last section"),
            std::string::npos);
  Bytes repeated = module({section(1, Bytes{0x00}), section(1, Bytes{0x00})});
  EXPECT_NE(decode_error(repeated).find("out of order or repeated"), std::string::npos);
  // A type section that claims two bytes but holds one type of three.
  Bytes mismatch = cat({header(), Bytes{0x01, 0x02, 0x01, 0x60, 0x00, 0x00}});
  EXPECT_NE(decode_error(mismatch).find("unexpected end"), std::string::npos);
  Bytes trailing = module({section(1, Bytes{0x00, 0x00})});
  EXPECT_NE(decode_error(trailing).find("section size mismatch"), std::string::npos);
  Bytes bad_id = module({section(14, Bytes{})});
  EXPECT_NE(decode_error(bad_id).find("malformed section id"), std::string::npos);
}

TEST(WasmDecoder, FunctionAndCodeCounts) {
  Bytes no_code =
      module({section(1, Bytes{0x01, 0x60, 0x00, 0x00}), section(3, Bytes{0x01, 0x00})});
  EXPECT_NE(decode_error(no_code).find("function and code section have inconsistent lengths"),
            std::string::npos);
  Bytes no_functions = module({section(10, Bytes{0x01, 0x02, 0x00, 0x0B})});
  EXPECT_NE(decode_error(no_functions).find("inconsistent lengths"), std::string::npos);
}

TEST(WasmDecoder, DataCount) {
  Bytes mismatch = module({section(5, Bytes{0x01, 0x00, 0x01}), section(12, Bytes{0x02}),
                           section(11, Bytes{0x01, 0x01, 0x00})});
  EXPECT_NE(decode_error(mismatch).find("data count and data section have inconsistent lengths"),
            std::string::npos);
  Bytes missing_data = module({section(12, Bytes{0x01})});
  EXPECT_NE(decode_error(missing_data).find("inconsistent lengths"), std::string::npos);
  Bytes ok = module({section(5, Bytes{0x01, 0x00, 0x01}), section(12, Bytes{0x01}),
                     section(11, Bytes{0x01, 0x01, 0x02, 'h', 'i'})});
  auto m = decode(ok);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->data.size(), 1u);
  EXPECT_EQ(m->data[0].mode, SegmentMode::kPassive);
  EXPECT_EQ(as_chars(m->view(m->data[0].init)), "hi");
}

TEST(WasmDecoder, Utf8Names) {
  Bytes bad_custom = module({section(0, Bytes{0x02, 0xC0, 0x80})});
  EXPECT_NE(decode_error(bad_custom).find("malformed UTF-8 encoding"), std::string::npos);
  Bytes bad_export = module({section(7, Bytes{0x01, 0x01, 0xFF, 0x00, 0x00})});
  EXPECT_NE(decode_error(bad_export).find("malformed UTF-8"), std::string::npos);
}

TEST(WasmDecoder, CustomSectionsKeptRaw) {
  Bytes bytes = module({section(0, cat({name("name"), Bytes{0x01, 0x02, 0x03}})),
                        section(0, cat({name("other"), Bytes{}}))});
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->customs.size(), 2u);
  EXPECT_EQ(m->customs[0].name, "name");
  EXPECT_TRUE(bytes_equal(m->view(m->customs[0].content), Bytes{0x01, 0x02, 0x03}));
  EXPECT_EQ(m->customs[1].content.size, 0u);
}

TEST(WasmDecoder, HugeCountsFailBeforeAllocating) {
  Bytes types = module({section(1, Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x0F})});
  EXPECT_NE(decode_error(types).find("too many types"), std::string::npos);
  // Within the limit but beyond the bytes left.
  Bytes functions = module({section(3, Bytes{0x80, 0x80, 0x04})});
  EXPECT_NE(decode_error(functions).find("exceeds the bytes left"), std::string::npos);
}

TEST(WasmDecoder, TooManyLocals) {
  // Two runs of 25,001 i32 locals: over the 50,000 limit, refused without materializing them.
  Bytes body{0x02, 0xA9, 0xC3, 0x01, kI32, 0xA9, 0xC3, 0x01, kI32, 0x0B};
  Bytes bytes = function_module({}, {}, Bytes{}, body);
  EXPECT_NE(decode_error(bytes).find("too many locals"), std::string::npos);
  Bytes overflow{0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, kI32,
                 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, kI32, 0x0B};
  EXPECT_NE(decode_error(function_module({}, {}, Bytes{}, overflow)).find("too many locals"),
            std::string::npos);
}

TEST(WasmDecoder, Limits64) {
  Bytes bytes = module({section(4, Bytes{0x01, kFuncRef, 0x05, 0x01, 0x80, 0x80, 0x80, 0x80, 0x20}),
                        section(5, Bytes{0x01, 0x05, 0x02, 0x80, 0x80, 0x80, 0x80, 0x20})});
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_TRUE(m->tables[0].type.limits.is64);
  EXPECT_EQ(*m->tables[0].type.limits.max, uint64_t{1} << 33);
  EXPECT_TRUE(m->memories[0].type.limits.is64);
  EXPECT_EQ(m->memories[0].type.limits.min, 2u);
  EXPECT_EQ(*m->memories[0].type.limits.max, uint64_t{1} << 33);
  // A 32-bit limit is a u32.
  Bytes big32 = module({section(5, Bytes{0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10})});
  EXPECT_NE(decode_error(big32).find("integer too large"), std::string::npos);
  Bytes bad_flags = module({section(5, Bytes{0x01, 0x08, 0x00})});
  EXPECT_NE(decode_error(bad_flags).find("malformed limits flags"), std::string::npos);
}

TEST(WasmDecoder, RefusesProposalsOutsideTheSet) {
  EXPECT_NE(
      decode_error(module({section(5, Bytes{0x01, 0x03, 0x01, 0x02})}), ErrorKind::kUnsupported)
          .find("threads"),
      std::string::npos);
  EXPECT_NE(decode_error(module({section(13, Bytes{0x00})}), ErrorKind::kUnsupported)
                .find("exception handling"),
            std::string::npos);
  EXPECT_NE(decode_error(module({section(1, Bytes{0x01, 0x4E, 0x00})}), ErrorKind::kUnsupported)
                .find("GC"),
            std::string::npos);
  EXPECT_NE(decode_error(module({section(1, Bytes{0x01, 0x60, 0x01, 0x64, 0x70, 0x00})}),
                         ErrorKind::kUnsupported)
                .find("function references"),
            std::string::npos);
  // global i32 = i32.const 1 i32.const 2 i32.add
  Bytes ext = module({section(6, Bytes{0x01, kI32, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B})});
  EXPECT_NE(decode_error(ext, ErrorKind::kUnsupported).find("extended constant expressions"),
            std::string::npos);
}

TEST(WasmDecoder, CompactImportsOnlyWhenAsked) {
  // Two imports from "m" in one group: a function of type 0 and an immutable i32 global.
  Bytes bytes =
      module({section(1, Bytes{0x01, 0x60, 0x00, 0x00}),
              section(2, cat({Bytes{0x02}, name("m"), name(""), Bytes{0x7F, 0x02}, name("f"),
                              Bytes{0x00, 0x00}, name("g"), Bytes{0x03, kI32, 0x00}}))});
  EXPECT_NE(decode_error(bytes, ErrorKind::kUnsupported).find("compact import section"),
            std::string::npos);
  DecodeOptions options;
  options.compact_imports = true;
  auto m = decode(bytes, options);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->imports.size(), 2u);
  EXPECT_EQ(m->imports[1].module, "m");
  EXPECT_EQ(m->imports[1].name, "g");
  EXPECT_EQ(m->imported_functions, 1u);
  EXPECT_EQ(m->imported_globals, 1u);

  // The other form: one type (function of type 0) for the names "a" and "b".
  Bytes shared = module({section(1, Bytes{0x01, 0x60, 0x00, 0x00}),
                         section(2, cat({Bytes{0x02}, name("m"), name(""),
                                         Bytes{0x7E, 0x00, 0x00, 0x02}, name("a"), name("b")}))});
  auto s = decode(shared, options);
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_EQ(s->imports.size(), 2u);
  EXPECT_EQ(s->imports[0].name, "a");
  EXPECT_EQ(s->imports[1].name, "b");
  EXPECT_EQ(s->imports[1].kind, ExternKind::kFunc);
  EXPECT_EQ(s->imported_functions, 2u);
}

TEST(WasmDecoder, ElementSegmentForms) {
  // Flags 0 (active, table 0, function indices), 1 (passive), 3 (declarative),
  // 5 (passive expressions of externref).
  Bytes elems =
      cat({Bytes{0x04}, Bytes{0x00, 0x41, 0x00, 0x0B, 0x01, 0x00}, Bytes{0x01, 0x00, 0x01, 0x00},
           Bytes{0x03, 0x00, 0x01, 0x00}, Bytes{0x05, kExternRef, 0x01, 0xD0, kExternRef, 0x0B}});
  Bytes bytes = module({section(1, Bytes{0x01, 0x60, 0x00, 0x00}), section(3, Bytes{0x01, 0x00}),
                        section(4, Bytes{0x01, kFuncRef, 0x00, 0x01}), section(9, elems),
                        section(10, Bytes{0x01, 0x02, 0x00, 0x0B})});
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->elements.size(), 4u);
  EXPECT_EQ(m->elements[0].mode, SegmentMode::kActive);
  EXPECT_EQ(m->elements[1].mode, SegmentMode::kPassive);
  EXPECT_EQ(m->elements[2].mode, SegmentMode::kDeclarative);
  EXPECT_TRUE(m->elements[3].uses_exprs);
  EXPECT_EQ(m->elements[3].type, ValType::kExternRef);
  Bytes bad = module({section(9, Bytes{0x01, 0x08})});
  EXPECT_NE(decode_error(bad).find("malformed elements segment kind"), std::string::npos);
}

}  // namespace
}  // namespace chorus::wasm
