#include "encoding/principal.h"

#include <gtest/gtest.h>

#include <random>

#include "base/hex.h"

namespace chorus {
namespace {

std::string text_of_hex(std::string_view hex) {
  return Principal::from_bytes(*from_hex(hex))->to_text();
}

std::string parse_error(std::string_view text) {
  auto p = Principal::from_text(text);
  EXPECT_FALSE(p.ok()) << text;
  return p.ok() ? "" : p.error().message();
}

// The id-encoding spec's vectors (ic-spec-checklist §I).
TEST(Principal, SpecVectors) {
  EXPECT_EQ(text_of_hex("000102030405060708"), "xtqug-aqaae-bagba-faydq-q");
  EXPECT_EQ(text_of_hex("00"), "2ibo7-dia");
  EXPECT_EQ(text_of_hex("abcd01"), "em77e-bvlzu-aq");
  EXPECT_EQ(Principal::management_canister().to_text(), "aaaaa-aa");
  EXPECT_EQ(Principal::anonymous().to_text(), "2vxsx-fae");
  EXPECT_EQ(to_hex(Principal::from_text("xtqug-aqaae-bagba-faydq-q")->bytes()), "000102030405060708");
  EXPECT_EQ(Principal::from_text("aaaaa-aa")->kind(), Principal::Class::kManagement);
  EXPECT_EQ(Principal::from_text("2vxsx-fae")->kind(), Principal::Class::kAnonymous);
}

TEST(Principal, MainnetCanisterIds) {
  EXPECT_EQ(Principal::from_canister_index(0).to_text(), "rwlgt-iiaaa-aaaaa-aaaaa-cai");
  EXPECT_EQ(Principal::from_canister_index(1).to_text(), "rrkah-fqaaa-aaaaa-aaaaq-cai");
  EXPECT_EQ(Principal::from_canister_index(2).to_text(), "ryjl3-tyaaa-aaaaa-aaaba-cai");
  EXPECT_EQ(Principal::from_canister_index(4).to_text(), "rkp4c-7iaaa-aaaaa-aaaca-cai");
  auto cycles_ledger = Principal::from_text("um5iw-rqaaa-aaaaq-qaaba-cai");
  ASSERT_TRUE(cycles_ledger.ok());
  EXPECT_EQ(to_hex(cycles_ledger->bytes()), "00000000021000020101");
  EXPECT_EQ(*cycles_ledger->canister_index(), 0x02100002u);
  EXPECT_EQ(cycles_ledger->kind(), Principal::Class::kOpaque);
  EXPECT_EQ(*Principal::from_text("ryjl3-tyaaa-aaaaa-aaaba-cai")->canister_index(), 2u);
}

TEST(Principal, Classes) {
  Bytes der = *from_hex("302a300506032b6570032100" + std::string(64, '1'));
  Principal user = Principal::self_authenticating(der);
  EXPECT_EQ(user.size(), 29u);
  EXPECT_EQ(user.kind(), Principal::Class::kSelfAuthenticating);
  EXPECT_EQ(user.bytes().back(), 0x02);
  Principal derived = Principal::derived(user, as_bytes("nonce"));
  EXPECT_EQ(derived.kind(), Principal::Class::kDerived);
  EXPECT_NE(derived, Principal::derived(user, as_bytes("other")));
  EXPECT_EQ(Principal::from_bytes(*from_hex("017f"))->kind(), Principal::Class::kReserved);
  EXPECT_EQ(Principal::from_bytes(*from_hex("0105"))->kind(), Principal::Class::kUnassigned);
  EXPECT_FALSE(Principal::from_bytes(Bytes(30, 1)).ok());
  EXPECT_TRUE(Principal::from_bytes(Bytes(29, 1)).ok());
}

TEST(Principal, RefusesBadTextAndSaysWhy) {
  EXPECT_NE(parse_error("2ibo7-dib").find("checksum"), std::string::npos);
  EXPECT_NE(parse_error("w3gef-eqbaj").find("pad bits"), std::string::npos);
  EXPECT_NE(parse_error("2ibo7dia").find("groups of five"), std::string::npos);
  EXPECT_NE(parse_error("2ibo-7dia").find("groups of five"), std::string::npos);
  EXPECT_NE(parse_error("aaaaa-a1").find("invalid base32 character"), std::string::npos);
  EXPECT_NE(parse_error("").find("too short"), std::string::npos);
  EXPECT_NE(parse_error(std::string(64, 'a')).find("longer than"), std::string::npos);
  // 30 bytes: a well-formed text for an id that is one byte too long.
  std::string thirty = Principal::from_bytes(Bytes(29, 7))->to_text();
  EXPECT_TRUE(Principal::from_text(thirty).ok());
}

TEST(Principal, CaseInsensitiveParsing) {
  EXPECT_EQ(Principal::from_text("RWLGT-IIAAA-AAAAA-AAAAA-CAI")->to_text(),
            "rwlgt-iiaaa-aaaaa-aaaaa-cai");
}

TEST(Principal, RandomRoundTrip) {
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    Bytes b(rng() % 30);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    Principal p = *Principal::from_bytes(b);
    auto back = Principal::from_text(p.to_text());
    ASSERT_TRUE(back.ok()) << p.to_text();
    EXPECT_EQ(*back, p);
    EXPECT_LE(p.to_text().size(), 63u);
  }
}

TEST(Principal, OrderIsBytewise) {
  auto a = *Principal::from_bytes(*from_hex("00"));
  auto b = *Principal::from_bytes(*from_hex("0000"));
  auto c = *Principal::from_bytes(*from_hex("01"));
  EXPECT_LT(Principal::management_canister(), a);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

}  // namespace
}  // namespace chorus
