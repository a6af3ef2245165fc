// The certified state tree of a subnet (interface spec, "The system state tree"): what a
// certificate signs after every round. Built from the replicated state and the subnet's topology,
// either from scratch (build_state_tree) or incrementally at the cost of what changed
// (StateTreeBuilder); both give the same tree, digest for digest.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "encoding/hash_tree.h"
#include "encoding/principal.h"
#include "state/replicated_state.h"

namespace chorus::state {

// What the tree says about the subnet beyond its execution state.
struct SubnetTopology {
  Principal subnet_id;
  Bytes public_key_der;  // the subnet's threshold BLS key, DER
  std::vector<std::pair<Principal, Principal>> canister_ranges;  // inclusive [start, end], sorted
  std::vector<std::pair<Principal, Bytes>> node_public_keys;     // node id → DER Ed25519 key
  std::string subnet_type = "application";  // "application", "system", "verified_application", …
};

// The custom sections `icp:public NAME` and `icp:private NAME` of a module, by NAME.
struct ModuleMetadata {
  struct Section {
    bool is_public = false;
    Bytes content;
  };
  std::map<std::string, Section> sections;
};

// The icp: custom sections of the Wasm binary |wasm| (decompressed). Walks the section headers
// only; fails on a binary whose sections do not parse (installed modules always do).
Result<ModuleMetadata> parse_module_metadata(ByteView wasm);

// The canister ranges' CBOR: 55799([[start, end], …]), as /subnet/<id>/canister_ranges and
// each /canister_ranges/<id>/<start> shard hold it.
Bytes encode_canister_ranges(std::span<const std::pair<Principal, Principal>> ranges);
// The inverse, for read_state's range checks; fails on anything else.
Result<std::vector<std::pair<Principal, Principal>>> decode_canister_ranges(ByteView cbor);

// The controllers' CBOR: 55799([principal bytes, …]) in the order of the bytes.
Bytes encode_controllers(std::span<const Principal> controllers);

// The spec's state tree: /api_boundary_nodes (empty), /canister/<id>/{certified_data,
// controllers, metadata/<name>, module_hash}, /canister_ranges/<subnet>/<start>,
// /request_status/<id>/…, /subnet/<id>/{canister_ranges, node/<id>/public_key, public_key, type}
// and /time. Request statuses and canisters hang below forks whose shape depends only on the
// set of ids (a treap with hash priorities), so StateTreeBuilder can reproduce it.
HashTree build_state_tree(const ReplicatedState& state, const SubnetTopology& topology);

// Builds the state tree round after round, rehashing only what changed: O(changes · log n)
// hashes for the ingress history, a comparison per canister and rehashing only the canisters
// whose certified fields changed. Module metadata is parsed once per module hash. Not
// thread-safe; one builder follows one state.
class StateTreeBuilder {
 public:
  explicit StateTreeBuilder(SubnetTopology topology);
  ~StateTreeBuilder();
  StateTreeBuilder(const StateTreeBuilder&) = delete;
  StateTreeBuilder& operator=(const StateTreeBuilder&) = delete;

  // The tree of |state|, equal to build_state_tree(state, topology). |changed_ingress|: the
  // request ids whose ingress-history entry was added, changed or removed since the previous
  // call (ids that did not change are harmless; the first call builds everything).
  // REQUIRES: every entry that changed since the previous call is named.
  HashTree build(const ReplicatedState& state, std::span<const Bytes> changed_ingress);

  const SubnetTopology& topology() const { return topology_; }

 private:
  struct Impl;
  SubnetTopology topology_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chorus::state
