#include "http/read_state.h"

#include <algorithm>
#include <optional>
#include <string>

#include "base/hex.h"
#include "base/utf8.h"
#include "crypto/certificate.h"
#include "state/state_tree.h"

namespace chorus::http {

namespace {

bool is(ByteView label, std::string_view s) { return as_chars(label) == s; }

bool is_one_of(ByteView label, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return is(label, n); });
}

// A label as a reader would write it: text when printable, else hex.
std::string show(ByteView label) {
  bool printable = !label.empty() && std::all_of(label.begin(), label.end(), [](uint8_t c) {
    return c >= 0x20 && c < 0x7f;
  });
  if (printable) return std::string(as_chars(label));
  auto p = Principal::from_bytes(label);
  if (p.ok() && label.size() < 30 && label.size() != 0) return p->to_text();
  return "0x" + to_hex(label);
}

std::string show(const Path& path) {
  std::string out;
  for (const Bytes& l : path) out += "/" + show(l);
  return out.empty() ? "/" : out;
}

RequestError refuse(int status, std::string message) { return RequestError{status, std::move(message)}; }

RequestError invalid(const Path& path) {
  return refuse(kNotFound, "Invalid path requested: " + show(path) +
                               " is not a path of the state tree that read_state serves");
}

// The child under |label| of the forest |tree|, if present.
const HashTree* child(const HashTree& tree, ByteView label) {
  for (const HashTree* n : flatten_forks(tree)) {
    if (n->kind() == HashTree::Kind::kLabeled && bytes_equal(n->label(), label)) return &n->child();
  }
  return nullptr;
}

class Checker {
 public:
  Checker(const ValidatedRequest& request, const ReadStateScope& scope,
          const state::ReplicatedState& state, const HashTree& tree)
      : request_(request), scope_(scope), state_(state), tree_(tree),
        sender_(request.envelope.content.sender) {}

  HttpResult<std::vector<Path>> run() {
    std::vector<Path> reveal;
    for (const Path& p : request_.envelope.content.paths) {
      if (auto e = check(p)) return *e;
      if (is(p[0], "subnet")) {
        expand_subnet_path(p, reveal);
      } else {
        reveal.push_back(p);
      }
    }
    return reveal;
  }

 private:
  std::optional<RequestError> check(const Path& p) {
    if (p.empty()) return invalid(p);
    const Bytes& head = p[0];
    if (is(head, "time")) {
      if (p.size() != 1) return invalid(p);
    } else if (is(head, "api_boundary_nodes")) {
      if (p.size() > 3) return invalid(p);
      if (p.size() == 3 && !is_one_of(p[2], {"domain", "ipv4_address", "ipv6_address"})) return invalid(p);
    } else if (is(head, "canister_ranges")) {
      if (p.size() < 2 || p.size() > 3) return invalid(p);
      if (!scope_.subnet_endpoint) {
        return refuse(kBadRequest, show(p) + " can only be read at a subnet's endpoint, "
                                             "/api/v3/subnet/<subnet_id>/read_state");
      }
      if (ranges_subnet_ && *ranges_subnet_ != p[1]) {
        return refuse(kBadRequest, "all /canister_ranges paths of one request must name the same subnet");
      }
      ranges_subnet_ = p[1];
    } else if (is(head, "subnet")) {
      return check_subnet(p);
    } else if (is(head, "request_status")) {
      return check_request_status(p);
    } else if (is(head, "canister")) {
      return check_canister(p);
    } else {
      return invalid(p);
    }
    return std::nullopt;
  }

  std::optional<RequestError> check_subnet(const Path& p) {
    if (p.size() <= 2) return std::nullopt;
    const Bytes& field = p[2];
    if (p.size() == 3) {
      if (is(field, "canister_ranges")) {
        if (!flat_ranges_readable(p[1])) {
          return refuse(kBadRequest, show(p) + ": the canister ranges of a subnet other than the root "
                                               "subnet are read at /canister_ranges/<subnet_id> on "
                                               "/api/v3/subnet/<subnet_id>/read_state (or at /api/v2)");
        }
        return std::nullopt;
      }
      if (is(field, "metrics")) {
        if (!scope_.subnet_endpoint || !bytes_equal(scope_.effective_id.bytes(), p[1])) {
          return refuse(kBadRequest, show(p) + " can only be read at /api/v3/subnet/<that subnet>/read_state");
        }
        return std::nullopt;
      }
      if (is_one_of(field, {"public_key", "type", "node"})) return std::nullopt;
      return invalid(p);
    }
    if (is(field, "node") && (p.size() == 4 || (p.size() == 5 && is(p[4], "public_key")))) {
      return std::nullopt;
    }
    return invalid(p);
  }

  std::optional<RequestError> check_request_status(const Path& p) {
    if (p.size() < 2 || p.size() > 3) return invalid(p);
    if (p.size() == 3 &&
        !is_one_of(p[2], {"status", "reply", "reject_code", "reject_message", "error_code"})) {
      return invalid(p);
    }
    if (request_id_ && *request_id_ != p[1]) {
      return refuse(kBadRequest, "all /request_status paths of one request must name the same request id");
    }
    if (request_id_) return std::nullopt;  // checked with the first path
    request_id_ = p[1];
    auto it = state_.ingress_history.find(p[1]);
    // An unknown request id may be asked about by anyone: the answer proves its absence.
    if (it == state_.ingress_history.end()) return std::nullopt;
    const state::IngressStatus& s = it->second;
    if (s.user != sender_) {
      return refuse(kForbidden, "request ids can only be read by the sender of the request: " +
                                    show(p[1]) + " was sent by " + s.user.to_text());
    }
    if (request_.targets &&
        std::find(request_.targets->begin(), request_.targets->end(), s.receiver) == request_.targets->end()) {
      return refuse(kForbidden, "the request " + show(p[1]) + " is to canister " + s.receiver.to_text() +
                                    ", which this request's delegations do not target");
    }
    // The history keeps the receiver, not the effective canister id: a call to the management
    // canister may have been sent for any canister, so only calls to others are checked.
    const bool to_management = s.receiver == Principal::management_canister();
    if (scope_.subnet_endpoint ? !to_management : (!to_management && s.receiver != scope_.effective_id)) {
      return refuse(kForbidden, "the request " + show(p[1]) + " was sent to " + s.receiver.to_text() +
                                    ", not to the effective " +
                                    (scope_.subnet_endpoint ? "subnet " : "canister ") +
                                    scope_.effective_id.to_text() + " of this endpoint");
    }
    return std::nullopt;
  }

  std::optional<RequestError> check_canister(const Path& p) {
    if (p.size() < 3 || p.size() > 4) return invalid(p);
    if (scope_.subnet_endpoint) {
      return refuse(kBadRequest, show(p) + ": canister paths are read at "
                                           "/api/v3/canister/<canister_id>/read_state");
    }
    if (!bytes_equal(p[1], scope_.effective_id.bytes())) {
      return refuse(kBadRequest, show(p) + " names another canister than the effective canister id " +
                                     scope_.effective_id.to_text());
    }
    const Bytes& field = p[2];
    if (p.size() == 3 && is_one_of(field, {"module_hash", "controllers"})) return std::nullopt;
    if (p.size() == 3 && is(field, "certified_data")) {
      return refuse(kBadRequest, show(p) + " is not readable with read_state; canisters hand it out "
                                           "with ic0.data_certificate_copy");
    }
    if (p.size() != 4 || !is(field, "metadata")) return invalid(p);
    if (!is_valid_utf8(as_chars(p[3]))) {
      return refuse(kBadRequest, "the metadata name in " + show(p) + " is not UTF-8");
    }
    const state::CanisterState* c = state_.canister(scope_.effective_id);
    if (c == nullptr || !c->has_code() || !c->execution->wasm_binary) return std::nullopt;
    if (!metadata_) {
      auto m = state::parse_module_metadata(*c->execution->wasm_binary);
      metadata_ = m.ok() ? std::move(*m) : state::ModuleMetadata{};
    }
    auto it = metadata_->sections.find(std::string(as_chars(p[3])));
    if (it != metadata_->sections.end() && !it->second.is_public && !c->is_controller(sender_)) {
      return refuse(kForbidden, "the custom section icp:private " + it->first + " of " +
                                    c->id.to_text() + " can only be read by its controllers");
    }
    return std::nullopt;
  }

  bool flat_ranges_readable(ByteView subnet) const {
    return scope_.api_version == 2 || bytes_equal(subnet, scope_.root_subnet_id.bytes());
  }

  // Whether the request's endpoint lies in |subnet|: node keys and metrics are revealed only then.
  bool in_subnet(ByteView subnet) const {
    if (scope_.subnet_endpoint) return bytes_equal(scope_.effective_id.bytes(), subnet);
    Path ranges_path = {to_bytes("subnet"), Bytes(subnet.begin(), subnet.end()), to_bytes("canister_ranges")};
    LookupResult r = lookup_path(tree_, ranges_path);
    if (r.kind != LookupResult::Kind::kFound) return false;
    auto ranges = state::decode_canister_ranges(r.value);
    if (!ranges.ok()) return false;
    return std::any_of(ranges->begin(), ranges->end(), [&](const auto& range) {
      return range.first <= scope_.effective_id && scope_.effective_id <= range.second;
    });
  }

  bool revealed(ByteView subnet, ByteView field) const {
    if (is(field, "canister_ranges")) return flat_ranges_readable(subnet);
    if (is(field, "node") || is(field, "metrics")) return in_subnet(subnet);
    return true;
  }

  // A /subnet path with what the endpoint may not see taken out: prefixes become the paths of
  // the fields they may see.
  void expand_subnet_path(const Path& p, std::vector<Path>& out) const {
    if (p.size() >= 3) {
      if (revealed(p[1], p[2])) out.push_back(p);
      return;
    }
    const HashTree* subnets = child(tree_, as_bytes("subnet"));
    if (subnets == nullptr) {
      out.push_back(p);
      return;
    }
    std::vector<Bytes> ids;
    if (p.size() == 2) {
      ids.push_back(p[1]);
    } else {
      for (const HashTree* n : flatten_forks(*subnets)) {
        if (n->kind() == HashTree::Kind::kLabeled) ids.push_back(n->label());
      }
      if (ids.empty()) out.push_back(p);
    }
    for (const Bytes& id : ids) {
      const HashTree* s = child(*subnets, id);
      if (s == nullptr) {
        out.push_back({p[0], id});  // proves the subnet absent
        continue;
      }
      for (const HashTree* f : flatten_forks(*s)) {
        if (f->kind() == HashTree::Kind::kLabeled && revealed(id, f->label())) {
          out.push_back({p[0], id, f->label()});
        }
      }
    }
  }

  const ValidatedRequest& request_;
  const ReadStateScope& scope_;
  const state::ReplicatedState& state_;
  const HashTree& tree_;
  const Principal& sender_;
  std::optional<Bytes> request_id_;
  std::optional<Bytes> ranges_subnet_;
  std::optional<state::ModuleMetadata> metadata_;
};

}  // namespace

Bytes certificate_for_paths(const HashTree& tree, ByteView signature, std::span<const Path> paths) {
  std::vector<Path> with_time(paths.begin(), paths.end());
  with_time.push_back({to_bytes("time")});
  Certificate c;
  c.tree = prune(tree, with_time);
  c.signature = Bytes(signature.begin(), signature.end());
  return c.encode();
}

HttpResult<Bytes> answer_read_state(const ValidatedRequest& request, const ReadStateScope& scope,
                                    const state::ReplicatedState& state, const HashTree& tree,
                                    ByteView signature) {
  Checker checker(request, scope, state, tree);
  auto reveal = checker.run();
  if (!reveal.ok()) return reveal.error();
  cbor::Map body;
  body.emplace_back(cbor::Value::text("certificate"),
                    cbor::Value::bytes(certificate_for_paths(tree, signature, *reveal)));
  return cbor::encode_self_described(cbor::Value::map(std::move(body)));
}

}  // namespace chorus::http
