#include <gtest/gtest.h>


#include "base/hex.h"
#include "base/leb128.h"
#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"
#include "encoding/candid_types.h"

namespace chorus::candid {
namespace {

// Types written in text syntax: |defs| are `type` definitions, |tuple| a tuple type.
using Sig = ArgTypes;

Sig sig(std::string_view tuple, std::string_view defs = "") {
  auto t = parse_arg_types(std::string(defs) + " " + std::string(tuple));
  EXPECT_TRUE(t.ok()) << tuple << ": " << t.error().message();
  return t.ok() ? *t : Sig{};
}

std::vector<Value> text_values(const Sig& s, std::string_view args) {
  auto p = TextParser::create(args);
  EXPECT_TRUE(p.ok()) << p.error().message();
  auto v = p->parse_args();
  EXPECT_TRUE(v.ok()) << args << ": " << v.error().message();
  auto typed = args_at_types(*v, s.table, s.types);
  EXPECT_TRUE(typed.ok()) << args << ": " << typed.error().message();
  return typed.ok() ? *typed : std::vector<Value>{};
}

Bytes hex(std::string_view h) { return *from_hex(h); }
Bytes didl(std::string_view h) { return hex("4449444c" + std::string(h)); }

std::string decode_error(ByteView msg, const Sig& s, const DecodeLimits& limits = {}) {
  auto r = decode(msg, s.table, s.types, limits);
  EXPECT_FALSE(r.ok()) << to_hex(msg) << " decoded";
  return r.ok() ? "" : r.error().message();
}

TEST(CandidTypes, FieldHash) {
  EXPECT_EQ(field_hash("canister_id"), 1313628723u);
  EXPECT_EQ(field_hash(""), 0u);
  EXPECT_EQ(field_hash("a"), 97u);
  EXPECT_EQ(field_hash("foo"), 5097222u);
  EXPECT_EQ(field_hash("bar"), 4895187u);
  // Wraps modulo 2^32.
  EXPECT_EQ(field_hash("target_canister"), 2807510037u);
}

TEST(CandidTypes, ValidateRejectsMalformedTables) {
  TypeTable t;
  t.add_opt(TypeRef::index(5));
  EXPECT_NE(t.validate().error().message().find("out of range"), std::string::npos);

  TypeTable unsorted;
  TypeEntry rec;
  rec.kind = Kind::kRecord;
  rec.fields = {{2, TypeRef::prim(Prim::kNat)}, {1, TypeRef::prim(Prim::kNat)}};
  unsorted.add(rec);
  EXPECT_NE(unsorted.validate().error().message().find("strictly increasing"), std::string::npos);

  TypeTable not_func;
  not_func.add_service({Method{"m", TypeRef::prim(Prim::kNat)}});
  EXPECT_NE(not_func.validate().error().message().find("function type"), std::string::npos);

  TypeTable ok;
  TypeRef self = ok.reserve();
  TypeEntry list;
  list.kind = Kind::kOpt;
  list.inner = self;
  ok.set(self, list);
  EXPECT_TRUE(ok.validate().ok());
  EXPECT_EQ(ok.to_text(self), "opt t0");
}

TEST(CandidBinary, EncodesKnownBytes) {
  Sig s = sig("(nat, text, bool, int, opt nat8)");
  auto bytes = encode(s.table, s.types, text_values(s, R"((1, "a", true, -1, opt 7))"));
  ASSERT_TRUE(bytes.ok()) << bytes.error().message();
  EXPECT_EQ(to_hex(*bytes),
            "4449444c"
            "016e7b"
            "05"
            "7d717e7c00"
            "01"
            "0161"
            "01"
            "7f"
            "0107");
  // No arguments at all.
  auto empty = encode(TypeTable(), {}, {});
  EXPECT_EQ(to_hex(*empty), "4449444c0000");
}

// Every type survives encode -> decode at the same type, and decode_any sees the same values.
TEST(CandidBinary, RoundTripsEveryType) {
  Sig s = sig(R"((null, bool, nat, int, nat8, nat16, nat32, nat64, int8, int16, int32, int64,
                  float32, float64, text, reserved, principal, opt nat, vec int16, blob,
                  record { a : nat; 5 : text; int }, variant { ok : nat; err : text },
                  func (nat) -> (text) query, service { go : (List) -> () oneway }, List))",
              "type List = opt record { head : int; tail : List };");
  auto values =
      text_values(s, R"((null, true, 123456789012345678901234567890, -98765432109876543210,
      255, 65535, 4294967295, 18446744073709551615, -128, -32768, -2147483648,
      -9223372036854775808, 0.5, -1.25e300, "snow \u{2603}", null, principal "aaaaa-aa",
      opt 0, vec { 1; -2; 3 }, blob "\00\ff", record { a = 1; 5 = "five"; -3 },
      variant { err = "no" }, func "w7x7r-cok77-xa".foo, service "aaaaa-aa",
      opt record { head = 1; tail = opt record { head = 2; tail = null } }))");
  ASSERT_EQ(values.size(), s.types.size());
  values[15] = Value::reserved();
  auto bytes = encode(s.table, s.types, values);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message();
  auto back = decode(*bytes, s.table, s.types);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, values);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ((*back)[i], values[i])
        << i << ": " << to_text((*back)[i]) << " vs " << to_text(values[i]);
  }
  auto any = decode_any(*bytes);
  ASSERT_TRUE(any.ok()) << any.error().message();
  EXPECT_EQ(any->values, values);
  EXPECT_EQ(any->types, s.types);
  auto again = encode(*any);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *bytes);
}

TEST(CandidBinary, KeepsFloatBitsExactly) {
  // A signalling NaN would be quieted by a round trip through double.
  for (const char* h : {"000173"
                        "0100807f",
                        "000172"
                        "010000000000f07f",
                        "000173"
                        "00000080"}) {
    Bytes msg = didl(h);
    auto any = decode_any(msg);
    ASSERT_TRUE(any.ok()) << any.error().message();
    auto again = encode(*any);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(to_hex(*again), to_hex(msg));
  }
}

TEST(CandidBinary, EncodeRefusesValuesOfTheWrongType) {
  Sig s = sig("(nat, record { a : nat }, variant { x })");
  std::vector<Value> wrong_prim = {Value::text("1"),
                                   Value::record({{field_hash("a"), Value::nat({})}}),
                                   Value::variant(field_hash("x"), Value::null())};
  EXPECT_FALSE(encode(s.table, s.types, wrong_prim).ok());
  std::vector<Value> wrong_field = {Value::nat({}), Value::record({{1, Value::nat({})}}),
                                    Value::variant(field_hash("x"), Value::null())};
  EXPECT_FALSE(encode(s.table, s.types, wrong_field).ok());
  std::vector<Value> wrong_case = {Value::nat({}),
                                   Value::record({{field_hash("a"), Value::nat({})}}),
                                   Value::variant(field_hash("y"), Value::null())};
  EXPECT_FALSE(encode(s.table, s.types, wrong_case).ok());
  std::vector<Value> right = {Value::nat({}), Value::record({{field_hash("a"), Value::nat({})}}),
                              Value::variant(field_hash("x"), Value::null())};
  EXPECT_TRUE(encode(s.table, s.types, right).ok());
  EXPECT_FALSE(encode(s.table, s.types, std::vector<Value>{}).ok()) << "count mismatch";
}

TEST(CandidBinary, CoercesBySubtyping) {
  Sig wire =
      sig(R"((nat, record { a : nat; b : text; z : bool }, variant { x : nat }, bool, text))");
  auto bytes =
      encode(wire.table, wire.types,
             text_values(wire, R"((5, record { a = 1; b = "x"; z = true }, variant { x = 2 },
                                            true, "t"))"));
  ASSERT_TRUE(bytes.ok());
  // nat <: int; extra fields skipped and a missing opt field is null; more variant cases;
  // bool at opt nat is null (mismatch under opt); text at opt text is opt; missing opt argument.
  Sig expected = sig(R"((int, record { b : text; c : opt nat; d : null; e : reserved },
                        variant { x : int; y : text }, opt nat, opt text, opt bool))");
  auto v = decode(*bytes, expected.table, expected.types);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(*v, text_values(expected, R"((5, record { b = "x" }, variant { x = 2 }, null,
                                          opt "t", null))"));
  EXPECT_EQ(to_text((*v)[0]), "5");
  EXPECT_TRUE((*v)[1].field(field_hash("e"))->is(ValueKind::kReserved));

  Sig missing = sig("(nat, record { q : nat })");
  EXPECT_NE(decode_error(*bytes, missing).find("missing"), std::string::npos);
  Sig narrow_variant = sig("(nat, record {}, variant { y : nat })");
  EXPECT_NE(decode_error(*bytes, narrow_variant).find("not in the expected type"),
            std::string::npos);
}

TEST(CandidBinary, RefusesMalformedTypeTables) {
  Sig none = sig("()");
  // Each message is refused for its type table alone, whatever the expected types.
  const std::pair<const char*, const char*> cases[] = {
      {"016c02017c007e0000", "strictly increasing"},  // record ids unsorted
      {"016c01808080801071"
       "0000",
       "exceeds 32 bits"},                                      // field id 2^32
      {"016e010000", "out of range"},                           // reference past the table
      {"017f0000", "cannot be a type table entry"},             // primitive in the table
      {"0169010161 7d 0000", "function type"},                  // method of type nat
      {"016a000001040000", "unknown function annotation"},      // annotation 4
      {"026a000000690201620001610000", "strictly increasing"},  // methods unsorted: b, a
      {"00015e", "not a primitive type"},                       // argument opcode -34
  };
  for (auto [h, message] : cases) {
    std::string clean;
    for (const char* c = h; *c; ++c) {
      if (*c != ' ') clean.push_back(*c);
    }
    EXPECT_NE(decode_error(didl(clean), none).find(message), std::string::npos) << h;
  }
  DecodeLimits small;
  small.max_table_entries = 2;
  EXPECT_NE(decode_error(didl("036e7f6e7f6e7f00"), none, small).find("exceeds the limit"),
            std::string::npos);
}

TEST(CandidBinary, BoundsZeroSizedValues) {
  // vec null of length 10^9: no bytes per element, so only the cost budget stops it.
  Bytes bomb = didl(
      "016d7f0100"
      "8094ebdc03");
  // The cost budget refuses it deterministically, whatever the machine's speed.
  EXPECT_NE(decode_error(bomb, sig("(vec null)")).find("cost"), std::string::npos);
  EXPECT_NE(decode_error(bomb, sig("()")).find("cost"), std::string::npos);
  EXPECT_NE(decode_error(bomb, sig("(opt nat)")).find("cost"), std::string::npos);

  // Within the budget the same shape decodes.
  Bytes small = didl(
      "016d7f0100"
      "e807");
  auto v = decode(small, sig("(vec null)").table, sig("(vec null)").types);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ((*v)[0].items().size(), 1000u);

  // The budget grows with the input: a long blob is not a bomb.
  Bytes blob_msg = didl(
      "016d7b0100"
      "80897a");  // 2,000,000 bytes follow
  blob_msg.resize(blob_msg.size() + 2000000, 0xab);
  Sig blob = sig("(blob)");
  auto b = decode(blob_msg, blob.table, blob.types);
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ((*b)[0].blob_value().size(), 2000000u);
}

TEST(CandidBinary, BoundsNesting) {
  // record { 0 : t } has no finite value: decoding it recurses without consuming input.
  Bytes empty_record = didl("016c0100000100");
  EXPECT_NE(
      decode_error(empty_record, sig("(EmptyRecord)", "type EmptyRecord = record { EmptyRecord };"))
          .find("nested deeper"),
      std::string::npos);
  // A non-opt value at the infinite type opt opt opt ... never reaches a non-opt type.
  EXPECT_NE(
      decode_error(didl("00017e01"), sig("(Opt)", "type Opt = opt Opt;")).find("nested deeper"),
      std::string::npos);

  // A list of 200 elements is fine; one deeper than the limit is refused.
  Sig list = sig("(List)", "type List = opt record { head : nat8; tail : List };");
  Bytes msg = didl("026e016c02a0d2aca8047b90eddae704000100");
  for (int i = 0; i < 200; ++i) {
    msg.push_back(1);
    msg.push_back(static_cast<uint8_t>(i));
  }
  msg.push_back(0);
  auto v = decode(msg, list.table, list.types);
  ASSERT_TRUE(v.ok()) << v.error().message();
  DecodeLimits shallow;
  shallow.max_depth = 100;
  EXPECT_NE(decode_error(msg, list, shallow).find("nested deeper"), std::string::npos);
}

// A value that fails deep inside an opt is recovered as null; doing that many times must stay
// cheap (error messages do not grow with the depth of the failure).
TEST(CandidBinary, RecoversDeepMismatchesCheaply) {
  constexpr uint32_t kLevels = 400;
  auto chain = [&](Prim leaf) {
    Sig s;
    for (uint32_t i = 0; i < kLevels; ++i) {
      TypeRef next = i + 1 < kLevels ? TypeRef::index(i + 1) : TypeRef::prim(leaf);
      s.table.add_record({Field{0, next}});
    }
    TypeRef opt = s.table.add_opt(TypeRef::index(0));
    s.types = {s.table.add_vec(opt)};
    return s;
  };
  Sig wire = chain(Prim::kNat);
  Sig expected = chain(Prim::kText);
  std::vector<Value> items;
  for (int i = 0; i < 250; ++i) {
    Value v = Value::nat(BigInt::from_u64(i));
    for (uint32_t l = 0; l < kLevels; ++l) {
      std::vector<FieldValue> fields;  // not an initializer list, which would copy v deeply
      fields.push_back(FieldValue{0, std::move(v)});
      v = Value::record(std::move(fields));
    }
    items.push_back(Value::some(std::move(v)));
  }
  auto bytes = encode(wire.table, wire.types, std::vector<Value>{Value::vec(std::move(items))});
  ASSERT_TRUE(bytes.ok()) << bytes.error().message();
  auto v = decode(*bytes, expected.table, expected.types);
  ASSERT_TRUE(v.ok()) << v.error().message();
  ASSERT_EQ((*v)[0].items().size(), 250u);
  EXPECT_FALSE((*v)[0].items()[0].has_value());

  // What keeps each recovery cheap: the error of a mismatch 400 levels deep does not grow with
  // the depth (a message built level by level would cost quadratic time over 250 recoveries).
  Sig wire_one = chain(Prim::kNat);
  Sig expected_one = chain(Prim::kText);
  wire_one.types = {TypeRef::index(0)};
  expected_one.types = {TypeRef::index(0)};
  Value deep = Value::nat(BigInt::from_u64(7));
  for (uint32_t l = 0; l < kLevels; ++l) {
    std::vector<FieldValue> fields;
    fields.push_back(FieldValue{0, std::move(deep)});
    deep = Value::record(std::move(fields));
  }
  auto one = encode(wire_one.table, wire_one.types, std::vector<Value>{std::move(deep)});
  ASSERT_TRUE(one.ok()) << one.error().message();
  auto failed = decode(*one, expected_one.table, expected_one.types);
  ASSERT_FALSE(failed.ok());
  EXPECT_LT(failed.error().message().size(), 400u) << failed.error().message();
}

TEST(CandidBinary, RefusesImplausibleLengthsEarly) {
  // Counts that the rest of the input cannot hold fail before anything is allocated.
  EXPECT_NE(decode_error(didl("8094ebdc0300"), sig("()")).find("exceeds the input left"),
            std::string::npos);
  EXPECT_NE(decode_error(didl("0001718094ebdc03"), sig("(text)")).find("exceeds the input left"),
            std::string::npos);
  EXPECT_NE(
      decode_error(didl("016d7b01008094ebdc03"), sig("(blob)")).find("exceeds the input left"),
      std::string::npos);
}

TEST(CandidSubtype, Relation) {
  Sig a = sig(R"((nat, int, record { a : nat; b : text }, variant { x }, service { m : () -> () },
                 func (int) -> (nat), opt bool, vec nat))");
  Sig b = sig(R"((int, nat, record { a : int; c : opt text }, variant { x; y }, principal,
                 func (nat, opt text) -> (int, opt nat), opt nat, vec int))");
  auto sub = [&](size_t i, size_t j) {
    return is_subtype(a.table, a.types[i], b.table, b.types[j]);
  };
  EXPECT_TRUE(sub(0, 0));   // nat <: int
  EXPECT_FALSE(sub(1, 1));  // int </: nat
  EXPECT_TRUE(sub(2, 2));   // width and depth, missing opt field
  EXPECT_TRUE(sub(3, 3));   // fewer cases
  EXPECT_TRUE(sub(4, 4));   // service <: principal
  EXPECT_TRUE(sub(5, 5));   // contravariant args, covariant results, extra opt result
  EXPECT_TRUE(sub(6, 6));   // anything <: opt
  EXPECT_TRUE(sub(1, 6));   // int <: opt nat, by the special opt rule
  EXPECT_TRUE(sub(7, 7));
  EXPECT_FALSE(is_subtype(b.table, b.types[3], a.table, a.types[3]));  // more cases
  EXPECT_FALSE(is_subtype(b.table, b.types[4], a.table, a.types[4]));  // principal </: service
  EXPECT_TRUE(is_subtype(a.table, TypeRef::prim(Prim::kEmpty), b.table, b.types[2]));
  EXPECT_TRUE(is_subtype(a.table, a.types[2], b.table, TypeRef::prim(Prim::kReserved)));

  // Recursive types compare coinductively.
  Sig l1 = sig("(L)", "type L = record { h : nat; t : vec L };");
  Sig l2 = sig("(M)", "type M = record { h : int; t : vec M };");
  EXPECT_TRUE(is_subtype(l1.table, l1.types[0], l2.table, l2.types[0]));
  Sig v1 = sig("(V)", "type V = vec V;");
  Sig v2 = sig("(W)", "type W = vec vec W;");
  EXPECT_TRUE(is_subtype(v1.table, v1.types[0], v2.table, v2.types[0]));
}

TEST(CandidText, ParsesTypes) {
  Sig s = sig(R"((record { foo : nat; "bar" : text; 7 : bool; int }, variant { a; b : nat },
                 blob, func (x : nat) -> () oneway, service { "m" : (nat) -> (nat) query }))");
  const TypeTable& t = s.table;
  const TypeEntry& rec = t.at(s.types[0]);
  ASSERT_EQ(rec.fields.size(), 4u);
  EXPECT_EQ(rec.fields[0].id, 7u);
  EXPECT_EQ(rec.fields[1].id, 8u);  // the tuple field after 7
  EXPECT_EQ(rec.fields[2].id, field_hash("bar"));
  EXPECT_EQ(rec.fields[3].id, field_hash("foo"));
  EXPECT_EQ(t.at(s.types[1]).fields[0].type, TypeRef::prim(Prim::kNull));
  EXPECT_EQ(t.at(s.types[2]).inner, TypeRef::prim(Prim::kNat8));
  EXPECT_EQ(t.at(s.types[3]).modes, std::vector<FuncMode>{FuncMode::kOneway});
  EXPECT_EQ(t.at(s.types[4]).methods[0].name, "m");

  auto parse_defs = [](std::string_view text) -> Status {
    CHORUS_ASSIGN_OR_RETURN(TextParser p, TextParser::create(text));
    while (p.accept("type")) {
      CHORUS_RETURN_IF_ERROR(p.parse_definition());
      CHORUS_RETURN_IF_ERROR(p.expect(";"));
    }
    return p.resolve_definitions();
  };
  EXPECT_TRUE(parse_defs("type A = B; type B = opt A; /* nested /* comment */ */").ok());
  EXPECT_NE(parse_defs("type A = B; type B = A;").error().message().find("vacuous"),
            std::string::npos);
  EXPECT_NE(parse_defs("type A = C;").error().message().find("unknown type"), std::string::npos);
  EXPECT_FALSE(parse_defs("type A = record { a : nat; a : nat };").ok());
  EXPECT_FALSE(parse_defs("type A = service { m : nat };").ok());
}

TEST(CandidText, TypesValues) {
  Sig s = sig("(nat8, int8, vec nat8, opt opt nat, record { a : nat; b : opt nat }, float32)");
  auto p = TextParser::create(R"((0xff, -128, vec { 1; 2 }, 5, record { a = 1_000 }, 0.5))");
  ASSERT_TRUE(p.ok());
  auto args = p->parse_args();
  ASSERT_TRUE(args.ok()) << args.error().message();
  auto v = args_at_types(*args, s.table, s.types);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ((*v)[0], Value::nat8(255));
  EXPECT_EQ((*v)[1], Value::int8(-128));
  EXPECT_EQ((*v)[2], Value::blob(Bytes{1, 2}));
  EXPECT_EQ((*v)[3], Value::some(Value::some(Value::nat(BigInt::from_u64(5)))));
  EXPECT_EQ(to_text((*v)[4]), "record { 97 = 1000; 98 = null; }");
  EXPECT_EQ((*v)[5], Value::float32(0.5f));

  auto bad = TextParser::create("(256)");
  auto bad_args = bad->parse_args();
  EXPECT_FALSE(args_at_types(*bad_args, s.table, {s.types[0]}).ok()) << "nat8 out of range";
}

// Numbers of up to nine LEB128 bytes take a fast path; both sides of its boundary must agree with
// the arbitrary-precision one.
TEST(CandidBinary, NumbersAroundTheSmallNumberPath) {
  Sig s = sig("(nat, int)");
  for (const char* text : {"(0, 0)", "(9223372036854775807, 9223372036854775807)",
                           "(9223372036854775808, -9223372036854775808)",
                           "(18446744073709551616, -9223372036854775809)", "(1, -1)",
                           "(127, -64)", "(128, -65)", "(340282366920938463463374607431768211456, "
                           "-340282366920938463463374607431768211457)"}) {
    auto values = text_values(s, text);
    auto bytes = encode(s.table, s.types, values);
    ASSERT_TRUE(bytes.ok());
    auto back = decode(*bytes, s);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message();
    EXPECT_EQ(*back, values) << text;
  }
  // Overlong encodings of 9 and 10 bytes: nat 0 and int -1.
  auto overlong = decode(didl("00027d7c" "808080808080808000" "ffffffffffffffffff7f"), s);
  ASSERT_TRUE(overlong.ok()) << overlong.error().message();
  EXPECT_EQ((*overlong)[0], Value::nat(BigInt()));
  EXPECT_EQ((*overlong)[1], Value::integer(BigInt::from_i64(-1)));
  // A number cut short is refused on either path.
  EXPECT_FALSE(decode(didl("00017d8080"), Sig{TypeTable(), {TypeRef::prim(Prim::kNat)}}).ok());
  EXPECT_FALSE(decode(didl("00017c" "ffffffffffffffffffff"), Sig{TypeTable(), {TypeRef::prim(Prim::kInt)}}).ok());
}

}  // namespace
}  // namespace chorus::candid
