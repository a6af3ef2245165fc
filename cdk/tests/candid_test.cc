// The cdk's Candid code (chorus/candid.h) compiled natively and checked against the host Candid
// library (src/encoding), which passes the official suite: values the cdk encodes decode there to
// what the same value in text syntax gives, and messages the host encodes decode in the cdk to the
// expected C++ values; random nested values make the round trip both ways; the subtyping rules
// and the official suite's cases for the types C++ can express; and hostile bytes fail cleanly.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "encoding/candid_binary.h"
#include "encoding/candid_text.h"
#include "test_types.h"

namespace cdk_test {
namespace {

namespace host = chorus::candid;
using ic::Bytes;

chorus::Bytes to_host(const Bytes& b) { return chorus::Bytes(b.begin(), b.end()); }

// A message in text syntax at |types|, encoded by the host library.
Bytes host_encode(const std::string& types, const std::string& text) {
  auto t = host::parse_arg_types(types);
  EXPECT_TRUE(t.ok()) << types << ": " << t.error().message();
  if (!t.ok()) return {};
  auto v = host::parse_args_at(text, t->table, t->types);
  EXPECT_TRUE(v.ok()) << text << ": " << v.error().message();
  if (!v.ok()) return {};
  auto b = host::encode(t->table, t->types, *v);
  EXPECT_TRUE(b.ok());
  return b.ok() ? Bytes(b->begin(), b->end()) : Bytes();
}

// A cdk message decoded by the host at |types| and printed, or the host's error.
std::string host_text(const Bytes& message, const std::string& types) {
  host::FieldNames names;
  auto t = host::parse_arg_types(types, &names);
  if (!t.ok()) return "bad types: " + t.error().message();
  auto v = host::decode(to_host(message), t->table, t->types);
  if (!v.ok()) return "host cannot decode: " + v.error().message();
  return host::print_args(*v, t->table, t->types, &names);
}

// The host's own print of |text| at |types| (what host_text must equal).
std::string canonical(const std::string& types, const std::string& text) {
  return host_text(host_encode(types, text), types);
}

template <class... Ts>
std::optional<std::tuple<Ts...>> cdk_decode(const Bytes& message, std::string* error = nullptr) {
  std::tuple<Ts...> out;
  std::string e;
  if (!ic::candid::decode(message.data(), message.size(), out, &e)) {
    if (error) *error = e;
    return std::nullopt;
  }
  return out;
}

// Both directions for one value: cdk → host gives |text|, host(|text|) → cdk gives |value|.
template <class T>
void both_ways(const T& value, const std::string& types, const std::string& text) {
  SCOPED_TRACE(types + " " + text);
  Bytes ours = ic::candid::encode_args(value);
  EXPECT_EQ(host_text(ours, types), canonical(types, text));
  std::string error;
  auto back = cdk_decode<T>(host_encode(types, text), &error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_TRUE(std::get<0>(*back) == value);
}

TEST(CdkCandid, FieldIdsAreTheSpecsHash) {
  EXPECT_EQ(ic::candid::field_id("name"), host::field_hash("name"));
  EXPECT_EQ(ic::candid::field_id("☃"), host::field_hash("☃"));
  EXPECT_EQ(ic::candid::field_id(""), 0u);
  static_assert(ic::candid::field_id("a") == 97);
}

TEST(CdkCandid, PrincipalTextMatchesTheHost) {
  std::mt19937_64 rng(3);
  for (size_t n = 0; n <= 29; ++n) {
    ic::Principal p;
    for (size_t i = 0; i < n; ++i) p.bytes.push_back(static_cast<uint8_t>(rng()));
    auto host_p = chorus::Principal::from_bytes(chorus::Bytes(p.bytes.begin(), p.bytes.end()));
    ASSERT_TRUE(host_p.ok());
    EXPECT_EQ(p.to_text(), host_p->to_text()) << n;
  }
}

TEST(CdkCandid, PrimitivesBothWays) {
  both_ways(true, "(bool)", "(true)");
  both_ways(false, "(bool)", "(false)");
  both_ways(uint8_t{255}, "(nat8)", "(255)");
  both_ways(uint16_t{65535}, "(nat16)", "(65535)");
  both_ways(uint32_t{4000000000u}, "(nat32)", "(4000000000)");
  both_ways(uint64_t{18446744073709551615ull}, "(nat64)", "(18446744073709551615)");
  both_ways(int8_t{-128}, "(int8)", "(-128)");
  both_ways(int16_t{-32768}, "(int16)", "(-32768)");
  both_ways(int32_t{-2147483647 - 1}, "(int32)", "(-2147483648)");
  both_ways(int64_t{-9223372036854775807ll - 1}, "(int64)", "(-9223372036854775808)");
  both_ways(1.5f, "(float32)", "(1.5)");
  both_ways(-0.1, "(float64)", "(-0.1)");
  both_ways(std::string("héllo ☃"), "(text)", "(\"héllo ☃\")");
  both_ways(std::string(), "(text)", "(\"\")");
  both_ways(Bytes{0, 1, 255}, "(blob)", "(blob \"\\00\\01\\ff\")");
  both_ways(ic::Principal{{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}}, "(principal)",
            "(principal \"rrkah-fqaaa-aaaaa-aaaaq-cai\")");
  both_ways(ic::Principal{}, "(principal)", "(principal \"aaaaa-aa\")");
  both_ways(ic::Null{}, "(null)", "(null)");
}

TEST(CdkCandid, BigNumbersBothWays) {
  ic::u128 max = ~ic::u128{0};
  both_ways(ic::Nat{0}, "(nat)", "(0)");
  both_ways(ic::Nat{max}, "(nat)", "(340282366920938463463374607431768211455)");
  both_ways(ic::Int{static_cast<ic::i128>(max >> 1)}, "(int)",
            "(170141183460469231731687303715884105727)");
  both_ways(ic::Int{-static_cast<ic::i128>(max >> 1) - 1}, "(int)",
            "(-170141183460469231731687303715884105728)");
  both_ways(ic::Int{-1}, "(int)", "(-1)");
  both_ways(ic::Int{63}, "(int)", "(63)");
  both_ways(ic::Int{64}, "(int)", "(64)");
  both_ways(ic::Int{-64}, "(int)", "(-64)");
  both_ways(ic::Int{-65}, "(int)", "(-65)");
  // One past 128 bits is refused, not wrapped.
  std::string error;
  EXPECT_FALSE(cdk_decode<ic::Nat>(host_encode("(nat)", "(340282366920938463463374607431768211456)"), &error));
  EXPECT_NE(error.find("too large"), std::string::npos) << error;
  EXPECT_FALSE(cdk_decode<ic::Int>(host_encode("(int)", "(170141183460469231731687303715884105728)")));
  EXPECT_FALSE(cdk_decode<ic::Int>(host_encode("(int)", "(-170141183460469231731687303715884105729)")));
  // nat <: int.
  auto as_int = cdk_decode<ic::Int>(host_encode("(nat)", "(170141183460469231731687303715884105727)"));
  ASSERT_TRUE(as_int);
  EXPECT_EQ(std::get<0>(*as_int).value, static_cast<ic::i128>(max >> 1));
  EXPECT_FALSE(cdk_decode<ic::Int>(host_encode("(nat)", "(170141183460469231731687303715884105728)")));
}

TEST(CdkCandid, CompositesBothWays) {
  both_ways(Profile{"ada", 36, "a@b"}, "(record { name : text; age : nat32; email : opt text })",
            "(record { name = \"ada\"; age = 36; email = opt \"a@b\" })");
  both_ways(std::optional<uint8_t>{}, "(opt nat8)", "(null)");
  both_ways(std::optional<std::optional<uint8_t>>{std::optional<uint8_t>{}}, "(opt opt nat8)",
            "(opt null)");
  both_ways(std::vector<std::string>{"a", "", "c"}, "(vec text)", "(vec { \"a\"; \"\"; \"c\" })");
  both_ways(std::vector<std::vector<int16_t>>{{}, {-1, 2}}, "(vec vec int16)",
            "(vec { vec {}; vec { -1; 2 } })");
  both_ways(std::map<std::string, uint64_t>{{"x", 1}, {"y", 2}}, "(vec record { text; nat64 })",
            "(vec { record { \"x\"; 1 }; record { \"y\"; 2 } })");
  both_ways(std::tuple<int32_t, std::string, ic::Null>{-5, "t", {}}, "(record { int32; text; null })",
            "(record { -5; \"t\"; null })");
  const char* shape = "(variant { circle : float64; rect : record { float32; float32 }; none })";
  both_ways(Shape{ic::Case<"circle", double>{2.5}}, shape, "(variant { circle = 2.5 })");
  both_ways(Shape{ic::Case<"rect", std::pair<float, float>>{{1, 2}}}, shape,
            "(variant { rect = record { 1; 2 } })");
  both_ways(Shape{ic::Case<"none">{}}, shape, "(variant { none })");
}

struct Tree {
  std::string label;
  std::vector<Tree> children;
  bool operator==(const Tree&) const = default;
};
CHORUS_CANDID_RECORD(Tree, label, children)

TEST(CdkCandid, RecursiveTypesBothWays) {
  Tree t{"a", {Tree{"b", {}}, Tree{"c", {Tree{"d", {}}}}}};
  both_ways(t, "type Tree = record { label : text; children : vec Tree }; (Tree)",
            "(record { label = \"a\"; children = vec { record { label = \"b\"; children = vec {} }; "
            "record { label = \"c\"; children = vec { record { label = \"d\"; children = vec {} } } } } })");
  // One table entry serves every level.
  Bytes m = ic::candid::encode_args(t);
  EXPECT_EQ(m[4], 2);  // the record and its vec
}

TEST(CdkCandid, SeveralArgumentsAndNone) {
  Bytes m = ic::candid::encode_args(uint8_t{1}, std::string("two"), std::optional<bool>{true});
  EXPECT_EQ(host_text(m, "(nat8, text, opt bool)"), canonical("(nat8, text, opt bool)", "(1, \"two\", opt true)"));
  EXPECT_EQ(host_text(ic::candid::encode_args(), "()"), "()");
  EXPECT_TRUE(cdk_decode<>(host_encode("()", "()")));
}

// Deterministic pseudo-random values of every kind, nested.
class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  uint64_t u(uint64_t n) { return n ? rng_() % n : rng_(); }
  std::string text() {
    static const char* kPieces[] = {"a", "Z", " ", "é", "☃", "𝄞", "\"", "\\", "\n", "0"};
    std::string s;
    for (uint64_t i = u(6); i > 0; --i) s += kPieces[u(10)];
    return s;
  }
  Profile profile() {
    Profile p{text(), static_cast<uint32_t>(u(0)), std::nullopt};
    if (u(2)) p.email = text();
    return p;
  }
  Doc doc() {
    Doc d;
    d.flag = u(2);
    d.n8 = static_cast<uint8_t>(u(0));
    d.n16 = static_cast<uint16_t>(u(0));
    d.n32 = static_cast<uint32_t>(u(0));
    d.n64 = u(0) >> u(64);
    d.i8 = static_cast<int8_t>(u(0));
    d.i16 = static_cast<int16_t>(u(0));
    d.i32 = static_cast<int32_t>(u(0));
    d.i64 = static_cast<int64_t>(u(0) >> u(64)) * (u(2) ? 1 : -1);
    d.nat.value = (static_cast<ic::u128>(u(0)) << 64 | u(0)) >> u(128);
    d.integer.value = static_cast<ic::i128>(static_cast<ic::u128>(u(0)) << 64 | u(0)) >> u(128);
    d.f64 = static_cast<double>(static_cast<int64_t>(u(0))) / static_cast<double>(u(1000) + 1);
    d.text = text();
    for (uint64_t i = u(40); i > 0; --i) d.data.push_back(static_cast<uint8_t>(u(0)));
    for (uint64_t i = u(30); i > 0; --i) d.owner.bytes.push_back(static_cast<uint8_t>(u(0)));
    if (u(2)) d.profile = profile();
    for (uint64_t i = u(4); i > 0; --i) d.friends.push_back(profile());
    for (uint64_t i = u(4); i > 0; --i) {
      switch (u(3)) {
        case 0: d.shapes.push_back(ic::Case<"circle", double>{static_cast<double>(u(100)) / 8}); break;
        case 1: d.shapes.push_back(ic::Case<"rect", std::pair<float, float>>{{float(u(9)), -float(u(9))}}); break;
        default: d.shapes.push_back(ic::Case<"none">{}); break;
      }
    }
    for (uint64_t i = u(4); i > 0; --i) d.scores[text()] = u(0);
    d.triple = {static_cast<int32_t>(u(0)), text(), {}};
    switch (u(3)) {
      case 0: break;
      case 1: d.nested = std::optional<uint8_t>{}; break;
      default: d.nested = std::optional<uint8_t>{static_cast<uint8_t>(u(0))}; break;
    }
    return d;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(CdkCandid, RandomValuesRoundTripThroughTheHostBothWays) {
  auto types = host::parse_arg_types(kDocType);
  ASSERT_TRUE(types.ok()) << types.error().message();
  Gen gen(20261204);
  for (int i = 0; i < 300; ++i) {
    Doc doc = gen.doc();
    SCOPED_TRACE(i);
    // cdk → host (at the .did-style types) → host's own encoding → cdk.
    Bytes ours = ic::candid::encode_args(doc);
    auto values = host::decode(to_host(ours), types->table, types->types);
    ASSERT_TRUE(values.ok()) << values.error().message();
    auto theirs = host::encode(types->table, types->types, *values);
    ASSERT_TRUE(theirs.ok());
    std::string error;
    auto back = cdk_decode<Doc>(Bytes(theirs->begin(), theirs->end()), &error);
    ASSERT_TRUE(back.has_value()) << error;
    EXPECT_TRUE(std::get<0>(*back) == doc);
    // And through the host's text: print, parse, encode, decode in the cdk.
    std::string text = host::print_args(*values, types->table, types->types);
    auto reparsed = host::parse_args_at(text, types->table, types->types);
    ASSERT_TRUE(reparsed.ok()) << text << ": " << reparsed.error().message();
    EXPECT_EQ(*reparsed, *values);
    // The host reads the message at its own declared types too.
    EXPECT_TRUE(host::decode_any(to_host(ours)).ok());
  }
}

// --- Subtyping -------------------------------------------------------------------------------------

struct ProfileV2 {  // a newer Profile: one more opt field, one field dropped
  std::string name;
  std::optional<std::string> email;
  std::optional<std::vector<std::string>> tags;
  bool operator==(const ProfileV2&) const = default;
};
CHORUS_CANDID_RECORD(ProfileV2, name, email, tags)

TEST(CdkCandid, ExtraFieldsAreSkippedAndMissingOptFieldsReadAsNone) {
  Bytes m = host_encode("(record { name : text; age : nat32; email : opt text; extra : vec record { int; text } })",
                        "(record { name = \"a\"; age = 1; email = opt \"e\"; extra = vec { record { -1; \"x\" } } })");
  auto v = cdk_decode<ProfileV2>(m);
  ASSERT_TRUE(v);
  EXPECT_EQ(std::get<0>(*v), (ProfileV2{"a", "e", std::nullopt}));
  // A missing field that is not opt fails.
  std::string error;
  EXPECT_FALSE(cdk_decode<Profile>(host_encode("(record { name : text })", "(record { name = \"a\" })"), &error));
  EXPECT_NE(error.find("is missing"), std::string::npos) << error;
}

TEST(CdkCandid, ArgumentsBehaveLikeRecordFields) {
  // Extra arguments are skipped (but must be well-formed); missing nullable ones read as none.
  auto v = cdk_decode<uint8_t>(host_encode("(nat8, text, vec int)", "(7, \"x\", vec { 1 })"));
  ASSERT_TRUE(v);
  EXPECT_EQ(std::get<0>(*v), 7);
  auto w = cdk_decode<uint8_t, std::optional<std::string>, ic::Null, ic::Reserved>(host_encode("(nat8)", "(7)"));
  ASSERT_TRUE(w);
  EXPECT_FALSE(std::get<1>(*w).has_value());
  EXPECT_FALSE((cdk_decode<uint8_t, std::string>(host_encode("(nat8)", "(7)"))));
  Bytes bad = host_encode("(nat8, text)", "(7, \"x\")");
  bad.pop_back();
  EXPECT_FALSE(cdk_decode<uint8_t>(bad));
}

TEST(CdkCandid, OptTakesWhatFitsAndNoneForTheRest) {
  using OptNat8 = std::optional<uint8_t>;
  auto one = [](const std::string& types, const std::string& text) {
    auto v = cdk_decode<OptNat8>(host_encode(types, text));
    EXPECT_TRUE(v) << types;
    return v ? std::get<0>(*v) : OptNat8{99};
  };
  EXPECT_EQ(one("(nat8)", "(5)"), OptNat8{5});           // t <: opt t
  EXPECT_EQ(one("(opt nat8)", "(opt 5)"), OptNat8{5});
  EXPECT_EQ(one("(null)", "(null)"), OptNat8{});
  EXPECT_EQ(one("(reserved)", "(null)"), OptNat8{});
  EXPECT_EQ(one("(text)", "(\"no\")"), OptNat8{});      // does not fit: none
  EXPECT_EQ(one("(opt text)", "(opt \"no\")"), OptNat8{});
  EXPECT_EQ(one("(nat)", "(5)"), OptNat8{});            // nat is not nat8
  // opt opt: an inner opt type is nullable, so a bare value does not lift twice.
  auto v = cdk_decode<std::optional<std::optional<uint8_t>>>(host_encode("(nat8)", "(5)"));
  ASSERT_TRUE(v);
  EXPECT_EQ(std::get<0>(*v), (std::optional<std::optional<uint8_t>>{}));
  // Coercion goes by the value, as in the host library: a case we lack does not fit (under an
  // opt: none), a case we have does, whatever else the message's variant type lists.
  using Small = std::variant<ic::Case<"a", uint8_t>>;
  const char* wide = "(variant { a : nat8; b : text })";
  auto s = cdk_decode<std::optional<Small>>(host_encode(wide, "(variant { b = \"x\" })"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(std::get<0>(*s).has_value());
  EXPECT_EQ(host_text(host_encode(wide, "(variant { b = \"x\" })"), "(opt variant { a : nat8 })"), "(null)");
  EXPECT_FALSE(cdk_decode<Small>(host_encode(wide, "(variant { b = \"x\" })")));
  auto a = cdk_decode<std::optional<Small>>(host_encode(wide, "(variant { a = 1 })"));
  ASSERT_TRUE(a && std::get<0>(*a).has_value());
  EXPECT_EQ(std::get<0>(*std::get<0>(*a)).value, 1);
  EXPECT_EQ(host_text(host_encode(wide, "(variant { a = 1 })"), "(opt variant { a : nat8 })"),
            "(opt variant { a = 1 })");
  // An empty vec fits any vec type; a non-empty one only if its elements do.
  EXPECT_TRUE(cdk_decode<std::vector<uint8_t>>(host_encode("(vec text)", "(vec {})")));
  EXPECT_FALSE(cdk_decode<std::vector<uint8_t>>(host_encode("(vec text)", "(vec { \"x\" })")));
  // Fewer cases on the wire than expected is fine.
  auto f = cdk_decode<Shape>(host_encode("(variant { none })", "(variant { none })"));
  ASSERT_TRUE(f);
  EXPECT_EQ(std::get<0>(*f).index(), 2u);
  // Ill-formed bytes under an opt still fail: the rule is about types, not bad data.
  Bytes m = host_encode("(opt text)", "(opt \"ab\")");
  m.back() = 0xff;
  EXPECT_FALSE(cdk_decode<OptNat8>(m));
}

TEST(CdkCandid, ReservedAcceptsAnythingAndNullOnlyNull) {
  EXPECT_TRUE(cdk_decode<ic::Reserved>(host_encode("(vec record { text; opt nat })", "(vec { record { \"a\"; opt 1 } })")));
  EXPECT_TRUE(cdk_decode<ic::Null>(host_encode("(null)", "(null)")));
  EXPECT_FALSE(cdk_decode<ic::Null>(host_encode("(nat8)", "(1)")));
  EXPECT_FALSE(cdk_decode<bool>(host_encode("(null)", "(null)")));
}

// --- The official suite's cases for types C++ can express -----------------------------------------

// The blob literals of shared/candid-testsuite: "DIDL\01\6e..." with \hh escapes.
Bytes unescape(const std::string& s) {
  Bytes out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size() && std::isxdigit(s[i + 1]) && std::isxdigit(s[i + 2])) {
      out.push_back(static_cast<uint8_t>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(static_cast<uint8_t>(s[i]));
    }
  }
  return out;
}

struct SuiteAssertion {
  Bytes blob;
  bool accepts;
  std::string types;
  std::string description;
};

// The `assert blob "…" [== "…"] (:|!:) (types) "description";` statements of one file.
std::vector<SuiteAssertion> read_suite(const std::string& name) {
  // ctest sets CHORUS_SOURCE_DIR; a direct run of the binary finds the tree from this file.
  const char* env = std::getenv("CHORUS_SOURCE_DIR");
  std::filesystem::path root = env != nullptr ? std::filesystem::path(env)
                                              : std::filesystem::path(__FILE__).parent_path() / ".." / "..";
  std::filesystem::path dir = root / ".." / "shared" / "candid-testsuite";
  std::ifstream file(dir / (name + ".test.did"));
  EXPECT_TRUE(file.good()) << "cannot read " << (dir / (name + ".test.did"));
  std::stringstream all;
  all << file.rdbuf();
  std::string text = all.str();
  std::vector<SuiteAssertion> out;
  size_t pos = 0;
  while ((pos = text.find("assert blob \"", pos)) != std::string::npos) {
    size_t end = pos;
    do {  // the statement ends at a ';' with only blanks after it on its line
      end = text.find(';', end + 1);
    } while (end != std::string::npos &&
             text.find_first_not_of(" \t\r", end + 1) != text.find('\n', end + 1));
    std::string stmt = text.substr(pos, end - pos);
    pos = end;
    size_t b0 = 13, b1 = stmt.find('"', b0);
    SuiteAssertion a;
    a.blob = unescape(stmt.substr(b0, b1 - b0));
    size_t k = stmt.find_first_not_of(" \n", b1 + 1);
    if (stmt.compare(k, 2, "==") == 0 || stmt.compare(k, 2, "!=") == 0) {  // a value in text: skip it
      k = stmt.find('"', k) + 1;
      while (stmt[k] != '"') k += stmt[k] == '\\' ? 2 : 1;
      k = stmt.find_first_not_of(" \n", k + 1);
    }
    a.accepts = stmt[k] == ':';
    k += a.accepts ? 1 : 2;
    size_t d1 = stmt.rfind('"');
    size_t d0 = stmt.rfind('"', d1 - 1);
    a.description = stmt.substr(d0 + 1, d1 - d0 - 1);
    a.types = stmt.substr(k, d0 - k);
    a.types.erase(0, a.types.find_first_not_of(" \n"));
    while (!a.types.empty() && (a.types.back() == ' ' || a.types.back() == '\n')) a.types.pop_back();
    out.push_back(std::move(a));
  }
  return out;
}

using Runner = bool (*)(const Bytes&);
template <class... Ts>
bool runs(const Bytes& b) {
  return cdk_decode<Ts...>(b).has_value();
}

// C++ types for the suite's expected types, by their text in the files.
const std::map<std::string, Runner>& runners() {
  static const std::map<std::string, Runner> m = {
      {"()", runs<>},
      {"(bool)", runs<bool>},
      {"(nat)", runs<ic::Nat>},
      {"(int)", runs<ic::Int>},
      {"(nat8)", runs<uint8_t>},
      {"(nat16)", runs<uint16_t>},
      {"(nat32)", runs<uint32_t>},
      {"(nat64)", runs<uint64_t>},
      {"(int8)", runs<int8_t>},
      {"(int16)", runs<int16_t>},
      {"(int32)", runs<int32_t>},
      {"(int64)", runs<int64_t>},
      {"(float32)", runs<float>},
      {"(float64)", runs<double>},
      {"(text)", runs<std::string>},
      {"(null)", runs<ic::Null>},
      {"(reserved)", runs<ic::Reserved>},
      {"(principal)", runs<ic::Principal>},
      {"(opt int)", runs<std::optional<ic::Int>>},
      {"(opt nat)", runs<std::optional<ic::Nat>>},
      {"(opt bool)", runs<std::optional<bool>>},
      {"(opt opt int)", runs<std::optional<std::optional<ic::Int>>>},
      {"(opt opt bool)", runs<std::optional<std::optional<bool>>>},
      {"(opt text)", runs<std::optional<std::string>>},
      {"(opt null)", runs<std::optional<ic::Null>>},
      {"(opt reserved)", runs<std::optional<ic::Reserved>>},
      {"(vec int)", runs<std::vector<ic::Int>>},
      {"(vec int8)", runs<std::vector<int8_t>>},
      {"(vec nat8)", runs<std::vector<uint8_t>>},
      {"(vec null)", runs<std::vector<ic::Null>>},
      {"(vec opt nat)", runs<std::vector<std::optional<ic::Nat>>>},
      {"(vec bool)", runs<std::vector<bool>>},
      {"(vec nat)", runs<std::vector<ic::Nat>>},
      {"(vec reserved)", runs<std::vector<ic::Reserved>>},
      {"(record {})", runs<std::tuple<>>},
      {"(record {}, record {}, record {})", runs<std::tuple<>, std::tuple<>, std::tuple<>>},
      {"(record {int; bool})", runs<std::tuple<ic::Int, bool>>},
      {"(record {bool; int})", runs<std::tuple<bool, ic::Int>>},
      {"(record {int})", runs<std::tuple<ic::Int>>},
      {"(int, int)", runs<ic::Int, ic::Int>},
      {"(nat, nat)", runs<ic::Nat, ic::Nat>},
      {"(text, nat)", runs<std::string, ic::Nat>},
      {"(bool, opt bool)", runs<bool, std::optional<bool>>},
  };
  return m;
}

// Every assertion whose expected type is in runners() must give the suite's verdict.
TEST(CdkCandid, OfficialSuiteCasesForExpressibleTypes) {
  int ran = 0;
  for (const char* file : {"prim", "construct", "overshoot", "subtypes", "spacebomb", "reference"}) {
    for (const SuiteAssertion& a : read_suite(file)) {
      auto it = runners().find(a.types);
      if (it == runners().end()) continue;
      SCOPED_TRACE(std::string(file) + ": " + a.description + " " + a.types);
      EXPECT_EQ(it->second(a.blob), a.accepts);
      ++ran;
    }
  }
  std::printf("[cdk candid suite] %d assertions at C++ types\n", ran);
  EXPECT_GT(ran, 150);
}

// --- Hostile input -----------------------------------------------------------------------------------

TEST(CdkCandid, EveryTruncationFailsCleanly) {
  Gen gen(7);
  for (int i = 0; i < 20; ++i) {
    Bytes m = ic::candid::encode_args(gen.doc());
    for (size_t n = 0; n < m.size(); ++n) {
      Bytes cut(m.begin(), m.begin() + static_cast<long>(n));
      std::string error;
      EXPECT_FALSE(cdk_decode<Doc>(cut, &error)) << n;
      EXPECT_FALSE(error.empty());
    }
    EXPECT_TRUE(cdk_decode<Doc>(m));
  }
}

TEST(CdkCandid, BombsAndDeepNestingAreRefused) {
  std::string error;
  // A billion nulls cost no bytes but a lot of work: vec null of length 10^9.
  Bytes bomb = unescape("DIDL\\01\\6d\\7f\\01\\00\\80\\94\\eb\\dc\\03");
  EXPECT_FALSE(cdk_decode<std::vector<ic::Null>>(bomb, &error));
  EXPECT_NE(error.find("too costly"), std::string::npos) << error;
  EXPECT_FALSE(cdk_decode<ic::Reserved>(bomb));
  // opt opt opt … 10000 deep, through a recursive table entry.
  Bytes deep = unescape("DIDL\\01\\6e\\00\\01\\00");
  deep.insert(deep.end(), 10000, 1);
  deep.push_back(0);
  EXPECT_FALSE(cdk_decode<ic::Reserved>(deep, &error));
  EXPECT_NE(error.find("nested too deeply"), std::string::npos) << error;
  // A length far beyond the message.
  EXPECT_FALSE(cdk_decode<std::string>(unescape("DIDL\\00\\01\\71\\ff\\ff\\ff\\ff\\0f"), &error));
  EXPECT_FALSE(cdk_decode<Bytes>(unescape("DIDL\\01\\6d\\7b\\01\\00\\ff\\ff\\ff\\ff\\0f"), &error));
  // Invalid UTF-8 and overlong encodings.
  EXPECT_FALSE(cdk_decode<std::string>(unescape("DIDL\\00\\01\\71\\02\\c0\\80"), &error));
  EXPECT_NE(error.find("UTF-8"), std::string::npos);
  EXPECT_FALSE(cdk_decode<std::string>(unescape("DIDL\\00\\01\\71\\03\\ed\\a0\\80")));  // a surrogate
}

TEST(CdkCandid, RandomMutationsNeverCrash) {
  Gen gen(99);
  std::mt19937_64 rng(5);
  int decoded = 0;
  for (int i = 0; i < 2000; ++i) {
    Bytes m = ic::candid::encode_args(gen.doc());
    for (int k = 0; k < 3; ++k) m[rng() % m.size()] = static_cast<uint8_t>(rng());
    decoded += cdk_decode<Doc>(m).has_value();
  }
  std::printf("[cdk candid] %d of 2000 mutated messages still decoded\n", decoded);
}

}  // namespace
}  // namespace cdk_test
