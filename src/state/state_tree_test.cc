#include "state/state_tree.h"

#include <gtest/gtest.h>

#include <random>

#include "base/hex.h"
#include "state/state_tree_test_util.h"

namespace chorus::state {
namespace {

using testing::add_canister;
using testing::install;
using testing::status;
using testing::wasm_with_sections;

Bytes b(std::string_view s) { return to_bytes(s); }
Bytes b(const Principal& p) { return Bytes(p.bytes().begin(), p.bytes().end()); }

const Principal kUser = Principal::self_authenticating(as_bytes("user key"));
const Principal kOther = Principal::self_authenticating(as_bytes("other key"));

struct Found {
  LookupResult::Kind kind;
  Bytes value;
};
Found look(const HashTree& t, const Path& p) {
  LookupResult r = lookup_path(t, p);
  return Found{r.kind, Bytes(r.value.begin(), r.value.end())};
}

SubnetTopology topo() {
  Bytes key(133, 0x5a);  // the tree does not look inside the key
  return testing::topology(key);
}

TEST(StateTree, TimeIsLeb128) {
  ReplicatedState st;
  st.metadata.time_nanos = 1'000'000'000;
  HashTree t = build_state_tree(st, topo());
  Found f = look(t, {b("time")});
  ASSERT_EQ(f.kind, LookupResult::Kind::kFound);
  EXPECT_EQ(to_hex(f.value), "8094ebdc03");
  EXPECT_TRUE(t.check_well_formed().ok());
}

TEST(StateTree, RequestStatusPerKind) {
  ReplicatedState st;
  Principal c = Principal::from_canister_index(3);
  Bytes rid[5];
  for (int k = 0; k < 5; ++k) {
    rid[k] = Bytes(32, static_cast<uint8_t>(0x10 * (k + 1)));
    st.ingress_history[rid[k]] = status(static_cast<IngressStatus::Kind>(k), c, kUser);
  }
  HashTree t = build_state_tree(st, topo());
  ASSERT_TRUE(t.check_well_formed().ok());
  auto at = [&](int k, std::string_view field) { return look(t, {b("request_status"), rid[k], b(field)}); };
  const char* names[] = {"received", "processing", "replied", "rejected", "done"};
  for (int k = 0; k < 5; ++k) {
    Found s = at(k, "status");
    ASSERT_EQ(s.kind, LookupResult::Kind::kFound) << k;
    EXPECT_EQ(as_chars(s.value), names[k]);
  }
  EXPECT_EQ(at(2, "reply").value, (Bytes{0x44, 0x49, 0x44, 0x4c}));
  EXPECT_EQ(to_hex(at(3, "reject_code").value), "05");
  EXPECT_EQ(as_chars(at(3, "reject_message").value), "canister trapped");
  EXPECT_EQ(as_chars(at(3, "error_code").value), "IC0503");
  // Each kind has only its own fields; done has only its status.
  EXPECT_EQ(at(2, "reject_code").kind, LookupResult::Kind::kAbsent);
  EXPECT_EQ(at(3, "reply").kind, LookupResult::Kind::kAbsent);
  for (const char* f : {"reply", "reject_code", "reject_message", "error_code"}) {
    EXPECT_EQ(at(0, f).kind, LookupResult::Kind::kAbsent) << f;
    EXPECT_EQ(at(1, f).kind, LookupResult::Kind::kAbsent) << f;
    EXPECT_EQ(at(4, f).kind, LookupResult::Kind::kAbsent) << f;
  }
  // A rejection without an error code has no error_code path.
  st.ingress_history[rid[3]].error_code.clear();
  EXPECT_EQ(look(build_state_tree(st, topo()), {b("request_status"), rid[3], b("error_code")}).kind,
            LookupResult::Kind::kAbsent);
}

TEST(StateTree, WitnessesProveAbsenceAndHideTheRest) {
  ReplicatedState st;
  st.metadata.time_nanos = 7;
  for (int i = 0; i < 50; ++i) {
    st.ingress_history[Bytes(32, static_cast<uint8_t>(2 * i))] =
        status(IngressStatus::kReplied, Principal::from_canister_index(1), kUser);
  }
  add_canister(st, 1, {kUser}).certified_data = b("data");
  HashTree t = build_state_tree(st, topo());
  Bytes missing(32, 0x31);  // odd: between two present ids
  Path paths[] = {{b("request_status"), missing}, {b("time")}};
  HashTree w = prune(t, paths);
  EXPECT_EQ(w.digest(), t.digest());
  EXPECT_TRUE(w.check_well_formed().ok());
  EXPECT_EQ(look(w, {b("request_status"), missing, b("status")}).kind, LookupResult::Kind::kAbsent);
  EXPECT_EQ(look(w, {b("time")}).kind, LookupResult::Kind::kFound);
  EXPECT_EQ(look(w, {b("request_status"), Bytes(32, 0), b("status")}).kind,
            LookupResult::Kind::kUnknown);
  EXPECT_EQ(look(w, {b("canister"), b(Principal::from_canister_index(1)), b("certified_data")}).kind,
            LookupResult::Kind::kUnknown);
  // The witness is much smaller than the tree.
  EXPECT_LT(w.encode().size() * 4, t.encode().size());
}

TEST(StateTree, CanisterPaths) {
  ReplicatedState st;
  Principal c1 = Principal::from_canister_index(1), c5 = Principal::from_canister_index(5);
  CanisterState& empty = add_canister(st, 7, {c5, c1});  // stored out of order
  (void)empty;
  CanisterState& full = add_canister(st, 8, {kUser});
  full.certified_data = Bytes(32, 0xcd);
  Bytes wasm = wasm_with_sections({{"name", "x"},
                                   {"icp:public candid:service", "service : {}"},
                                   {"icp:private secret", "s3cr3t"}});
  install(full, wasm);
  HashTree t = build_state_tree(st, topo());
  ASSERT_TRUE(t.check_well_formed().ok());
  Bytes id7 = b(Principal::from_canister_index(7)), id8 = b(Principal::from_canister_index(8));
  // Controllers: 55799([bytes, …]) in byte order, whatever the settings' order.
  Found ctl = look(t, {b("canister"), id7, b("controllers")});
  ASSERT_EQ(ctl.kind, LookupResult::Kind::kFound);
  EXPECT_EQ(to_hex(ctl.value),
            "d9d9f7824a000000000000000101014a00000000000000050101");
  // An empty canister: certified data (empty), no module hash, no metadata.
  Found cd = look(t, {b("canister"), id7, b("certified_data")});
  EXPECT_EQ(cd.kind, LookupResult::Kind::kFound);
  EXPECT_TRUE(cd.value.empty());
  EXPECT_EQ(look(t, {b("canister"), id7, b("module_hash")}).kind, LookupResult::Kind::kAbsent);
  EXPECT_EQ(look(t, {b("canister"), id7, b("metadata"), b("candid:service")}).kind,
            LookupResult::Kind::kAbsent);
  // A canister with code.
  EXPECT_EQ(look(t, {b("canister"), id8, b("certified_data")}).value, Bytes(32, 0xcd));
  Sha256Digest h = sha256(wasm);
  EXPECT_EQ(look(t, {b("canister"), id8, b("module_hash")}).value, Bytes(h.begin(), h.end()));
  EXPECT_EQ(as_chars(look(t, {b("canister"), id8, b("metadata"), b("candid:service")}).value),
            "service : {}");
  EXPECT_EQ(as_chars(look(t, {b("canister"), id8, b("metadata"), b("secret")}).value), "s3cr3t");
  EXPECT_EQ(look(t, {b("canister"), id8, b("metadata"), b("name")}).kind, LookupResult::Kind::kAbsent);
  EXPECT_EQ(look(t, {b("canister"), b(Principal::from_canister_index(9)), b("controllers")}).kind,
            LookupResult::Kind::kAbsent);
}

TEST(StateTree, ModuleMetadataParsing) {
  auto m = parse_module_metadata(wasm_with_sections(
      {{"icp:public a", "1"}, {"icp:private b", "2"}, {"icp:other", "3"}, {"other", "4"}}));
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->sections.size(), 2u);
  EXPECT_TRUE(m->sections.at("a").is_public);
  EXPECT_FALSE(m->sections.at("b").is_public);
  EXPECT_EQ(as_chars(m->sections.at("b").content), "2");
  EXPECT_FALSE(parse_module_metadata(as_bytes("not wasm")).ok());
  Bytes truncated = wasm_with_sections({{"icp:public a", "123"}});
  truncated.pop_back();
  EXPECT_FALSE(parse_module_metadata(truncated).ok());
  EXPECT_FALSE(parse_module_metadata(wasm_with_sections({{"icp:public a", "1"}, {"icp:private a", "2"}})).ok());
}

TEST(StateTree, SubnetPaths) {
  ReplicatedState st;
  SubnetTopology t = topo();
  HashTree tree = build_state_tree(st, t);
  ASSERT_TRUE(tree.check_well_formed().ok());
  Bytes sid = b(t.subnet_id);
  EXPECT_EQ(look(tree, {b("subnet"), sid, b("public_key")}).value, t.public_key_der);
  EXPECT_EQ(as_chars(look(tree, {b("subnet"), sid, b("type")}).value), "application");
  const std::string ranges = "d9d9f781824a000000000000000001014a00000000000fffff0101";
  EXPECT_EQ(to_hex(look(tree, {b("subnet"), sid, b("canister_ranges")}).value), ranges);
  // The sharded form: one shard, labeled with the first range's start.
  EXPECT_EQ(to_hex(look(tree, {b("canister_ranges"), sid, b(Principal::from_canister_index(0))}).value),
            ranges);
  EXPECT_EQ(look(tree, {b("subnet"), sid, b("node"), b(t.node_public_keys[0].first), b("public_key")}).value,
            t.node_public_keys[0].second);
  auto decoded = decode_canister_ranges(look(tree, {b("subnet"), sid, b("canister_ranges")}).value);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, t.canister_ranges);
  // No API boundary nodes on this subnet.
  EXPECT_EQ(look(tree, {b("api_boundary_nodes"), b("x"), b("domain")}).kind, LookupResult::Kind::kAbsent);
  EXPECT_EQ(look(tree, {b("subnet"), b("other"), b("public_key")}).kind, LookupResult::Kind::kAbsent);
}

// The incremental builder against the full rebuild after every step of a random history.
TEST(StateTree, IncrementalEqualsFullOverARandomHistory) {
  std::mt19937_64 rng(7);
  ReplicatedState st;
  SubnetTopology t = topo();
  StateTreeBuilder builder(t);
  std::vector<Bytes> ids;
  Bytes wasm_a = wasm_with_sections({{"icp:public candid:service", "service : {}"}});
  Bytes wasm_b = wasm_with_sections({{"icp:private x", "y"}, {"icp:public z", "w"}});
  Bytes wasm_c = wasm_with_sections({});
  for (int i = 0; i < 10; ++i) add_canister(st, i, {kUser});
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  for (int step = 0; step < 400; ++step) {
    std::vector<Bytes> changed;
    int ops = 1 + static_cast<int>(pick(8));
    for (int o = 0; o < ops; ++o) {
      switch (pick(10)) {
        case 0: case 1: case 2: {  // a new call
          Bytes id(32);
          for (auto& x : id) x = static_cast<uint8_t>(rng());
          st.ingress_history[id] = status(IngressStatus::kReceived, Principal::from_canister_index(1), kUser);
          ids.push_back(id);
          changed.push_back(id);
          break;
        }
        case 3: case 4: {  // a status change
          if (ids.empty()) break;
          const Bytes& id = ids[pick(ids.size())];
          auto it = st.ingress_history.find(id);
          if (it == st.ingress_history.end()) break;
          it->second = status(static_cast<IngressStatus::Kind>(pick(5)), it->second.receiver, kOther);
          changed.push_back(id);
          break;
        }
        case 5: {  // pruned
          if (ids.empty()) break;
          size_t k = pick(ids.size());
          st.ingress_history.erase(ids[k]);
          changed.push_back(ids[k]);
          ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(k));
          break;
        }
        case 6: {  // certified data
          auto it = std::next(st.canisters.begin(), static_cast<std::ptrdiff_t>(pick(st.canisters.size())));
          it->second.certified_data = Bytes(pick(33), static_cast<uint8_t>(step));
          break;
        }
        case 7: {  // controllers
          auto it = std::next(st.canisters.begin(), static_cast<std::ptrdiff_t>(pick(st.canisters.size())));
          if (pick(2)) it->second.settings.controllers.push_back(Principal::from_canister_index(pick(100)));
          else it->second.settings.controllers.clear();
          break;
        }
        case 8: {  // install, reinstall or uninstall
          auto it = std::next(st.canisters.begin(), static_cast<std::ptrdiff_t>(pick(st.canisters.size())));
          size_t w = pick(4);
          if (w == 3) it->second.execution.reset();
          else install(it->second, w == 0 ? wasm_a : w == 1 ? wasm_b : wasm_c);
          break;
        }
        case 9: {  // a canister created or deleted
          if (pick(2) && st.canisters.size() > 1) {
            st.canisters.erase(std::next(st.canisters.begin(), static_cast<std::ptrdiff_t>(pick(st.canisters.size()))));
          } else {
            add_canister(st, 10 + pick(50), {kOther});
          }
          break;
        }
      }
    }
    st.metadata.time_nanos += 1 + pick(1000);
    // Repeated and unchanged ids in |changed| must not matter.
    if (!ids.empty() && pick(4) == 0) changed.push_back(ids[pick(ids.size())]);
    HashTree incremental = builder.build(st, changed);
    HashTree full = build_state_tree(st, t);
    ASSERT_EQ(to_hex(incremental.digest()), to_hex(full.digest())) << "step " << step;
    if (step % 50 == 0) {
      ASSERT_TRUE(incremental.check_well_formed().ok()) << "step " << step;
      EXPECT_EQ(incremental, full);
    }
  }
  EXPECT_GT(ids.size(), 100u);
}

// The tree's shape depends only on the set of entries, not on the order they arrived in.
TEST(StateTree, ShapeIndependentOfHistory) {
  SubnetTopology t = topo();
  ReplicatedState st;
  std::vector<Bytes> all;
  for (int i = 0; i < 200; ++i) {
    Sha256Digest d = sha256(as_bytes(std::to_string(i)));
    all.emplace_back(d.begin(), d.end());
  }
  StateTreeBuilder forward(t), backward(t);
  (void)forward.build(st, {});
  (void)backward.build(st, {});
  HashTree f, r;
  for (size_t i = 0; i < all.size(); ++i) {
    st.ingress_history[all[i]] = status(IngressStatus::kDone, Principal::from_canister_index(1), kUser);
    f = forward.build(st, std::span<const Bytes>(&all[i], 1));
  }
  std::vector<Bytes> reversed(all.rbegin(), all.rend());
  r = backward.build(st, reversed);
  EXPECT_EQ(f.digest(), r.digest());
  EXPECT_EQ(f.digest(), build_state_tree(st, t).digest());
}

}  // namespace
}  // namespace chorus::state
