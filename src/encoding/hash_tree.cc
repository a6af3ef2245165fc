#include "encoding/hash_tree.h"

#include <algorithm>
#include <map>

#include "base/hex.h"

namespace chorus {

struct HashTree::Node {
  Kind kind = Kind::kEmpty;
  Bytes data;  // the label of kLabeled, the value of kLeaf
  // Null for the kinds without children; the public API never hands out a null tree.
  HashTree a{std::shared_ptr<const Node>()};  // left of kFork, child of kLabeled
  HashTree b{std::shared_ptr<const Node>()};  // right of kFork
  Digest digest;
};

namespace {

// The domain separators: byte(|s|) · s.
constexpr std::string_view kEmptySep = "\x11ic-hashtree-empty";
constexpr std::string_view kForkSep = "\x10ic-hashtree-fork";
constexpr std::string_view kLabeledSep = "\x13ic-hashtree-labeled";
constexpr std::string_view kLeafSep = "\x10ic-hashtree-leaf";

}  // namespace

// The empty tree shares one node; building a leaf of a tree never allocates for its Empty slots.
HashTree::HashTree() {
  static const std::shared_ptr<const Node> kEmpty = [] {
    auto n = std::make_shared<Node>();
    n->digest = sha256(as_bytes(kEmptySep));
    return n;
  }();
  node_ = kEmpty;
}

HashTree HashTree::fork(HashTree left, HashTree right) {
  auto n = std::make_shared<Node>();
  n->kind = Kind::kFork;
  n->digest = Sha256()
                  .update(as_bytes(kForkSep))
                  .update(left.digest())
                  .update(right.digest())
                  .finish();
  n->a = std::move(left);
  n->b = std::move(right);
  return HashTree(std::move(n));
}

HashTree HashTree::labeled(Bytes label, HashTree child) {
  auto n = std::make_shared<Node>();
  n->kind = Kind::kLabeled;
  n->digest =
      Sha256().update(as_bytes(kLabeledSep)).update(label).update(child.digest()).finish();
  n->data = std::move(label);
  n->a = std::move(child);
  return HashTree(std::move(n));
}

HashTree HashTree::leaf(Bytes value) {
  auto n = std::make_shared<Node>();
  n->kind = Kind::kLeaf;
  n->digest = Sha256().update(as_bytes(kLeafSep)).update(value).finish();
  n->data = std::move(value);
  return HashTree(std::move(n));
}

HashTree HashTree::pruned(const Digest& digest) {
  auto n = std::make_shared<Node>();
  n->kind = Kind::kPruned;
  n->digest = digest;
  return HashTree(std::move(n));
}

HashTree::Kind HashTree::kind() const { return node_->kind; }
const Digest& HashTree::digest() const { return node_->digest; }
const Bytes& HashTree::label() const { return node_->data; }
const Bytes& HashTree::value() const { return node_->data; }
const HashTree& HashTree::left() const { return node_->a; }
const HashTree& HashTree::right() const { return node_->b; }
const HashTree& HashTree::child() const { return node_->a; }

bool operator==(const HashTree& a, const HashTree& b) {
  // Equal digests of trees of equal shape; comparing the CBOR forms compares both at once.
  return a.node_ == b.node_ || a.encode() == b.encode();
}

cbor::Value HashTree::to_cbor() const {
  using cbor::Value;
  switch (kind()) {
    case Kind::kEmpty: return Value::array({Value::uint(0)});
    case Kind::kFork: return Value::array({Value::uint(1), left().to_cbor(), right().to_cbor()});
    case Kind::kLabeled:
      return Value::array({Value::uint(2), Value::bytes(label()), child().to_cbor()});
    case Kind::kLeaf: return Value::array({Value::uint(3), Value::bytes(value())});
    case Kind::kPruned: return Value::array({Value::uint(4), Value::bytes(ByteView(digest()))});
  }
  return Value::array({Value::uint(0)});
}

Result<HashTree> HashTree::from_cbor(const cbor::Value& value) {
  const cbor::Value& v = value.without_self_describe();
  CHORUS_ASSIGN_OR_RETURN(const cbor::Array* items, v.as_array("hash tree node"));
  if (items->empty()) return Error("hash tree node is an empty array");
  CHORUS_ASSIGN_OR_RETURN(uint64_t tag, (*items)[0].as_uint("hash tree node kind"));
  auto expect_size = [&](size_t n, const char* name) -> Status {
    if (items->size() != n) {
      return Error(std::string(name) + " node has " + std::to_string(items->size()) +
                   " elements, expected " + std::to_string(n));
    }
    return ok_status();
  };
  switch (tag) {
    case 0:
      CHORUS_RETURN_IF_ERROR(expect_size(1, "Empty"));
      return HashTree::empty();
    case 1: {
      CHORUS_RETURN_IF_ERROR(expect_size(3, "Fork"));
      CHORUS_ASSIGN_OR_RETURN(HashTree l, from_cbor((*items)[1]));
      CHORUS_ASSIGN_OR_RETURN(HashTree r, from_cbor((*items)[2]));
      return HashTree::fork(std::move(l), std::move(r));
    }
    case 2: {
      CHORUS_RETURN_IF_ERROR(expect_size(3, "Labeled"));
      CHORUS_ASSIGN_OR_RETURN(ByteView label, (*items)[1].as_bytes("label"));
      CHORUS_ASSIGN_OR_RETURN(HashTree t, from_cbor((*items)[2]));
      return HashTree::labeled(Bytes(label.begin(), label.end()), std::move(t));
    }
    case 3: {
      CHORUS_RETURN_IF_ERROR(expect_size(2, "Leaf"));
      CHORUS_ASSIGN_OR_RETURN(ByteView leaf_value, (*items)[1].as_bytes("leaf value"));
      return HashTree::leaf(Bytes(leaf_value.begin(), leaf_value.end()));
    }
    case 4: {
      CHORUS_RETURN_IF_ERROR(expect_size(2, "Pruned"));
      CHORUS_ASSIGN_OR_RETURN(ByteView d, (*items)[1].as_bytes("pruned digest"));
      if (d.size() != 32) {
        return Error("pruned digest has " + std::to_string(d.size()) + " bytes, expected 32");
      }
      Digest digest;
      std::copy(d.begin(), d.end(), digest.begin());
      return HashTree::pruned(digest);
    }
    default:
      return Error("unknown hash tree node kind " + std::to_string(tag));
  }
}

Result<HashTree> HashTree::decode(ByteView data, const cbor::DecodeLimits& limits) {
  auto v = cbor::decode(data, limits);
  if (!v) return v.error().with_context("hash tree");
  auto t = from_cbor(*v);
  if (!t) return t.error().with_context("hash tree");
  return t;
}

namespace {

// flatten_forks(): the forest below |t|, Empty dropped.
void flatten(const HashTree& t, std::vector<const HashTree*>& out) {
  std::vector<const HashTree*> stack = {&t};
  while (!stack.empty()) {
    const HashTree* n = stack.back();
    stack.pop_back();
    if (n->kind() == HashTree::Kind::kFork) {
      stack.push_back(&n->right());
      stack.push_back(&n->left());
    } else if (n->kind() != HashTree::Kind::kEmpty) {
      out.push_back(n);
    }
  }
}

bool is_labeled(const HashTree* t) { return t->kind() == HashTree::Kind::kLabeled; }

}  // namespace

std::vector<const HashTree*> flatten_forks(const HashTree& tree) {
  std::vector<const HashTree*> out;
  flatten(tree, out);
  return out;
}

namespace {

Status check_forest(const HashTree& t) {
  std::vector<const HashTree*> forest;
  flatten(t, forest);
  const Bytes* previous = nullptr;
  for (const HashTree* n : forest) {
    if (n->kind() == HashTree::Kind::kLeaf) return Error("a leaf stands beside other nodes");
    if (n->kind() != HashTree::Kind::kLabeled) continue;
    if (previous != nullptr && !(*previous < n->label())) {
      return Error("labels are not strictly increasing: \"" + to_hex(n->label()) +
                   "\" (hex) follows \"" + to_hex(*previous) + "\"");
    }
    previous = &n->label();
    if (n->child().kind() != HashTree::Kind::kLeaf) {
      CHORUS_RETURN_IF_ERROR(check_forest(n->child()));
    }
  }
  return ok_status();
}

}  // namespace

Status HashTree::check_well_formed() const {
  if (kind() == Kind::kLeaf) return ok_status();
  return check_forest(*this);
}

LookupResult lookup_path(const HashTree& tree, std::span<const Bytes> path) {
  using K = LookupResult::Kind;
  const HashTree* t = &tree;
  std::vector<const HashTree*> forest;
  for (const Bytes& l : path) {
    forest.clear();
    flatten(*t, forest);
    const HashTree* found = nullptr;
    for (const HashTree* n : forest) {
      if (is_labeled(n) && n->label() == l) {
        found = n;
        break;
      }
    }
    if (found != nullptr) {
      t = &found->child();
      continue;
    }
    // find_label's Absent cases; anything else is Unknown.
    if (forest.empty()) return {K::kAbsent, {}};
    if (forest.size() == 1 && forest[0]->kind() == HashTree::Kind::kLeaf) return {K::kAbsent, {}};
    if (is_labeled(forest.front()) && l < forest.front()->label()) return {K::kAbsent, {}};
    if (is_labeled(forest.back()) && forest.back()->label() < l) return {K::kAbsent, {}};
    for (size_t i = 0; i + 1 < forest.size(); ++i) {
      if (is_labeled(forest[i]) && is_labeled(forest[i + 1]) && forest[i]->label() < l &&
          l < forest[i + 1]->label()) {
        return {K::kAbsent, {}};
      }
    }
    return {K::kUnknown, {}};
  }
  switch (t->kind()) {
    case HashTree::Kind::kEmpty: return {K::kAbsent, {}};
    case HashTree::Kind::kLeaf: return {K::kFound, t->value()};
    case HashTree::Kind::kPruned: return {K::kUnknown, {}};
    default: return {K::kError, {}};
  }
}

LookupResult lookup_path(const HashTree& tree, std::initializer_list<std::string_view> path) {
  std::vector<Bytes> p;
  for (std::string_view s : path) p.push_back(to_bytes(s));
  return lookup_path(tree, p);
}

// ---------------------------------------------------------------------------------------------
// Witnesses.
namespace {

struct PathTrie {
  bool whole = false;  // a requested path ends here: keep everything below
  std::map<Bytes, PathTrie> children;
};

HashTree prune_node(const HashTree& t, const PathTrie& trie);

// What to keep of one labeled node of a forest.
enum class Keep { kNothing, kLabelOnly, kContent };

struct ForestPruner {
  std::map<const HashTree*, const PathTrie*> content;  // labeled nodes kept with their subtrie
  std::map<const HashTree*, bool> label_only;          // labeled nodes kept to prove absence

  Keep keep(const HashTree* n) const {
    if (content.count(n)) return Keep::kContent;
    if (label_only.count(n)) return Keep::kLabelOnly;
    return Keep::kNothing;
  }

  // Returns the pruned subtree and whether it keeps anything.
  std::pair<HashTree, bool> rebuild(const HashTree& n) const {
    switch (n.kind()) {
      case HashTree::Kind::kEmpty: return {n, false};
      case HashTree::Kind::kFork: {
        auto [l, kl] = rebuild(n.left());
        auto [r, kr] = rebuild(n.right());
        if (!kl && !kr) return {HashTree::pruned(n.digest()), false};
        return {HashTree::fork(std::move(l), std::move(r)), true};
      }
      case HashTree::Kind::kLabeled:
        switch (keep(&n)) {
          case Keep::kContent:
            return {HashTree::labeled(n.label(), prune_node(n.child(), *content.at(&n))), true};
          case Keep::kLabelOnly:
            return {HashTree::labeled(n.label(), HashTree::pruned(n.child().digest())), true};
          case Keep::kNothing: return {HashTree::pruned(n.digest()), false};
        }
        break;
      default: break;
    }
    return {HashTree::pruned(n.digest()), false};
  }
};

// The witness of a forest by flattening it: correct for any forest, but it visits every node of
// the forest, so prune_forest() below is tried first.
HashTree prune_by_flattening(const HashTree& t, const PathTrie& trie) {
  std::vector<const HashTree*> forest;
  flatten(t, forest);
  ForestPruner pruner;
  for (const auto& [label, sub] : trie.children) {
    const HashTree* found = nullptr;
    const HashTree* before = nullptr;
    const HashTree* after = nullptr;
    for (const HashTree* n : forest) {
      if (!is_labeled(n)) continue;
      if (n->label() == label) {
        found = n;
        break;
      }
      if (n->label() < label) before = n;
      if (label < n->label() && after == nullptr) after = n;
    }
    if (found != nullptr) {
      pruner.content[found] = &sub;
    } else {
      if (before != nullptr) pruner.label_only[before] = true;
      if (after != nullptr) pruner.label_only[after] = true;
    }
  }
  return pruner.rebuild(t).first;
}

// The first or last labeled node of a forest, found along its left or right spine: |node| is null
// for a forest of Empty nodes only; |known| is false when the spine meets a leaf or a pruned
// node, whose labels cannot be seen.
struct Edge {
  const HashTree* node = nullptr;
  bool known = true;
};

Edge forest_edge(const HashTree& t, bool last) {
  switch (t.kind()) {
    case HashTree::Kind::kEmpty: return {nullptr, true};
    case HashTree::Kind::kLabeled: return {&t, true};
    case HashTree::Kind::kFork: {
      Edge e = forest_edge(last ? t.right() : t.left(), last);
      if (!e.known || e.node != nullptr) return e;
      return forest_edge(last ? t.left() : t.right(), last);
    }
    default: return {nullptr, false};
  }
}

struct Query {
  const Bytes* label;
  const PathTrie* sub;
};

struct Pruned {
  HashTree tree;
  bool kept = false;
};

// The witness of a forest for |queries| (sorted, distinct labels) descending only into the forks
// the queries lead to, so it costs O(queries · depth²) instead of the forest's size: at a fork,
// a label up to the left side's last label goes left, one from the right side's first label goes
// right, and one in between is absent, proven by keeping both of those labels. |keep_first| and
// |keep_last| ask to keep the forest's first or last label as such a neighbour. Sets |ok| to
// false (the caller falls back to flattening) when a spine meets a leaf or a pruned node.
Pruned prune_forest(const HashTree& n, std::span<const Query> queries, bool keep_first,
                    bool keep_last, bool& ok) {
  if (!ok) return {};
  switch (n.kind()) {
    case HashTree::Kind::kEmpty: return {n, false};
    case HashTree::Kind::kLabeled: {
      const PathTrie* hit = nullptr;
      for (const Query& q : queries) {
        if (*q.label == n.label()) hit = q.sub;
      }
      if (hit != nullptr) return {HashTree::labeled(n.label(), prune_node(n.child(), *hit)), true};
      if (!queries.empty() || keep_first || keep_last) {
        return {HashTree::labeled(n.label(), HashTree::pruned(n.child().digest())), true};
      }
      return {HashTree::pruned(n.digest()), false};
    }
    case HashTree::Kind::kFork: {
      if (queries.empty() && !keep_first && !keep_last) return {HashTree::pruned(n.digest()), false};
      Edge left_last = forest_edge(n.left(), true);
      Edge right_first = forest_edge(n.right(), false);
      if (!left_last.known || !right_first.known) {
        ok = false;
        return {};
      }
      std::span<const Query> to_left, to_right;
      bool absent_between = false;
      if (left_last.node == nullptr) {
        to_right = queries;  // nothing labeled on the left
      } else if (right_first.node == nullptr) {
        to_left = queries;
      } else {
        const Bytes& a = left_last.node->label();
        const Bytes& b = right_first.node->label();
        size_t i = 0;
        while (i < queries.size() && *queries[i].label <= a) ++i;
        size_t j = i;
        while (j < queries.size() && *queries[j].label < b) ++j;
        to_left = queries.subspan(0, i);
        absent_between = j > i;
        to_right = queries.subspan(j);
      }
      Pruned l = prune_forest(n.left(), to_left, keep_first && left_last.node != nullptr,
                              (keep_last && right_first.node == nullptr) || absent_between, ok);
      Pruned r = prune_forest(n.right(), to_right,
                              (keep_first && left_last.node == nullptr) || absent_between, keep_last, ok);
      if (!ok) return {};
      if (!l.kept && !r.kept) return {HashTree::pruned(n.digest()), false};
      return {HashTree::fork(std::move(l.tree), std::move(r.tree)), true};
    }
    default:
      ok = false;
      return {};
  }
}

HashTree prune_node(const HashTree& t, const PathTrie& trie) {
  if (trie.whole || t.kind() == HashTree::Kind::kLeaf || t.kind() == HashTree::Kind::kEmpty ||
      t.kind() == HashTree::Kind::kPruned) {
    // A leaf below a requested prefix stays, so that lookups below it still answer Absent.
    return t;
  }
  std::vector<Query> queries;
  queries.reserve(trie.children.size());
  for (const auto& [label, sub] : trie.children) queries.push_back({&label, &sub});
  bool ok = true;
  Pruned p = prune_forest(t, queries, false, false, ok);
  if (ok) return p.kept ? std::move(p.tree) : HashTree::pruned(t.digest());
  return prune_by_flattening(t, trie);
}

}  // namespace

HashTree prune(const HashTree& tree, std::span<const Path> paths) {
  PathTrie root;
  for (const Path& path : paths) {
    PathTrie* node = &root;
    for (const Bytes& label : path) node = &node->children[label];
    node->whole = true;
  }
  if (root.whole) return tree;
  if (root.children.empty()) return HashTree::pruned(tree.digest());
  return prune_node(tree, root);
}

// ---------------------------------------------------------------------------------------------
// Building from labeled data.

LabeledTree::LabeledTree() = default;
LabeledTree::~LabeledTree() = default;
LabeledTree::LabeledTree(const LabeledTree&) = default;
LabeledTree::LabeledTree(LabeledTree&&) noexcept = default;
LabeledTree& LabeledTree::operator=(const LabeledTree&) = default;
LabeledTree& LabeledTree::operator=(LabeledTree&&) noexcept = default;

LabeledTree LabeledTree::leaf(std::string_view v) { return leaf(to_bytes(v)); }

LabeledTree& LabeledTree::set(std::string_view label, LabeledTree child) {
  return set(to_bytes(label), std::move(child));
}

LabeledTree LabeledTree::leaf(Bytes v) {
  LabeledTree t;
  t.is_leaf = true;
  t.value = std::move(v);
  return t;
}

LabeledTree& LabeledTree::set(Bytes label, LabeledTree child) {
  is_leaf = false;
  auto it = std::lower_bound(children.begin(), children.end(), label,
                             [](const auto& entry, const Bytes& l) { return entry.first < l; });
  if (it != children.end() && it->first == label) {
    it->second = std::move(child);
  } else {
    children.emplace(it, std::move(label), std::move(child));
  }
  return *this;
}

namespace {
HashTree balanced(const std::vector<HashTree>& nodes, size_t lo, size_t hi) {
  if (hi == lo) return HashTree::empty();
  if (hi - lo == 1) return nodes[lo];
  size_t mid = lo + (hi - lo) / 2;
  return HashTree::fork(balanced(nodes, lo, mid), balanced(nodes, mid, hi));
}
}  // namespace

HashTree to_hash_tree(const LabeledTree& tree) {
  if (tree.is_leaf) return HashTree::leaf(tree.value);
  std::vector<HashTree> nodes;
  nodes.reserve(tree.children.size());
  for (const auto& [label, child] : tree.children) {
    nodes.push_back(HashTree::labeled(label, to_hash_tree(child)));
  }
  return balanced(nodes, 0, nodes.size());
}

}  // namespace chorus
