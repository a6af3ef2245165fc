// cdk/tests/probe: the cdk's less common paths in a real canister (several results, early
// replies, renamed and composite query methods, printf and abort through the libc shims, raw
// stable memory, maps, variants and nat arguments).
#include "did_canister.h"

namespace chorus::cdk {
namespace {

class Probe : public DidCanister {
 protected:
  Probe() : DidCanister(CHORUS_PROBE_WASM, CHORUS_PROBE_DID) {}
};

TEST_F(Probe, ImportsOnlyTheSystemApi) { check_imports_only_ic0(); }
TEST_F(Probe, ExportsEveryMethodOfItsDidFile) { check_exports_match_did(false); }
TEST_F(Probe, CarriesItsDidFile) { check_candid_service_section(); }

TEST_F(Probe, SeveralResultsEarlyRepliesAndRenamedMethods) {
  Principal c = install("()");
  EXPECT_EQ(query(c, "pair_of", "(21)"), "(42, \"21\")");
  EXPECT_EQ(update(c, "early", "()"), "(7)");
  EXPECT_EQ(query(c, "hello-world", "()"), "(\"renamed\")");
}

TEST_F(Probe, CompositeQueryMethod) {
  Principal c = install("()");
  update(c, "apply", "(\"a\", vec { variant { add = 1 } }, 1)");
  EXPECT_EQ(query(c, "count", "()"), "(1)");
}

TEST_F(Probe, MapsVariantsAndNats) {
  Principal c = install("()");
  EXPECT_EQ(update(c, "apply", "(\"b\", vec { variant { add = 2 }; variant { add = 3 } }, 10)"),
            "(vec { record { \"b\"; 50 } })");
  EXPECT_EQ(update(c, "apply", "(\"a\", vec { variant { add = 1 } }, 1)"),
            "(vec { record { \"a\"; 1 }; record { \"b\"; 50 } })");
  EXPECT_EQ(update(c, "apply", "(\"b\", vec { variant { clear } }, 0)"), "(vec { record { \"a\"; 1 } })");
  // A scale beyond 64 bits decodes (nat is 128-bit here) and the method's own check traps.
  CallOutcome o = sm_.execute_ingress(kUser, c, "apply",
                                      args("apply", "(\"a\", vec { variant { add = 2 } }, 18446744073709551616)"));
  ASSERT_FALSE(o.replied);
  EXPECT_NE(o.reject_message.find("apply: overflow"), std::string::npos) << o.reject_message;
  // One beyond 128 bits is refused by the decoder.
  o = sm_.execute_ingress(kUser, c, "apply",
                          args("apply", "(\"a\", vec {}, 340282366920938463463374607431768211456)"));
  ASSERT_FALSE(o.replied);
  EXPECT_NE(o.reject_message.find("argument 2: number too large"), std::string::npos) << o.reject_message;
}

TEST_F(Probe, PrintfReachesTheDebugLog) {
  Principal c = install("()");
  EXPECT_EQ(update(c, "log_line", "(\"hi\")"), "(8)");  // "log: hi\n"
}

TEST_F(Probe, LibcxxAbortTrapsWithItsMessage) {
  Principal c = install("()");
  EXPECT_EQ(query(c, "char_at", "(\"abc\", 1)"), "(98)");
  CallOutcome o = sm_.query(kUser, c, "char_at", args("char_at", "(\"abc\", 5)"));
  ASSERT_FALSE(o.replied);
  EXPECT_NE(o.reject_message.find("abort() called (libc++ aborts where it would throw"),
            std::string::npos)
      << o.reject_message;
}

TEST_F(Probe, RawStableMemoryGrowsAndReadsBack) {
  Principal c = install("()");
  // Across a page boundary, into pages that do not exist yet.
  EXPECT_EQ(update(c, "stable_put", "(65534, blob \"\\01\\02\\03\\04\")"), "()");
  EXPECT_EQ(query(c, "stable_get", "(65534, 4)"), "(blob \"\\01\\02\\03\\04\")");
  EXPECT_EQ(query(c, "stable_get", "(0, 2)"), "(blob \"\\00\\00\")");
  // Past the end (two pages now): a trap, not garbage.
  CallOutcome o = sm_.query(kUser, c, "stable_get", args("stable_get", "(131070, 4)"));
  ASSERT_FALSE(o.replied);
  EXPECT_NE(o.reject_message.find("StableReader: read past the end"), std::string::npos) << o.reject_message;
}

}  // namespace
}  // namespace chorus::cdk
