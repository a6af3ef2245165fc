// Hash trees, the certified data structure of the IC (interface spec, "Certification"): a tree of
// forks, labels and leaves whose root digest a certificate signs. Partial trees ("witnesses") keep
// the root digest while revealing only chosen paths.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "crypto/sha2.h"
#include "encoding/cbor.h"

namespace chorus {

using Digest = Sha256Digest;
using Path = std::vector<Bytes>;

// Immutable; copies share structure, so building witnesses and certificates is cheap. Each
// node's digest (the spec's reconstruct()) is computed once, when the node is made.
class HashTree {
 public:
  enum class Kind : uint8_t { kEmpty = 0, kFork = 1, kLabeled = 2, kLeaf = 3, kPruned = 4 };

  HashTree();  // Empty
  static HashTree empty() { return HashTree(); }
  static HashTree fork(HashTree left, HashTree right);
  static HashTree labeled(Bytes label, HashTree child);
  static HashTree labeled(std::string_view label, HashTree child) {
    return labeled(to_bytes(label), std::move(child));
  }
  static HashTree leaf(Bytes value);
  static HashTree leaf(std::string_view value) { return leaf(to_bytes(value)); }
  static HashTree pruned(const Digest& digest);

  Kind kind() const;
  const Digest& digest() const;
  // REQUIRES: kLabeled (label) or kLeaf (value).
  const Bytes& label() const;
  const Bytes& value() const;
  // REQUIRES: kFork (left, right) or kLabeled (child).
  const HashTree& left() const;
  const HashTree& right() const;
  const HashTree& child() const;

  // The CBOR form [0] | [1, l, r] | [2, label, t] | [3, value] | [4, digest].
  cbor::Value to_cbor() const;
  Bytes encode() const { return cbor::encode(to_cbor()); }
  static Result<HashTree> from_cbor(const cbor::Value& value);
  static Result<HashTree> decode(ByteView data, const cbor::DecodeLimits& limits = {});

  // The spec's well_formed(): labels strictly increasing within each forest, and no leaf beside
  // labeled nodes. The IC only produces well-formed trees; lookup_path() assumes one.
  Status check_well_formed() const;

  friend bool operator==(const HashTree& a, const HashTree& b);

 private:
  struct Node;
  explicit HashTree(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  std::shared_ptr<const Node> node_;
};

struct LookupResult {
  enum class Kind { kFound, kAbsent, kUnknown, kError };
  Kind kind;
  ByteView value;  // for kFound; points into the tree
};

// The spec's flatten_forks: the nodes of the forest below |tree| (labeled nodes, leaves, pruned
// nodes) in order, forks dissolved and Empty dropped. The pointers point into |tree|.
std::vector<const HashTree*> flatten_forks(const HashTree& tree);

// The spec's lookup_path: Found v, Absent (provably not in the tree), Unknown (pruned away), or
// Error (the path leads to an inner node, not a value).
LookupResult lookup_path(const HashTree& tree, std::span<const Bytes> path);
LookupResult lookup_path(const HashTree& tree, std::initializer_list<std::string_view> path);

// A witness for |paths|: |tree| with every subtree that no path needs replaced by its digest. The
// root digest is unchanged, and each path looks up in the witness as it does in |tree| (values
// found, absences proven by keeping the neighbouring labels, as in the spec's example).
HashTree prune(const HashTree& tree, std::span<const Path> paths);

// Labeled data, the input from which the state tree is built: a value at a leaf, or children
// under distinct labels.
struct LabeledTree {
  // Out of line: the members hold LabeledTree itself, complete only after this definition.
  LabeledTree();
  ~LabeledTree();
  LabeledTree(const LabeledTree&);
  LabeledTree(LabeledTree&&) noexcept;
  LabeledTree& operator=(const LabeledTree&);
  LabeledTree& operator=(LabeledTree&&) noexcept;

  static LabeledTree leaf(Bytes v);
  static LabeledTree leaf(std::string_view v);
  // Sets the child under |label|, replacing any.
  LabeledTree& set(Bytes label, LabeledTree child);
  LabeledTree& set(std::string_view label, LabeledTree child);

  bool is_leaf = false;
  Bytes value;
  std::vector<std::pair<Bytes, LabeledTree>> children;  // sorted by label
};

// The hash tree of |tree| with balanced forks over each set of children (so lookups and witnesses
// cost O(log n) nodes per level).
HashTree to_hash_tree(const LabeledTree& tree);

}  // namespace chorus
