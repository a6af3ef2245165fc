// Candid I/O of the command line: typed and untyped arguments, replies with field names in the
// three formats, query detection, and the metadata of real modules.
#include "cli/candid_io.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/hex.h"
#include "encoding/candid_binary.h"

namespace chorus::cli {
namespace {

constexpr char kDid[] = R"(
type Profile = record { name : text; age : nat32; email : opt text };
service : (opt text) -> {
  greet : (text) -> (text) query;
  set_profile : (Profile) -> ();
  get_profile : (text) -> (opt Profile) query;
  add : (nat64) -> (nat64);
  both : (nat8, int) -> (record { nat8; int }) composite_query;
}
)";

candid::ServiceInterface iface() {
  auto r = parse_interface(kDid);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return std::move(r).value();
}

// The message's own type of each argument, as text.
std::vector<std::string> types_of(const Bytes& message) {
  auto args = candid::decode_any(message);
  EXPECT_TRUE(args.ok()) << args.error().message();
  std::vector<std::string> out;
  if (args.ok()) {
    for (auto t : args->types) out.push_back(args->table.to_text(t));
  }
  return out;
}

TEST(CandidIoTest, TypedArgumentsTakeTheMethodsTypes) {
  auto i = iface();
  auto a = encode_method_args(&i, "add", "(42)");
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(types_of(*a), (std::vector<std::string>{"nat64"}));
  // Without parentheses, as dfx accepts a single value.
  auto b = encode_method_args(&i, "add", "42");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  auto p = encode_method_args(&i, "set_profile", R"((record { name = "ann"; age = 33 }))");
  ASSERT_TRUE(p.ok()) << p.error().message();
  auto decoded = candid::decode_any(*p);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->table.to_text(decoded->types[0]).find("record"), 0u);
  const candid::Value* age = decoded->values[0].field(candid::field_hash("age"));
  ASSERT_NE(age, nullptr);
  EXPECT_EQ(age->kind(), candid::ValueKind::kNat32);
  EXPECT_EQ(age->nat_value(), 33u);
  const candid::Value* email = decoded->values[0].field(candid::field_hash("email"));
  ASSERT_NE(email, nullptr) << "the missing opt field is sent as null";
  EXPECT_FALSE(email->has_value());
  auto round = format_reply(&i, "get_profile", Bytes(), OutputFormat::kCandid);
  EXPECT_FALSE(round.ok()) << "an empty reply is not a Candid message";
}

TEST(CandidIoTest, ArgumentsThatDoNotFitAreRefusedWithTheSignature) {
  auto i = iface();
  auto wrong = encode_method_args(&i, "add", R"(("text"))");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("add (nat64)"), std::string::npos) << wrong.error().message();
  auto many = encode_method_args(&i, "add", "(1, 2)");
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.error().message().find("takes 1 argument"), std::string::npos) << many.error().message();
  auto negative = encode_method_args(&i, "add", "(-1)");
  EXPECT_FALSE(negative.ok());
  auto unknown = encode_method_args(&i, "nope", "()");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("greet"), std::string::npos) << "lists the methods: " << unknown.error().message();
  EXPECT_FALSE(encode_method_args(&i, "add", "(1").ok());
  EXPECT_FALSE(encode_method_args(&i, "add", "(1) junk").ok());
}

TEST(CandidIoTest, InitArgumentsOfAServiceClass) {
  auto i = iface();
  auto a = encode_init_args(&i, R"((opt "hello"))");
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(types_of(*a), (std::vector<std::string>{"opt text"}));
  auto none = encode_init_args(&i, "");
  ASSERT_TRUE(none.ok()) << "a missing trailing opt argument is null";
  // 5 at opt text reads as null (the spec's opt rule); two arguments are one too many.
  EXPECT_FALSE(encode_init_args(&i, "(opt \"a\", 5)").ok());
}

TEST(CandidIoTest, UntypedArgumentsTakeTheTypesTheTextImplies) {
  auto a = encode_untyped_args(R"((42, "hi", -3, 1.5, opt true, vec { 1; 2 }, record { a = 1 }, principal "aaaaa-aa", blob "\01\02", null))");
  ASSERT_TRUE(a.ok()) << a.error().message();
  auto t = types_of(*a);
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t[0], "nat");
  EXPECT_EQ(t[1], "text");
  EXPECT_EQ(t[2], "int");
  EXPECT_EQ(t[3], "float64");
  EXPECT_EQ(t[4], "opt bool");
  EXPECT_EQ(t[5], "vec nat");
  EXPECT_EQ(t[7], "principal");
  EXPECT_EQ(t[8], "vec nat8");
  EXPECT_EQ(t[9], "null");
  auto annotated = encode_untyped_args("(5 : nat32, (vec {} : vec text))");
  ASSERT_TRUE(annotated.ok()) << annotated.error().message();
  EXPECT_EQ(types_of(*annotated), (std::vector<std::string>{"nat32", "vec text"}));
  auto empty = encode_untyped_args("()");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(to_hex(*empty), "4449444c0000");
  EXPECT_FALSE(encode_untyped_args("(vec { 1; \"x\" })").ok()) << "a vec's items share one type";
}

TEST(CandidIoTest, RepliesPrintWithFieldNamesAsCandidAndJson) {
  auto i = iface();
  // What a canister replies to get_profile: encoded here at the interface's own result type.
  auto m = i.method("get_profile");
  ASSERT_TRUE(m.ok());
  auto values = candid::parse_args_at(R"((opt record { name = "ann"; age = 33; email = null }))",
                                      m->results.table, m->results.types);
  ASSERT_TRUE(values.ok()) << values.error().message();
  auto reply = candid::encode(m->results.table, m->results.types, *values);
  ASSERT_TRUE(reply.ok());

  auto text = format_reply(&i, "get_profile", *reply, OutputFormat::kCandid);
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_NE(text->find("name = \"ann\""), std::string::npos) << *text;
  EXPECT_EQ(*text, R"((opt record { age = 33 : nat32; name = "ann"; email = null }))");

  auto json = format_reply(&i, "get_profile", *reply, OutputFormat::kJson);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"name\": \"ann\""), std::string::npos) << *json;
  EXPECT_NE(json->find("\"age\": 33"), std::string::npos) << *json;
  EXPECT_NE(json->find("\"email\": null"), std::string::npos) << *json;

  auto raw = format_reply(&i, "get_profile", *reply, OutputFormat::kRaw);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, to_hex(*reply));

  // Without the interface the fields only have their hashes.
  auto untyped = format_reply(nullptr, "get_profile", *reply, OutputFormat::kCandid);
  ASSERT_TRUE(untyped.ok());
  EXPECT_EQ(untyped->find("name"), std::string::npos) << *untyped;
  EXPECT_NE(untyped->find(std::to_string(candid::field_hash("name"))), std::string::npos) << *untyped;
  // With the numbers annotated, what prints reads back without an interface to the same values.
  auto numbers = encode_untyped_args(R"((record { a = 5 : nat32; b = -3 : int8; c = "x"; d = vec { 1 : nat64 } }, 1.5 : float32, 7))");
  ASSERT_TRUE(numbers.ok()) << numbers.error().message();
  auto printed = format_reply(nullptr, "m", *numbers, OutputFormat::kCandid);
  ASSERT_TRUE(printed.ok());
  auto again = encode_untyped_args(*printed);
  ASSERT_TRUE(again.ok()) << again.error().message() << " in " << *printed;
  auto v1 = candid::decode_any(*numbers);
  auto v2 = candid::decode_any(*again);
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_EQ(v1->values, v2->values) << *printed;

  // A reply of another type is refused at the method's types.
  auto other = encode_untyped_args("(\"x\")");
  EXPECT_FALSE(format_reply(&i, "add", *other, OutputFormat::kCandid).ok());
  EXPECT_FALSE(parse_output_format("yaml").ok());
}

TEST(CandidIoTest, QueryMethodsAreDetected) {
  auto i = iface();
  EXPECT_TRUE(*method_is_query(i, "greet"));
  EXPECT_TRUE(*method_is_query(i, "both")) << "composite_query";
  EXPECT_FALSE(*method_is_query(i, "add"));
  EXPECT_FALSE(method_is_query(i, "missing").ok());
}

TEST(CandidIoTest, MetadataOfRealModules) {
  auto cdk = read_file(CHORUS_CDK_COUNTER_WASM);
  ASSERT_TRUE(cdk.ok()) << cdk.error().message();
  auto did = module_candid_service(*cdk);
  ASSERT_TRUE(did.ok()) << did.error().message();
  ASSERT_TRUE(did->has_value());
  EXPECT_NE((*did)->find("get_profile"), std::string::npos);
  EXPECT_FALSE(*module_has_eop_marker(*cdk));

  auto mo = read_file(CHORUS_MOTOKO_COUNTER_WASM);
  ASSERT_TRUE(mo.ok()) << mo.error().message();
  auto mo_did = module_candid_service(*mo);
  ASSERT_TRUE(mo_did.ok() && mo_did->has_value());
  EXPECT_NE((*mo_did)->find("inc"), std::string::npos);
  EXPECT_TRUE(*module_has_eop_marker(*mo)) << "the default Motoko build is EOP (wasm64)";
  std::string classic = std::string(CHORUS_MOTOKO_COUNTER_WASM);
  classic.replace(classic.find("counter.wasm"), 12, "counter_classic.wasm");
  auto mo_classic = read_file(classic);
  ASSERT_TRUE(mo_classic.ok());
  EXPECT_FALSE(*module_has_eop_marker(*mo_classic));

  EXPECT_FALSE(module_candid_service(to_bytes("not wasm")).ok());
  Bytes truncated(cdk->begin(), cdk->begin() + 20);
  EXPECT_FALSE(module_candid_service(truncated).ok());
  // An empty custom section whose name length would be read from the next section (a fuzzer find).
  Bytes empty_custom = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x00};
  EXPECT_FALSE(module_candid_service(empty_custom).ok());
}

}  // namespace
}  // namespace chorus::cli
