#include "encoding/candid_struct.h"

#include <gtest/gtest.h>

#include "base/hex.h"

namespace chorus::candid {
namespace {

// What the management canister receives for most of its methods.
struct CanisterIdRecord {
  Principal canister_id;

  static constexpr char kCandidType[] = "record { canister_id : principal }";
  static Result<CanisterIdRecord> from_candid(const RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(Principal id, r.get<Principal>("canister_id"));
    return CanisterIdRecord{id};
  }
  void to_candid(RecordBuilder& b) const { b.add("canister_id", canister_id); }
};

struct Settings {
  std::optional<std::vector<Principal>> controllers;
  std::optional<BigInt> compute_allocation;

  static Result<Settings> from_candid(const RecordReader& r) {
    Settings s;
    CHORUS_ASSIGN_OR_RETURN(s.controllers, r.get<std::optional<std::vector<Principal>>>("controllers"));
    CHORUS_ASSIGN_OR_RETURN(s.compute_allocation, r.get<std::optional<BigInt>>("compute_allocation"));
    return s;
  }
  void to_candid(RecordBuilder& b) const {
    b.add("controllers", controllers).add("compute_allocation", compute_allocation);
  }
};

struct UpdateSettings {
  Principal canister_id;
  Settings settings;
  std::optional<uint64_t> sender_canister_version;
  std::string memo;
  Bytes blob;

  static constexpr char kCandidType[] =
      "record { canister_id : principal; settings : record { controllers : opt vec principal; "
      "compute_allocation : opt nat }; sender_canister_version : opt nat64; memo : text; "
      "blob : blob }";
  static Result<UpdateSettings> from_candid(const RecordReader& r) {
    UpdateSettings u;
    CHORUS_ASSIGN_OR_RETURN(u.canister_id, r.get<Principal>("canister_id"));
    CHORUS_ASSIGN_OR_RETURN(u.settings, r.get<Settings>("settings"));
    CHORUS_ASSIGN_OR_RETURN(u.sender_canister_version,
                            r.get<std::optional<uint64_t>>("sender_canister_version"));
    CHORUS_ASSIGN_OR_RETURN(u.memo, r.get<std::string>("memo"));
    CHORUS_ASSIGN_OR_RETURN(u.blob, r.get<Bytes>("blob"));
    return u;
  }
  void to_candid(RecordBuilder& b) const {
    b.add("canister_id", canister_id)
        .add("settings", settings)
        .add("sender_canister_version", sender_canister_version)
        .add("memo", memo)
        .add("blob", blob);
  }
};

TEST(CandidStruct, CanisterIdRecordRoundTrips) {
  CanisterIdRecord r{Principal::from_canister_index(7)};
  auto bytes = encode_arg(r);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message();
  // The bytes any Candid implementation writes for this record.
  EXPECT_EQ(to_hex(*bytes), "4449444c016c01b3c4b1f204680100010a00000000000000070101");
  auto back = decode_arg<CanisterIdRecord>(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->canister_id, r.canister_id);
}

TEST(CandidStruct, DecodesBySubtyping) {
  // A caller may send more fields than the struct knows: they are skipped.
  auto types = parse_arg_types("(record { canister_id : principal; extra : text })");
  ASSERT_TRUE(types.ok());
  auto values = parse_args_at(R"((record { canister_id = principal "aaaaa-aa"; extra = "x" }))",
                              types->table, types->types);
  ASSERT_TRUE(values.ok());
  auto bytes = encode(types->table, types->types, *values);
  auto r = decode_arg<CanisterIdRecord>(*bytes);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->canister_id.to_text(), "aaaaa-aa");
  // A message without the field is refused with a reason.
  auto wrong = parse_arg_types("(record { other : principal })");
  auto wrong_values = parse_args_at(R"((record { other = principal "aaaaa-aa" }))", wrong->table,
                                    wrong->types);
  auto missing = decode_arg<CanisterIdRecord>(*encode(wrong->table, wrong->types, *wrong_values));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("missing"), std::string::npos);
}

TEST(CandidStruct, NestedOptionalAndVectorFields) {
  UpdateSettings u;
  u.canister_id = Principal::from_canister_index(1);
  u.settings.controllers = std::vector<Principal>{Principal::from_canister_index(2)};
  u.sender_canister_version = 9;
  u.memo = "hi";
  u.blob = Bytes{1, 2, 3};
  auto bytes = encode_arg(u);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message();
  auto back = decode_arg<UpdateSettings>(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->canister_id, u.canister_id);
  ASSERT_TRUE(back->settings.controllers.has_value());
  EXPECT_EQ(*back->settings.controllers, *u.settings.controllers);
  EXPECT_FALSE(back->settings.compute_allocation.has_value());
  EXPECT_EQ(back->sender_canister_version, std::optional<uint64_t>(9));
  EXPECT_EQ(back->memo, "hi");
  EXPECT_EQ(back->blob, (Bytes{1, 2, 3}));

  // The builder's value is checked against the type when encoding.
  auto values = decode(*bytes, candid_type_of<UpdateSettings>());
  ASSERT_TRUE(values.ok());
  auto reader = RecordReader::of((*values)[0]);
  ASSERT_TRUE(reader.ok());
  auto wrong = reader->get<uint64_t>("memo");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("field 'memo'"), std::string::npos);
  EXPECT_FALSE(RecordReader::of(Value::nat8(1)).ok());
}

}  // namespace
}  // namespace chorus::candid
