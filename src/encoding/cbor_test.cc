#include "encoding/cbor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/hex.h"

namespace chorus::cbor {
namespace {

Value decode_hex(std::string_view hex) {
  auto v = decode(*from_hex(hex));
  EXPECT_TRUE(v.ok()) << hex << ": " << (v.ok() ? "" : v.error().message());
  return v.ok() ? *v : Value();
}

std::string decode_error(std::string_view hex, const DecodeLimits& limits = {}) {
  auto v = decode(*from_hex(hex), limits);
  EXPECT_FALSE(v.ok()) << hex << " decoded as " << (v.ok() ? diagnostic(*v) : "");
  return v.ok() ? "" : v.error().message();
}

// RFC 8949 Appendix A examples: decode, print, and re-encode to the same bytes where the example
// is already in deterministic form.
TEST(Cbor, Rfc8949Examples) {
  const std::pair<const char*, const char*> examples[] = {
      {"00", "0"},
      {"17", "23"},
      {"1818", "24"},
      {"1903e8", "1000"},
      {"1bffffffffffffffff", "18446744073709551615"},
      {"20", "-1"},
      {"3903e7", "-1000"},
      {"3bffffffffffffffff", "-18446744073709551616"},
      {"c249010000000000000000", "2(h'010000000000000000')"},
      {"f90000", "0.0"},
      {"f93c00", "1.0"},
      {"f93e00", "1.5"},
      {"fa47c35000", "100000.0"},
      {"fb3ff199999999999a", "1.1000000000000001"},
      {"f90001", "5.9604644775390625e-08"},
      {"f97c00", "Infinity"},
      {"f97e00", "NaN"},
      {"f4", "false"},
      {"f5", "true"},
      {"f6", "null"},
      {"f7", "undefined"},
      {"40", "h''"},
      {"4401020304", "h'01020304'"},
      {"60", "\"\""},
      {"6449455446", "\"IETF\""},
      {"62225c", "\"\\\"\\\\\""},
      {"80", "[]"},
      {"83010203", "[1, 2, 3]"},
      {"8301820203820405", "[1, [2, 3], [4, 5]]"},
      {"a0", "{}"},
      {"a201020304", "{1: 2, 3: 4}"},
      {"a26161016162820203", "{\"a\": 1, \"b\": [2, 3]}"},
      {"d9d9f7a0", "55799({})"},
      {"cc00", "12(0)"},  // a one-byte tag head libcbor itself does not read
      {"d818d4f6", "24(20(null))"},
  };
  for (auto [hex, diag] : examples) {
    Value v = decode_hex(hex);
    EXPECT_EQ(diagnostic(v), diag) << hex;
    EXPECT_EQ(to_hex(encode(v)), hex) << diag;
  }
}

TEST(Cbor, IndefiniteLengthDecodesToDefinite) {
  EXPECT_EQ(diagnostic(decode_hex("5f42010243030405ff")), "h'0102030405'");
  EXPECT_EQ(diagnostic(decode_hex("7f657374726561646d696e67ff")), "\"streaming\"");
  EXPECT_EQ(diagnostic(decode_hex("9f018202039f0405ffff")), "[1, [2, 3], [4, 5]]");
  EXPECT_EQ(diagnostic(decode_hex("bf61610161629f0203ffff")), "{\"a\": 1, \"b\": [2, 3]}");
  EXPECT_EQ(to_hex(encode(decode_hex("9f0102ff"))), "820102");
}

TEST(Cbor, DeterministicEncoding) {
  // Map keys sorted by their encoded bytes: shorter first, then bytewise.
  Value m = Value::map({{Value::text("sender"), Value::uint(1)},
                        {Value::text("arg"), Value::uint(2)},
                        {Value::uint(10), Value::uint(3)},
                        {Value::integer(-1), Value::uint(4)}});
  EXPECT_EQ(diagnostic(*decode(encode(m))), "{10: 3, -1: 4, \"arg\": 2, \"sender\": 1}");
  // Shortest integer heads and float forms.
  EXPECT_EQ(to_hex(encode(Value::uint(24))), "1818");
  EXPECT_EQ(to_hex(encode(Value::uint(65536))), "1a00010000");
  EXPECT_EQ(to_hex(encode(Value::integer(-25))), "3818");
  EXPECT_EQ(to_hex(encode(Value::floating(1.5))), "f93e00");
  EXPECT_EQ(to_hex(encode(Value::floating(100000.0))), "fa47c35000");
  EXPECT_EQ(to_hex(encode(Value::floating(1.1))), "fb3ff199999999999a");
  EXPECT_EQ(to_hex(encode(Value::floating(-0.0))), "f98000");
  EXPECT_EQ(to_hex(encode(Value::floating(std::nan("")))), "f97e00");
  EXPECT_EQ(to_hex(encode(Value::floating(5.960464477539063e-08))), "f90001");
  EXPECT_EQ(to_hex(encode_self_described(Value::uint(1))), "d9d9f701");
}

TEST(Cbor, SelfDescribeAndAccessors) {
  Value v = decode_hex("d9d9f7a269736f6d657468696e671a000f4240656279746573420102");
  const Value& m = v.without_self_describe();
  ASSERT_TRUE(m.is(Type::kMap));
  EXPECT_EQ(to_hex(*m.find("bytes")->as_bytes("bytes")), "0102");
  EXPECT_EQ(m.find("missing"), nullptr);
  auto wrong = m.find("bytes")->as_text("bytes");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message(), "expected text for 'bytes', found bytes");
  EXPECT_EQ(decode_hex("c249010000000000000000").as_nat("n")->to_decimal(), "18446744073709551616");
  EXPECT_EQ(decode_hex("1a000f4240").as_nat("n")->to_decimal(), "1000000");
}

TEST(Cbor, RefusesMalformedInput) {
  EXPECT_NE(decode_error("").find("empty"), std::string::npos);
  EXPECT_NE(decode_error("19").find("truncated"), std::string::npos);
  EXPECT_NE(decode_error("830102").find("ends inside"), std::string::npos);
  EXPECT_NE(decode_error("0000").find("trailing bytes"), std::string::npos);
  EXPECT_NE(decode_error("1c").find("malformed"), std::string::npos);  // reserved additional info
  EXPECT_NE(decode_error("ff").find("unexpected break"), std::string::npos);
  EXPECT_NE(decode_error("a2616101616102").find("duplicate key"), std::string::npos);
  EXPECT_NE(decode_error("62c328").find("UTF-8"), std::string::npos);
  EXPECT_NE(decode_error("5f6161ff").find("another type"), std::string::npos);
  EXPECT_NE(decode_error("5f01ff").find("indefinite-length string contains"), std::string::npos);
  EXPECT_NE(decode_error("bf6161ff").find("key without a value"), std::string::npos);
  // An array that claims 2^32 items in a few bytes is refused before anything is allocated.
  EXPECT_NE(decode_error("9b0000000100000000").find("declares"), std::string::npos);
  EXPECT_NE(decode_error("5b00000001000000000102").find("truncated"), std::string::npos);
}

TEST(Cbor, EnforcesLimits) {
  DecodeLimits limits;
  limits.max_depth = 4;
  decode_hex("818181818100");  // depth 5 with the default limit
  EXPECT_NE(decode_error("818181818100", limits).find("nesting deeper than 4"), std::string::npos);
  limits = {};
  limits.max_items = 3;
  EXPECT_NE(decode_error("83010203", limits).find("more than 3 data items"), std::string::npos);
  limits = {};
  limits.max_bytes = 2;
  EXPECT_NE(decode_error("1903e8", limits).find("exceeds the limit"), std::string::npos);
  // A deep nest of arrays under the default limit costs no native stack.
  Bytes deep(100000, 0x81);
  deep.push_back(0x00);
  EXPECT_FALSE(decode(deep).ok());
}

}  // namespace
}  // namespace chorus::cbor
