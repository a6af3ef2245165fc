// C++ types of every kind chorus/candid.h maps, shared by the cdk's Candid test and fuzz target,
// with the Candid text of the same types for the host library.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "chorus/candid.h"

namespace cdk_test {

struct Profile {
  std::string name;
  uint32_t age = 0;
  std::optional<std::string> email;
  bool operator==(const Profile&) const = default;
};
CHORUS_CANDID_RECORD(Profile, name, age, email)

using Shape = std::variant<ic::Case<"circle", double>, ic::Case<"rect", std::pair<float, float>>,
                           ic::Case<"none">>;

// A bit of everything, nested.
struct Doc {
  bool flag = false;
  uint8_t n8 = 0;
  uint16_t n16 = 0;
  uint32_t n32 = 0;
  uint64_t n64 = 0;
  int8_t i8 = 0;
  int16_t i16 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;
  ic::Nat nat;
  ic::Int integer;
  double f64 = 0;
  std::string text;
  std::vector<uint8_t> data;
  ic::Principal owner;
  std::optional<Profile> profile;
  std::vector<Profile> friends;
  std::vector<Shape> shapes;
  std::map<std::string, uint64_t> scores;
  std::tuple<int32_t, std::string, ic::Null> triple;
  std::optional<std::optional<uint8_t>> nested;
  bool operator==(const Doc&) const = default;
};
CHORUS_CANDID_RECORD(Doc, flag, n8, n16, n32, n64, i8, i16, i32, i64, nat, integer, f64, text, data,
                     owner, profile, friends, shapes, scores, triple, nested)

inline constexpr const char* kDocType = R"(
  type Profile = record { name : text; age : nat32; email : opt text };
  type Shape = variant { circle : float64; rect : record { float32; float32 }; none };
  type Doc = record {
    flag : bool; n8 : nat8; n16 : nat16; n32 : nat32; n64 : nat64;
    i8 : int8; i16 : int16; i32 : int32; i64 : int64; nat : nat; integer : int; f64 : float64;
    text : text; data : blob; owner : principal; profile : opt Profile; friends : vec Profile;
    shapes : vec Shape; scores : vec record { text; nat64 }; triple : record { int32; text; null };
    nested : opt opt nat8;
  };
  (Doc)
)";

}  // namespace cdk_test
