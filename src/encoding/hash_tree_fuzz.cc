// Arbitrary bytes through the hash-tree decoder: no crash. Decoded trees re-encode to the same
// digest, and witnesses for paths taken from the tree itself keep the root and the lookups.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "encoding/hash_tree.h"

namespace {
using namespace chorus;

// Up to a few paths made of labels that occur in the tree, plus one that may not.
void collect_paths(const HashTree& t, Path prefix, std::vector<Path>& out) {
  if (out.size() >= 8) return;
  switch (t.kind()) {
    case HashTree::Kind::kFork:
      collect_paths(t.left(), prefix, out);
      collect_paths(t.right(), prefix, out);
      return;
    case HashTree::Kind::kLabeled: {
      prefix.push_back(t.label());
      Path missing = prefix;
      missing.back().push_back(0);
      out.push_back(missing);
      collect_paths(t.child(), prefix, out);
      return;
    }
    default:
      out.push_back(prefix);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = HashTree::decode(ByteView(data, size));
  if (!t.ok()) return 0;
  auto back = HashTree::decode(t->encode());
  if (!back.ok() || back->digest() != t->digest()) std::abort();
  bool well_formed = t->check_well_formed().ok();
  std::vector<Path> paths;
  collect_paths(*t, {}, paths);
  HashTree w = prune(*t, paths);
  if (w.digest() != t->digest()) std::abort();
  for (const Path& p : paths) {
    auto full = lookup_path(*t, p);
    auto witness = lookup_path(w, p);
    // The lookup semantics are defined for well-formed trees only.
    if (well_formed && (full.kind != witness.kind || !bytes_equal(full.value, witness.value))) {
      std::abort();
    }
  }
  return 0;
}
