#include "encoding/hash_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>

#include "base/hex.h"

namespace chorus {
namespace {

using K = LookupResult::Kind;

// The interface spec's example ("Certification", Example).
constexpr std::string_view kSpecTreeCbor =
    "8301830183024161830183018302417882034568656c6c6f810083024179820345776f726c6483024162820344"
    "676f6f648301830241638100830241648203476d6f726e696e67";
constexpr std::string_view kSpecRoot =
    "eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0";
constexpr std::string_view kSpecPrunedCbor =
    "83018301830241618301820458201b4feff9bef8131788b0c9dc6dbad6e81e524249c879e9f10f71ce3749f5a6"
    "3883024179820345776f726c6483024162820458207b32ac0c6ba8ce35ac82c255fc7906f7fc130dab2a090f80"
    "fe12f9c2cae83ba6830182045820ec8324b8a1f1ac16bd2e806edba78006479c9877fed4eb464a25485465af60"
    "1d830241648203476d6f726e696e67";

HashTree spec_tree() {
  using T = HashTree;
  return T::fork(
      T::fork(T::labeled("a", T::fork(T::fork(T::labeled("x", T::leaf("hello")), T::empty()),
                                      T::labeled("y", T::leaf("world")))),
              T::labeled("b", T::leaf("good"))),
      T::fork(T::labeled("c", T::empty()), T::labeled("d", T::leaf("morning"))));
}

Path path(std::initializer_list<std::string_view> labels) {
  Path p;
  for (auto l : labels) p.push_back(to_bytes(l));
  return p;
}

TEST(HashTree, SpecExampleRootAndEncoding) {
  HashTree t = spec_tree();
  EXPECT_EQ(to_hex(t.digest()), kSpecRoot);
  EXPECT_EQ(to_hex(t.encode()), kSpecTreeCbor);
  auto decoded = HashTree::decode(*from_hex(kSpecTreeCbor));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(to_hex(decoded->digest()), kSpecRoot);
  EXPECT_TRUE(t.check_well_formed().ok());
  EXPECT_EQ(to_hex(HashTree::empty().digest()),
            "4e3ed35c4e2d1ee89996483fb6260a64cffb6c47dbab216e7930e82f8190d120");
}

TEST(HashTree, SpecExamplePruning) {
  std::vector<Path> paths = {path({"a", "y"}), path({"ax"}), path({"d"})};
  HashTree w = prune(spec_tree(), paths);
  EXPECT_EQ(to_hex(w.encode()), kSpecPrunedCbor);
  EXPECT_EQ(to_hex(w.digest()), kSpecRoot);
}

TEST(HashTree, SpecExampleLookups) {
  HashTree w = *HashTree::decode(*from_hex(kSpecPrunedCbor));
  EXPECT_EQ(lookup_path(w, {"a", "a"}).kind, K::kUnknown);
  auto y = lookup_path(w, {"a", "y"});
  EXPECT_EQ(y.kind, K::kFound);
  EXPECT_EQ(as_chars(y.value), "world");
  EXPECT_EQ(lookup_path(w, {"aa"}).kind, K::kAbsent);
  EXPECT_EQ(lookup_path(w, {"ax"}).kind, K::kAbsent);
  EXPECT_EQ(lookup_path(w, {"b"}).kind, K::kUnknown);
  EXPECT_EQ(lookup_path(w, {"bb"}).kind, K::kUnknown);
  EXPECT_EQ(as_chars(lookup_path(w, {"d"}).value), "morning");
  EXPECT_EQ(lookup_path(w, {"e"}).kind, K::kAbsent);
  // On the full tree.
  HashTree t = spec_tree();
  EXPECT_EQ(lookup_path(t, {"a"}).kind, K::kError);
  EXPECT_EQ(lookup_path(t, {"c"}).kind, K::kAbsent);  // lookup_path([], Empty)
  EXPECT_EQ(lookup_path(t, {"b", "x"}).kind, K::kAbsent);  // find_label(l, [Leaf _])
  EXPECT_EQ(lookup_path(t, {"a", "x", "z"}).kind, K::kAbsent);
  EXPECT_EQ(lookup_path(t, {}).kind, K::kError);
  EXPECT_EQ(lookup_path(HashTree::pruned(t.digest()), {}).kind, K::kUnknown);
  EXPECT_EQ(lookup_path(HashTree::pruned(t.digest()), {"a"}).kind, K::kUnknown);
}

TEST(HashTree, WellFormedness) {
  using T = HashTree;
  EXPECT_FALSE(T::fork(T::labeled("b", T::empty()), T::labeled("a", T::empty()))
                   .check_well_formed()
                   .ok());
  EXPECT_FALSE(T::fork(T::labeled("a", T::empty()), T::labeled("a", T::empty()))
                   .check_well_formed()
                   .ok());
  EXPECT_FALSE(T::fork(T::labeled("a", T::empty()), T::leaf("v")).check_well_formed().ok());
  EXPECT_FALSE(T::labeled("a", T::fork(T::leaf("v"), T::leaf("w"))).check_well_formed().ok());
  EXPECT_TRUE(T::leaf("v").check_well_formed().ok());
}

TEST(HashTree, RefusesMalformedCbor) {
  for (const char* hex : {"80", "8100810a", "820100", "8201", "83024161",
                          "8203410a0b", "8204410a", "820458200000", "a0", "8103", "8105"}) {
    auto bytes = from_hex(hex);
    ASSERT_TRUE(bytes.ok()) << hex;
    EXPECT_FALSE(HashTree::decode(*bytes).ok()) << hex;
  }
  auto e = HashTree::decode(*from_hex("820441aa"));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(), "hash tree: pruned digest has 1 bytes, expected 32");
}

// Random labeled data: the witness for any set of paths keeps the root, is much smaller than the
// tree, and answers every lookup exactly as the full tree does.
TEST(HashTree, RandomWitnessesAgreeWithFullTree) {
  std::mt19937 rng(1);
  auto random_label = [&] {
    std::string s(1 + rng() % 3, 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 4);
    return s;
  };
  for (int round = 0; round < 50; ++round) {
    LabeledTree data;
    for (int i = 0; i < 40; ++i) {
      LabeledTree sub;
      for (int j = 0; j < 5; ++j) sub.set(random_label(), LabeledTree::leaf(random_label()));
      data.set(random_label(), std::move(sub));
    }
    HashTree full = to_hash_tree(data);
    ASSERT_TRUE(full.check_well_formed().ok());
    std::vector<Path> requested;
    for (int i = 0; i < 3; ++i) requested.push_back(path({random_label(), random_label()}));
    requested.push_back(path({random_label()}));
    HashTree w = prune(full, requested);
    EXPECT_EQ(w.digest(), full.digest());
    EXPECT_TRUE(w.check_well_formed().ok());
    EXPECT_LT(w.encode().size(), full.encode().size());
    for (const Path& p : requested) {
      auto in_full = lookup_path(full, p);
      auto in_witness = lookup_path(w, p);
      EXPECT_EQ(in_witness.kind, in_full.kind);
      EXPECT_TRUE(bytes_equal(in_witness.value, in_full.value));
    }
  }
}

// Forests of every shape: random fork structures over sorted labels with Empty nodes mixed in,
// and pruned subtrees (whose labels cannot be seen, so pruning falls back to flattening). Every
// requested path, present or absent, looks up in the witness as in the tree.
TEST(HashTree, WitnessesOfRandomlyShapedForests) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> labels;
    for (int i = 0; i < 1 + static_cast<int>(rng() % 30); ++i) labels.push_back(std::to_string(100 + rng() % 200));
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
    bool with_pruned = round % 5 == 0;
    // A random binary shape over labels[lo, hi).
    std::function<HashTree(size_t, size_t)> shape = [&](size_t lo, size_t hi) -> HashTree {
      if (hi - lo == 1) {
        HashTree leaf = HashTree::labeled(labels[lo], HashTree::leaf("v" + labels[lo]));
        if (rng() % 6 == 0) return HashTree::fork(HashTree::empty(), leaf);
        return leaf;
      }
      size_t mid = lo + 1 + rng() % (hi - lo - 1);
      return HashTree::fork(shape(lo, mid), shape(mid, hi));
    };
    HashTree full = shape(0, labels.size());
    ASSERT_TRUE(full.check_well_formed().ok());
    std::vector<Path> requested;
    for (int i = 0; i < 1 + static_cast<int>(rng() % 4); ++i) {
      requested.push_back(path({rng() % 2 ? labels[rng() % labels.size()] : std::to_string(90 + rng() % 220)}));
    }
    HashTree tree = full;
    if (with_pruned && full.kind() == HashTree::Kind::kFork) {
      // Hide one side: lookups that need it become Unknown in both.
      tree = HashTree::fork(HashTree::pruned(full.left().digest()), full.right());
    }
    HashTree w = prune(tree, requested);
    EXPECT_EQ(w.digest(), tree.digest());
    for (const Path& p : requested) {
      auto in_tree = lookup_path(tree, p);
      auto in_witness = lookup_path(w, p);
      EXPECT_EQ(in_witness.kind, in_tree.kind) << "round " << round << " label " << std::string(p[0].begin(), p[0].end());
      EXPECT_TRUE(bytes_equal(in_witness.value, in_tree.value));
    }
  }
}

size_t revealed_nodes(const HashTree& t) {
  switch (t.kind()) {
    case HashTree::Kind::kFork: return 1 + revealed_nodes(t.left()) + revealed_nodes(t.right());
    case HashTree::Kind::kLabeled: return 1 + revealed_nodes(t.child());
    default: return 1;
  }
}

// A witness for one path of a large forest reveals O(log n) nodes and proves presence and absence
// (the replica prunes one per answered call from a tree of every recent request).
TEST(HashTree, WitnessOfALargeForestIsLogarithmic) {
  LabeledTree data;
  for (int i = 0; i < 100'000; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08d", i * 2);
    data.set(buf, LabeledTree::leaf("x"));
  }
  HashTree full = to_hash_tree(data);
  for (const char* label : {"00000042", "00000043", "00199998", "00000000", "zzz", "0"}) {
    HashTree w = prune(full, std::vector<Path>{path({label})});
    EXPECT_EQ(w.digest(), full.digest());
    EXPECT_LE(revealed_nodes(w), 120u) << label;
    bool present = std::string(label) == "00000042" || std::string(label) == "00199998" || std::string(label) == "00000000";
    EXPECT_EQ(lookup_path(w, {label}).kind, present ? K::kFound : K::kAbsent) << label;
  }
}

TEST(HashTree, PruneEdgeCases) {
  HashTree t = spec_tree();
  EXPECT_EQ(prune(t, std::vector<Path>{Path{}}), t);  // the empty path asks for everything
  HashTree none = prune(t, std::vector<Path>{});
  EXPECT_EQ(none.kind(), HashTree::Kind::kPruned);
  EXPECT_EQ(none.digest(), t.digest());
  // A path through a leaf keeps the leaf, so its absence below stays provable.
  HashTree w = prune(t, std::vector<Path>{path({"b", "x"})});
  EXPECT_EQ(lookup_path(w, {"b", "x"}).kind, K::kAbsent);
}

TEST(LabeledTree, BuildsBalancedSortedForks) {
  LabeledTree data;
  data.set("time", LabeledTree::leaf(Bytes{0x01}));
  data.set("canister", LabeledTree());
  data.set("a", LabeledTree::leaf("x"));
  data.set("a", LabeledTree::leaf("y"));  // replaces
  HashTree t = to_hash_tree(data);
  EXPECT_TRUE(t.check_well_formed().ok());
  EXPECT_EQ(as_chars(lookup_path(t, {"a"}).value), "y");
  EXPECT_EQ(lookup_path(t, {"canister", "x"}).kind, K::kAbsent);
  EXPECT_EQ(lookup_path(t, {"zz"}).kind, K::kAbsent);
}

}  // namespace
}  // namespace chorus
