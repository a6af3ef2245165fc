#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/hex.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"

namespace chorus::candid {
namespace {

struct Typed {
  ArgTypes types;
  FieldNames names;
};

Typed types(std::string_view text) {
  Typed t;
  auto parsed = parse_arg_types(text, &t.names);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error().message();
  if (parsed.ok()) t.types = *parsed;
  return t;
}

// Parses |values| at |t|, prints them, and checks that the print parses to the same values.
std::string round_trip(const Typed& t, std::string_view values) {
  auto v = parse_args_at(values, t.types.table, t.types.types);
  EXPECT_TRUE(v.ok()) << values << ": " << v.error().message();
  if (!v.ok()) return "";
  std::string printed = print_args(*v, t.types.table, t.types.types, &t.names);
  auto again = parse_args_at(printed, t.types.table, t.types.types);
  EXPECT_TRUE(again.ok()) << printed << ": " << again.error().message();
  if (again.ok()) {
    EXPECT_EQ(*again, *v) << printed;
  }
  // And through the binary format.
  auto bytes = encode(t.types.table, t.types.types, *v);
  EXPECT_TRUE(bytes.ok());
  if (bytes.ok()) {
    EXPECT_EQ(*decode(*bytes, t.types), *v);
  }
  return printed;
}

std::string parse_error(const Typed& t, std::string_view values) {
  auto v = parse_args_at(values, t.types.table, t.types.types);
  EXPECT_FALSE(v.ok()) << values << " parsed";
  return v.ok() ? "" : v.error().message();
}

TEST(CandidText, PrintsWithFieldNamesAndReadsBack) {
  Typed t = types("(record { owner : principal; amount : nat })");
  EXPECT_EQ(round_trip(t, R"((record { owner = principal "aaaaa-aa"; amount = 1_000 : nat }))"),
            R"((record { owner = principal "aaaaa-aa"; amount = 1000 }))");
  // Without names the ids print.
  auto v = parse_args_at(R"((record { owner = principal "aaaaa-aa"; amount = 5 }))", t.types.table,
                         t.types.types);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(print_args(*v, t.types.table, t.types.types),
            R"((record { 947296307 = principal "aaaaa-aa"; 3573748184 = 5 }))");
}

TEST(CandidText, Numbers) {
  Typed t = types("(nat, int, nat8, int16, nat64, int64, nat32, int)");
  EXPECT_EQ(round_trip(t, "(0x1F, -1_000_000, 0xff, -32768, 18_446_744_073_709_551_615, "
                          "-0x8000_0000_0000_0000, +7, 123456789012345678901234567890)"),
            "(31, -1000000, 255, -32768, 18446744073709551615, -9223372036854775808, 7, "
            "123456789012345678901234567890)");
  EXPECT_NE(parse_error(t, "(-1, 0, 0, 0, 0, 0, 0, 0)").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error(types("(nat8)"), "(256)").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error(types("(int16)"), "(32768)").find("out of range"), std::string::npos);
  EXPECT_NE(parse_error(types("(nat)"), "(1.5)").find("not an integer"), std::string::npos);
}

TEST(CandidText, Floats) {
  Typed t = types("(float64, float64, float64, float64, float64, float32, float32, float64)");
  EXPECT_EQ(round_trip(t, "(1.5e10, -0.0, 1e-7, 3, 0.1, 0.1, -409327.125, 1_000.25)"),
            "(15000000000.0, -0.0, 1e-7, 3.0, 0.1, 0.1, -409327.13, 1000.25)");
  // The spec's other float forms: a bare point, hex with a binary exponent, signed exponents.
  Typed forms = types("(float64, float64, float64, float64, float32)");
  EXPECT_EQ(round_trip(forms, "(1., 0x1.8p3, 1e+3, -1_000.5e-3, 0x10)"),
            "(1.0, 12.0, 1000.0, -1.0005, 16.0)");
  Typed special = types("(float64, float64, float32, float64, float64)");
  EXPECT_EQ(round_trip(special, "(inf, -inf, inf, 1.7976931348623157e308, 5e-324)"),
            "(inf, -inf, inf, 1.7976931348623157e+308, 5e-324)");
  auto nan = parse_args_at("(nan)", special.types.table, std::span(special.types.types).first(1));
  ASSERT_TRUE(nan.ok());
  EXPECT_TRUE(std::isnan((*nan)[0].float_value()));
  EXPECT_EQ(print_args(*nan, special.types.table, special.types.types), "(nan)");
  EXPECT_FALSE(parse_args_at("(infinity)", special.types.table, std::span(special.types.types).first(1)).ok());
  EXPECT_FALSE(parse_args_at("(1e)", special.types.table, std::span(special.types.types).first(1)).ok());
}

TEST(CandidText, TextEscapes) {
  Typed t = types("(text, text, blob, vec nat8)");
  EXPECT_EQ(
      round_trip(t, R"(("a\n\t\\\"\'\41\u{2603}\u{1F600}", "snow ☃", blob "\00\ffA", vec { 1; 2 }))"),
      R"(("a\n\t\\\"'A☃😀", "snow ☃", blob "\00\ff\41", blob "\01\02"))");
  EXPECT_NE(parse_error(types("(text)"), R"(("\ff"))").find("UTF-8"), std::string::npos);
  EXPECT_FALSE(parse_args_at(R"(("\u{d800}"))", t.types.table, t.types.types).ok());
  EXPECT_FALSE(parse_args_at(R"(("\u{110000}"))", t.types.table, t.types.types).ok());
  EXPECT_FALSE(parse_args_at(R"(("\q"))", t.types.table, t.types.types).ok());
  EXPECT_FALSE(parse_args_at(R"(("open)", t.types.table, t.types.types).ok());
}

TEST(CandidText, Constructors) {
  Typed t = types(R"((opt nat, opt opt nat, vec text, record { nat; text },
      variant { ok : nat; err : text; none }, variant { ok : nat; none }, null, bool, reserved,
      record { "quoted name" : nat; 5 : bool }))");
  EXPECT_EQ(round_trip(t, R"((opt 1, opt null, vec { "a"; "b" }, record { 1; "x" },
      variant { err = "no" }, variant { none }, null, true, opt 5,
      record { "quoted name" = 1; 5 = false }))"),
            R"((opt 1, opt null, vec { "a"; "b" }, record { 1; "x" }, variant { err = "no" }, )"
            R"(variant { none }, null, true, null, record { 5 = false; "quoted name" = 1 }))");
  // Values from the spec's examples: ids and shorthand are interchangeable.
  auto a = parse_args_at("(null, null, vec {}, record { 0 = 1; 1 = \"x\" }, variant { ok = 1 }, "
                         "variant { 1_234 = 5 })",
                         t.types.table, std::span(t.types.types).first(6));
  EXPECT_FALSE(a.ok()) << "1234 is not a case of the variant";
  auto b = parse_args_at("(null, null, vec {}, record { 0 = 1; 1 = \"x\" }, variant { ok = 1 }, "
                         "variant { none = null })",
                         t.types.table, std::span(t.types.types).first(6));
  ASSERT_TRUE(b.ok()) << b.error().message();
  auto tuple = parse_args_at("(record { 1; \"x\" })", t.types.table,
                             std::span(t.types.types).subspan(3, 1));
  ASSERT_TRUE(tuple.ok());
  EXPECT_EQ((*b)[3], (*tuple)[0]);
  EXPECT_NE(parse_error(types("(record { a : nat })"), "(record {})").find("missing"),
            std::string::npos);
  EXPECT_FALSE(parse_args_at("(variant { a = 1; b = 2 })", t.types.table,
                             std::span(t.types.types).subspan(4, 1)).ok());
  EXPECT_FALSE(parse_args_at("(record { a = 1; a = 2 })", types("(record { a : nat })").types.table,
                             types("(record { a : nat })").types.types).ok());
}

TEST(CandidText, References) {
  Typed t = types(R"((principal, func (nat) -> (text) query, service { go : () -> () },
      func () -> ()))");
  EXPECT_EQ(round_trip(t, R"((principal "rwlgt-iiaaa-aaaaa-aaaaa-cai",
      func "w7x7r-cok77-xa".lookup, service "aaaaa-aa", func "aaaaa-aa"."a method"))"),
            R"((principal "rwlgt-iiaaa-aaaaa-aaaaa-cai", func "w7x7r-cok77-xa".lookup, )"
            R"(service "aaaaa-aa", func "aaaaa-aa"."a method"))");
  EXPECT_FALSE(parse_args_at(R"((principal "not-a-principal"))", t.types.table,
                             std::span(t.types.types).first(1)).ok());
}

TEST(CandidText, RecursiveTypes) {
  Typed t = types("type List = opt record { head : int; tail : List }; (List)");
  EXPECT_EQ(round_trip(t, "(opt record { head = 1; tail = opt record { head = -2; tail = null } })"),
            "(opt record { head = 1; tail = opt record { head = -2; tail = null } })");
}

TEST(CandidText, Annotations) {
  Typed t = types("(int, opt nat, vec int)");
  EXPECT_EQ(round_trip(t, "((5 : nat), (opt 3 : opt nat), vec { 1 : int; (2 : nat) })"),
            "(5, opt 3, vec { 1; 2 })");
  EXPECT_NE(parse_error(types("(nat)"), "(5 : int)").find("not a subtype"), std::string::npos);
  EXPECT_NE(parse_error(types("(nat)"), "(\"x\" : text)").find("not a subtype"),
            std::string::npos);
  EXPECT_FALSE(parse_args_at("((300 : nat8))", t.types.table, t.types.types).ok());
  // Each annotation of a constructed type snapshots the types; their number is bounded.
  Typed many = types("(vec opt nat)");
  std::string text = "(vec {";
  for (int i = 0; i < 300; ++i) text += "opt 1 : opt nat;";
  EXPECT_NE(parse_error(many, text + "})").find("too many annotations"), std::string::npos);
  std::string prims = "(vec {";
  for (int i = 0; i < 3000; ++i) prims += "opt (1 : nat);";
  EXPECT_TRUE(parse_args_at(prims + "})", many.types.table, many.types.types).ok());
}

TEST(CandidText, CommentsAndTrailingText) {
  Typed t = types("(nat, /* a /* nested */ comment */ text) // trailing");
  EXPECT_EQ(round_trip(t, "(1, // one\n \"x\" /* the text */)"), "(1, \"x\")");
  EXPECT_FALSE(parse_args_at("(1, \"x\") extra", t.types.table, t.types.types).ok());
  EXPECT_FALSE(parse_args_at("(1, \"x\" /* open", t.types.table, t.types.types).ok());
  EXPECT_FALSE(parse_args_at("(1, \"x\", 3)", t.types.table, t.types.types).ok());
  // Missing trailing nullable arguments read as null, like in binary.
  Typed opt = types("(nat, opt text)");
  auto v = parse_args_at("(1)", opt.types.table, opt.types.types);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)[1], Value::none());
}

TEST(CandidText, NestingIsBounded) {
  Typed t = types("(vec reserved)");
  std::string deep = "(vec {" + std::string(100000, '(') + "1" + std::string(100000, ')') + "})";
  EXPECT_FALSE(parse_args_at(deep, t.types.table, t.types.types).ok());
  std::string deep_type = "(" ;
  for (int i = 0; i < 100000; ++i) deep_type += "opt ";
  EXPECT_FALSE(parse_arg_types(deep_type + "nat)").ok());
}

std::string read_testdata(const char* name) {
  const char* root = std::getenv("CHORUS_SOURCE_DIR");
  std::filesystem::path dir =
      root != nullptr ? std::filesystem::path(root) : std::filesystem::path(__FILE__).parent_path()
                                                          .parent_path().parent_path();
  std::ifstream in(dir / "src/encoding/testdata" / name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CandidDid, ParsesTheManagementCanisterInterface) {
  std::string did = read_testdata("ic.did");
  ASSERT_FALSE(did.empty()) << "src/encoding/testdata/ic.did not found";
  auto ic = parse_did(did);
  ASSERT_TRUE(ic.ok()) << ic.error().message();
  EXPECT_EQ(ic->method_names().size(), 44u);
  EXPECT_TRUE(ic->init_args().empty());

  auto status = ic->method("canister_status");
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->is_query());
  EXPECT_FALSE(ic->method("install_code")->is_query());
  EXPECT_FALSE(ic->method("no_such_method").ok());

  // A tool types the arguments from text and prints the reply with field names.
  auto args = parse_args_at(R"((record { canister_id = principal "rwlgt-iiaaa-aaaaa-aaaaa-cai" }))",
                            status->args.table, status->args.types);
  ASSERT_TRUE(args.ok()) << args.error().message();
  auto bytes = encode(status->args.table, status->args.types, *args);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(to_hex(*bytes).substr(0, 8), "4449444c");

  auto create = ic->method("create_canister");
  ASSERT_TRUE(create.ok());
  auto reply = parse_args_at(R"((record { canister_id = principal "aaaaa-aa" }))",
                             create->results.table, create->results.types);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(print_args(*reply, create->results.table, create->results.types, &ic->field_names()),
            R"((record { canister_id = principal "aaaaa-aa" }))");

  // Optional fields may be left out; variants print by case name.
  auto install = ic->method("install_code");
  ASSERT_TRUE(install.ok());
  auto install_args = parse_args_at(
      R"((record { mode = variant { upgrade = opt record { skip_pre_upgrade = opt true } };
          canister_id = principal "aaaaa-aa"; wasm_module = blob "\00asm"; arg = blob "" }))",
      install->args.table, install->args.types);
  ASSERT_TRUE(install_args.ok()) << install_args.error().message();
  std::string printed =
      print_args(*install_args, install->args.table, install->args.types, &ic->field_names());
  // Fields print in id order, as they are encoded.
  EXPECT_NE(printed.find("mode = variant { upgrade = opt record { wasm_memory_persistence = null; "
                         "skip_pre_upgrade = opt true } }"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("sender_canister_version = null"), std::string::npos) << printed;

  auto http = ic->method("http_request");
  ASSERT_TRUE(http.ok());
  EXPECT_TRUE(ic->named_type("http_request_args").ok());
  EXPECT_FALSE(ic->named_type("nope").ok());
}

TEST(CandidDid, ServiceForms) {
  // A class: init arguments, then the service, here by name.
  auto cls = parse_did(R"(
    type Api = service { get : (key : text) -> (opt Value) query; put : (text, Value) -> () };
    type Value = variant { int : int; list : vec Value };
    service : (owner : principal, opt nat) -> Api;
  )");
  ASSERT_TRUE(cls.ok()) << cls.error().message();
  EXPECT_EQ(cls->init_args().size(), 2u);
  EXPECT_EQ(cls->method_names(), (std::vector<std::string>{"get", "put"}));
  auto get = cls->method("get");
  ASSERT_TRUE(get.ok());
  auto reply = parse_args_at("(opt variant { list = vec { variant { int = -1 } } })",
                             get->results.table, get->results.types);
  ASSERT_TRUE(reply.ok()) << reply.error().message();
  EXPECT_EQ(print_args(*reply, get->results.table, get->results.types, &cls->field_names()),
            "(opt variant { list = vec { variant { \"int\" = -1 } } })")
      << "a keyword as a name is quoted";

  // Methods may name a func type; composite queries count as queries.
  auto named = parse_did(R"(type F = func () -> () composite_query;
                            service s : { "quoted method" : F; m : (nat) -> (nat) oneway })");
  ASSERT_TRUE(named.ok()) << named.error().message();
  EXPECT_TRUE(named->method("quoted method")->is_query());
  EXPECT_FALSE(named->method("m")->is_query());

  // Definitions alone describe no methods.
  auto defs = parse_did("type A = nat;");
  ASSERT_TRUE(defs.ok());
  EXPECT_TRUE(defs->method_names().empty());
  EXPECT_TRUE(parse_did("").ok());

  EXPECT_NE(parse_did("import \"other.did\"; service : {}").error().message().find("import"),
            std::string::npos);
  EXPECT_FALSE(parse_did("type A = nat; service : A").ok()) << "not a service type";
  EXPECT_FALSE(parse_did("service : { m : nat }").ok()) << "a method needs a function type";
  EXPECT_FALSE(parse_did("service : { m : () -> (); m : () -> () }").ok());
  EXPECT_FALSE(parse_did("service : {} extra").ok());
  EXPECT_FALSE(parse_did("service : Missing").ok());
}

}  // namespace
}  // namespace chorus::candid
