#include "state/state_tree.h"

#include <algorithm>
#include <optional>

#include "base/leb128.h"
#include "crypto/sha2.h"
#include "encoding/cbor.h"

namespace chorus::state {

namespace {

Bytes bytes_of(const Principal& p) { return Bytes(p.bytes().begin(), p.bytes().end()); }
Bytes bytes_of(const Digest& d) { return Bytes(d.begin(), d.end()); }

// Balanced forks over |nodes| (labeled trees in label order); Empty when there are none.
HashTree balanced(std::span<const HashTree> nodes) {
  if (nodes.empty()) return HashTree::empty();
  if (nodes.size() == 1) return nodes[0];
  size_t mid = nodes.size() / 2;
  return HashTree::fork(balanced(nodes.first(mid)), balanced(nodes.subspan(mid)));
}

// A set of labeled subtrees under forks whose shape is a function of the labels alone: a treap
// keyed by label with the priority taken from SHA-256(label). Because the shape does not depend
// on the order of insertions, a treap updated entry by entry and one built from scratch over the
// same entries hash to the same digest. Each node keeps the hash tree of its subtree, so a change
// rehashes only the path to the root: O(log n) expected. Changes only mark their paths dirty;
// tree() rehashes the dirty nodes once, so paths that a round's changes share are hashed once. Labels are hashed before they become
// priorities, and request ids are themselves hashes, so unbalancing the tree on purpose takes
// brute force that grows exponentially with the depth gained.
class Treap {
 public:
  struct Entry {
    Bytes label;
    HashTree child;
  };

  // Sets the child under |label|, adding the label if absent.
  void upsert(Bytes label, HashTree child) {
    uint64_t prio = priority_of(label);
    insert(root_, std::move(label), prio, std::move(child));
  }
  void erase(ByteView label) { erase(root_, label); }
  HashTree tree() {
    if (!root_) return HashTree::empty();
    flush(*root_);
    return root_->tree;
  }
  size_t size() const { return size_; }

  // REQUIRES: |entries| sorted by label, labels distinct.
  static Treap from_sorted(std::vector<Entry> entries) {
    Treap t;
    const size_t n = entries.size();
    if (n == 0) return t;
    constexpr size_t kNone = SIZE_MAX;
    std::vector<std::unique_ptr<Node>> nodes(n);
    std::vector<size_t> left(n, kNone), right(n, kNone), stack;
    for (size_t i = 0; i < n; ++i) {
      nodes[i] = std::make_unique<Node>();
      nodes[i]->prio = priority_of(entries[i].label);
      nodes[i]->labeled = HashTree::labeled(entries[i].label, std::move(entries[i].child));
      nodes[i]->label = std::move(entries[i].label);
      // The Cartesian tree in one pass: the right spine is the stack.
      size_t last = kNone;
      while (!stack.empty() && above(*nodes[i], *nodes[stack.back()])) {
        last = stack.back();
        stack.pop_back();
      }
      left[i] = last;
      if (!stack.empty()) right[stack.back()] = i;
      stack.push_back(i);
    }
    t.root_ = assemble(stack.front(), nodes, left, right);
    t.size_ = n;
    return t;
  }

 private:
  struct Node {
    Bytes label;
    uint64_t prio = 0;
    HashTree labeled;
    std::unique_ptr<Node> left, right;
    HashTree tree;  // of the subtree rooted here, unless dirty
    bool dirty = false;
  };

  static uint64_t priority_of(ByteView label) {
    Sha256Digest d = sha256(label);
    uint64_t p = 0;
    for (int i = 0; i < 8; ++i) p = (p << 8) | d[i];
    return p;
  }
  // The heap order; ties (astronomically rare) broken by label so the shape stays a function of
  // the set.
  static bool above(const Node& a, const Node& b) {
    if (a.prio != b.prio) return a.prio > b.prio;
    return compare(a.label, b.label) < 0;
  }
  static int compare(ByteView a, ByteView b) {
    size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
  }
  static void refresh(Node& n) {
    if (n.left && n.right) {
      n.tree = HashTree::fork(n.left->tree, HashTree::fork(n.labeled, n.right->tree));
    } else if (n.left) {
      n.tree = HashTree::fork(n.left->tree, n.labeled);
    } else if (n.right) {
      n.tree = HashTree::fork(n.labeled, n.right->tree);
    } else {
      n.tree = n.labeled;
    }
  }
  // Rehashes the dirty nodes below and at |n|; the dirty ones form a subtree that holds the root.
  static void flush(Node& n) {
    if (!n.dirty) return;
    if (n.left) flush(*n.left);
    if (n.right) flush(*n.right);
    refresh(n);
    n.dirty = false;
  }
  static std::unique_ptr<Node> assemble(size_t i, std::vector<std::unique_ptr<Node>>& nodes,
                                        const std::vector<size_t>& left,
                                        const std::vector<size_t>& right) {
    std::unique_ptr<Node> n = std::move(nodes[i]);
    if (left[i] != SIZE_MAX) n->left = assemble(left[i], nodes, left, right);
    if (right[i] != SIZE_MAX) n->right = assemble(right[i], nodes, left, right);
    refresh(*n);
    return n;
  }
  static void rotate_right(std::unique_ptr<Node>& t) {
    std::unique_ptr<Node> l = std::move(t->left);
    t->left = std::move(l->right);
    t->dirty = true;
    l->right = std::move(t);
    t = std::move(l);
  }
  static void rotate_left(std::unique_ptr<Node>& t) {
    std::unique_ptr<Node> r = std::move(t->right);
    t->right = std::move(r->left);
    t->dirty = true;
    r->left = std::move(t);
    t = std::move(r);
  }
  // Returns whether the subtree changed (and so was rehashed).
  bool insert(std::unique_ptr<Node>& t, Bytes&& label, uint64_t prio, HashTree&& child) {
    if (!t) {
      t = std::make_unique<Node>();
      t->prio = prio;
      t->labeled = HashTree::labeled(label, std::move(child));
      t->label = std::move(label);
      t->dirty = true;
      ++size_;
      return true;
    }
    int c = compare(label, t->label);
    if (c == 0) {
      if (t->labeled.child().digest() == child.digest()) return false;
      t->labeled = HashTree::labeled(std::move(label), std::move(child));
      t->dirty = true;
      return true;
    }
    if (c < 0) {
      if (!insert(t->left, std::move(label), prio, std::move(child))) return false;
      if (above(*t->left, *t)) rotate_right(t);
    } else {
      if (!insert(t->right, std::move(label), prio, std::move(child))) return false;
      if (above(*t->right, *t)) rotate_left(t);
    }
    t->dirty = true;
    return true;
  }
  static std::unique_ptr<Node> merge(std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
    if (!a) return b;
    if (!b) return a;
    if (above(*a, *b)) {
      a->right = merge(std::move(a->right), std::move(b));
      a->dirty = true;
      return a;
    }
    b->left = merge(std::move(a), std::move(b->left));
    b->dirty = true;
    return b;
  }
  bool erase(std::unique_ptr<Node>& t, ByteView label) {
    if (!t) return false;
    int c = compare(label, t->label);
    if (c == 0) {
      t = merge(std::move(t->left), std::move(t->right));
      --size_;
      return true;
    }
    if (!erase(c < 0 ? t->left : t->right, label)) return false;
    t->dirty = true;
    return true;
  }

  std::unique_ptr<Node> root_;
  size_t size_ = 0;
};

// ---- values ----

std::string_view status_name(IngressStatus::Kind kind) {
  switch (kind) {
    case IngressStatus::kReceived: return "received";
    case IngressStatus::kProcessing: return "processing";
    case IngressStatus::kReplied: return "replied";
    case IngressStatus::kRejected: return "rejected";
    case IngressStatus::kDone: return "done";
  }
  return "unknown";
}

// The labeled status leaf, one per kind for the whole process: most entries share it.
const HashTree& status_node(IngressStatus::Kind kind) {
  static const HashTree kNodes[] = {
      HashTree::labeled("status", HashTree::leaf(status_name(IngressStatus::kReceived))),
      HashTree::labeled("status", HashTree::leaf(status_name(IngressStatus::kProcessing))),
      HashTree::labeled("status", HashTree::leaf(status_name(IngressStatus::kReplied))),
      HashTree::labeled("status", HashTree::leaf(status_name(IngressStatus::kRejected))),
      HashTree::labeled("status", HashTree::leaf(status_name(IngressStatus::kDone))),
  };
  return kNodes[kind <= IngressStatus::kDone ? kind : IngressStatus::kDone];
}

HashTree request_status_tree(const IngressStatus& s) {
  // In label order: error_code < reject_code < reject_message < reply < status.
  std::vector<HashTree> nodes;
  if (s.kind == IngressStatus::kRejected) {
    if (!s.error_code.empty()) {
      nodes.push_back(HashTree::labeled("error_code", HashTree::leaf(std::string_view(s.error_code))));
    }
    nodes.push_back(HashTree::labeled("reject_code", HashTree::leaf(uleb128(s.reject_code))));
    nodes.push_back(HashTree::labeled("reject_message", HashTree::leaf(std::string_view(s.reject_message))));
  }
  if (s.kind == IngressStatus::kReplied) nodes.push_back(HashTree::labeled("reply", HashTree::leaf(s.reply)));
  if (nodes.empty()) return status_node(s.kind);
  nodes.push_back(status_node(s.kind));
  return balanced(nodes);
}

// What a module contributes to /canister/<id>: its metadata subtree (Empty without sections).
struct ModuleEntry {
  ModuleMetadata metadata;
  HashTree metadata_tree;
};

std::shared_ptr<const ModuleEntry> module_entry(ByteView wasm) {
  auto e = std::make_shared<ModuleEntry>();
  auto parsed = parse_module_metadata(wasm);
  // An installed module always parses; should one not, it certifies no metadata rather than
  // failing the round.
  if (parsed.ok()) e->metadata = std::move(*parsed);
  std::vector<HashTree> nodes;
  for (const auto& [name, section] : e->metadata.sections) {
    nodes.push_back(HashTree::labeled(name, HashTree::leaf(section.content)));
  }
  e->metadata_tree = balanced(nodes);
  return e;
}

// The certified fields of a canister, as last seen: what decides whether its subtree changes.
struct CanisterFields {
  Bytes certified_data;
  std::vector<Principal> controllers;
  std::optional<Sha256Digest> module_hash;
  std::shared_ptr<const ModuleEntry> module;  // with module_hash
};

bool same_fields(const CanisterFields& f, const CanisterState& c) {
  if (f.certified_data != c.certified_data) return false;
  if (f.controllers != c.settings.controllers) return false;
  if (f.module_hash.has_value() != c.has_code()) return false;
  if (f.module_hash && *f.module_hash != c.execution->module_hash) return false;
  return true;
}

HashTree canister_tree(const CanisterFields& f) {
  std::vector<HashTree> nodes;
  nodes.push_back(HashTree::labeled("certified_data", HashTree::leaf(f.certified_data)));
  nodes.push_back(HashTree::labeled("controllers", HashTree::leaf(encode_controllers(f.controllers))));
  if (f.module && f.module->metadata_tree.kind() != HashTree::Kind::kEmpty) {
    nodes.push_back(HashTree::labeled("metadata", f.module->metadata_tree));
  }
  if (f.module_hash) {
    nodes.push_back(HashTree::labeled("module_hash", HashTree::leaf(bytes_of(*f.module_hash))));
  }
  return balanced(nodes);
}

CanisterFields fields_of(const CanisterState& c, std::shared_ptr<const ModuleEntry> module) {
  CanisterFields f;
  f.certified_data = c.certified_data;
  f.controllers = c.settings.controllers;
  if (c.has_code()) {
    f.module_hash = c.execution->module_hash;
    f.module = std::move(module);
  }
  return f;
}

ByteView wasm_of(const CanisterState& c) {
  const auto& bin = c.execution->wasm_binary;
  return bin ? ByteView(*bin) : ByteView();
}

// ---- the fixed parts ----

HashTree subnet_subtree(const SubnetTopology& t) {
  std::vector<HashTree> nodes;
  for (const auto& [id, key] : t.node_public_keys) {
    nodes.push_back(HashTree::labeled(bytes_of(id), HashTree::labeled("public_key", HashTree::leaf(key))));
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const HashTree& a, const HashTree& b) { return a.label() < b.label(); });
  std::vector<HashTree> fields;
  fields.push_back(HashTree::labeled("canister_ranges",
                                     HashTree::leaf(encode_canister_ranges(t.canister_ranges))));
  fields.push_back(HashTree::labeled("node", balanced(nodes)));
  fields.push_back(HashTree::labeled("public_key", HashTree::leaf(t.public_key_der)));
  if (!t.subnet_type.empty()) fields.push_back(HashTree::labeled("type", HashTree::leaf(t.subnet_type)));
  return HashTree::labeled(bytes_of(t.subnet_id), balanced(fields));
}

// One shard holds all ranges: a subnet has few, and clients binary-search shards by label.
HashTree canister_ranges_subtree(const SubnetTopology& t) {
  if (t.canister_ranges.empty()) return HashTree::labeled(bytes_of(t.subnet_id), HashTree::empty());
  HashTree shard = HashTree::labeled(bytes_of(t.canister_ranges.front().first),
                                     HashTree::leaf(encode_canister_ranges(t.canister_ranges)));
  return HashTree::labeled(bytes_of(t.subnet_id), shard);
}

struct FixedParts {
  HashTree api_boundary_nodes, canister_ranges, subnet;
};

FixedParts fixed_parts(const SubnetTopology& t) {
  return FixedParts{HashTree::labeled("api_boundary_nodes", HashTree::empty()),
                    HashTree::labeled("canister_ranges", canister_ranges_subtree(t)),
                    HashTree::labeled("subnet", subnet_subtree(t))};
}

HashTree root_of(const FixedParts& fixed, HashTree canisters, HashTree request_status,
                 uint64_t time_nanos) {
  // In label order: api_boundary_nodes < canister < canister_ranges < request_status < subnet
  // < time.
  HashTree nodes[] = {fixed.api_boundary_nodes,
                      HashTree::labeled("canister", std::move(canisters)),
                      fixed.canister_ranges,
                      HashTree::labeled("request_status", std::move(request_status)),
                      fixed.subnet,
                      HashTree::labeled("time", HashTree::leaf(uleb128(time_nanos)))};
  return balanced(nodes);
}

Result<uint32_t> read_u32_leb(ByteReader& in) {
  CHORUS_ASSIGN_OR_RETURN(uint64_t v, read_uleb128(in));
  if (v > UINT32_MAX) return Error("LEB128 value over 32 bits");
  return static_cast<uint32_t>(v);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Result<ModuleMetadata> parse_module_metadata(ByteView wasm) {
  static constexpr uint8_t kHeader[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  ByteReader in(wasm);
  CHORUS_ASSIGN_OR_RETURN(ByteView header, in.read_bytes(sizeof(kHeader), "Wasm header"));
  if (!std::equal(header.begin(), header.end(), std::begin(kHeader))) {
    return Error("not a Wasm 1.0 binary");
  }
  ModuleMetadata out;
  while (!in.at_end()) {
    CHORUS_ASSIGN_OR_RETURN(uint8_t id, in.read_u8("section id"));
    CHORUS_ASSIGN_OR_RETURN(uint32_t size, read_u32_leb(in));
    CHORUS_ASSIGN_OR_RETURN(ByteView body, in.read_bytes(size, "section"));
    if (id != 0) continue;
    ByteReader sec(body);
    CHORUS_ASSIGN_OR_RETURN(uint32_t name_len, read_u32_leb(sec));
    CHORUS_ASSIGN_OR_RETURN(ByteView name_bytes, sec.read_bytes(name_len, "custom section name"));
    std::string name(name_bytes.begin(), name_bytes.end());
    bool is_public;
    if (starts_with(name, "icp:public ")) {
      is_public = true;
      name = name.substr(11);
    } else if (starts_with(name, "icp:private ")) {
      is_public = false;
      name = name.substr(12);
    } else {
      continue;
    }
    ByteView content = sec.rest();
    if (!out.sections.emplace(name, ModuleMetadata::Section{is_public, Bytes(content.begin(), content.end())})
             .second) {
      return Error("two custom sections named '" + name + "'");
    }
  }
  return out;
}

Bytes encode_canister_ranges(std::span<const std::pair<Principal, Principal>> ranges) {
  cbor::Array a;
  for (const auto& [lo, hi] : ranges) {
    a.push_back(cbor::Value::array({cbor::Value::bytes(lo.bytes()), cbor::Value::bytes(hi.bytes())}));
  }
  return cbor::encode_self_described(cbor::Value::array(std::move(a)));
}

Result<std::vector<std::pair<Principal, Principal>>> decode_canister_ranges(ByteView data) {
  CHORUS_ASSIGN_OR_RETURN(cbor::Value v, cbor::decode(data));
  CHORUS_ASSIGN_OR_RETURN(const cbor::Array* a, v.without_self_describe().as_array("canister ranges"));
  std::vector<std::pair<Principal, Principal>> out;
  for (const cbor::Value& r : *a) {
    CHORUS_ASSIGN_OR_RETURN(const cbor::Array* pair, r.as_array("canister range"));
    if (pair->size() != 2) return Error("a canister range is not a pair");
    CHORUS_ASSIGN_OR_RETURN(ByteView lo, (*pair)[0].as_bytes("range start"));
    CHORUS_ASSIGN_OR_RETURN(ByteView hi, (*pair)[1].as_bytes("range end"));
    CHORUS_ASSIGN_OR_RETURN(Principal plo, Principal::from_bytes(lo));
    CHORUS_ASSIGN_OR_RETURN(Principal phi, Principal::from_bytes(hi));
    out.emplace_back(plo, phi);
  }
  return out;
}

Bytes encode_controllers(std::span<const Principal> controllers) {
  std::vector<Bytes> sorted;
  for (const Principal& p : controllers) sorted.push_back(bytes_of(p));
  std::sort(sorted.begin(), sorted.end());
  cbor::Array a;
  for (Bytes& b : sorted) a.push_back(cbor::Value::bytes(std::move(b)));
  return cbor::encode_self_described(cbor::Value::array(std::move(a)));
}

HashTree build_state_tree(const ReplicatedState& state, const SubnetTopology& topology) {
  std::vector<Treap::Entry> statuses;
  statuses.reserve(state.ingress_history.size());
  // The history's map already orders ids as the tree does (bytewise).
  for (const auto& [id, s] : state.ingress_history) statuses.push_back({id, request_status_tree(s)});
  std::vector<Treap::Entry> canisters;
  for (const auto& [id, c] : state.canisters) {
    auto module = c.has_code() ? module_entry(wasm_of(c)) : nullptr;
    canisters.push_back({bytes_of(id), canister_tree(fields_of(c, std::move(module)))});
  }
  std::sort(canisters.begin(), canisters.end(),
            [](const Treap::Entry& a, const Treap::Entry& b) { return a.label < b.label; });
  return root_of(fixed_parts(topology), Treap::from_sorted(std::move(canisters)).tree(),
                 Treap::from_sorted(std::move(statuses)).tree(), state.metadata.time_nanos);
}

struct StateTreeBuilder::Impl {
  FixedParts fixed;
  bool built = false;
  Treap statuses;
  Treap canisters;
  std::map<CanisterId, CanisterFields> canister_fields;
  // Parsed metadata by module hash; the canisters' fields hold the entries alive, so expired
  // ones name modules no canister runs any more.
  std::map<Sha256Digest, std::weak_ptr<const ModuleEntry>> modules;
  size_t modules_sweep_at = 64;

  std::shared_ptr<const ModuleEntry> module_for(const CanisterState& c) {
    const Sha256Digest& h = c.execution->module_hash;
    auto it = modules.find(h);
    if (it != modules.end()) {
      if (auto e = it->second.lock()) return e;
    }
    auto e = module_entry(wasm_of(c));
    modules[h] = e;
    if (modules.size() >= modules_sweep_at) {
      std::erase_if(modules, [](const auto& kv) { return kv.second.expired(); });
      modules_sweep_at = std::max<size_t>(64, 2 * modules.size());
    }
    return e;
  }

  void update_canister(const CanisterState& c, CanisterFields* cached) {
    if (cached != nullptr && same_fields(*cached, c)) return;
    std::shared_ptr<const ModuleEntry> module;
    if (c.has_code()) {
      module = (cached != nullptr && cached->module_hash == c.execution->module_hash)
                   ? cached->module
                   : module_for(c);
    }
    CanisterFields f = fields_of(c, std::move(module));
    canisters.upsert(bytes_of(c.id), canister_tree(f));
    canister_fields[c.id] = std::move(f);
  }

  // One merge walk over the state's canisters and the ones seen last time (both in id order).
  void update_canisters(const ReplicatedState& state) {
    auto cached = canister_fields.begin();
    for (const auto& [id, c] : state.canisters) {
      while (cached != canister_fields.end() && cached->first < id) {
        canisters.erase(bytes_of(cached->first));
        cached = canister_fields.erase(cached);
      }
      if (cached != canister_fields.end() && cached->first == id) {
        update_canister(c, &cached->second);
        ++cached;
      } else {
        update_canister(c, nullptr);
      }
    }
    while (cached != canister_fields.end()) {
      canisters.erase(bytes_of(cached->first));
      cached = canister_fields.erase(cached);
    }
  }
};

StateTreeBuilder::StateTreeBuilder(SubnetTopology topology)
    : topology_(std::move(topology)), impl_(std::make_unique<Impl>()) {
  impl_->fixed = fixed_parts(topology_);
}

StateTreeBuilder::~StateTreeBuilder() = default;

HashTree StateTreeBuilder::build(const ReplicatedState& state, std::span<const Bytes> changed_ingress) {
  Impl& im = *impl_;
  if (!im.built) {
    std::vector<Treap::Entry> statuses;
    statuses.reserve(state.ingress_history.size());
    for (const auto& [id, s] : state.ingress_history) statuses.push_back({id, request_status_tree(s)});
    im.statuses = Treap::from_sorted(std::move(statuses));
    im.built = true;
  } else {
    for (const Bytes& id : changed_ingress) {
      auto it = state.ingress_history.find(id);
      if (it == state.ingress_history.end()) {
        im.statuses.erase(id);
      } else {
        im.statuses.upsert(id, request_status_tree(it->second));
      }
    }
  }
  im.update_canisters(state);
  return root_of(im.fixed, im.canisters.tree(), im.statuses.tree(), state.metadata.time_nanos);
}

}  // namespace chorus::state
