#include "http/request.h"

#include <algorithm>
#include <initializer_list>

namespace chorus::http {
namespace {

using cbor::Value;

RequestError bad(std::string message) { return RequestError{kBadRequest, std::move(message)}; }
RequestError bad(const Error& e) { return bad(e.message()); }

// Refuses map keys that are not text or not in |allowed|. Duplicates are refused by the CBOR
// decoder already.
HttpResult<bool> check_fields(const cbor::Map& map, std::string_view what,
                              std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : map) {
    if (!k.is(cbor::Type::kText)) return bad(std::string(what) + ": map keys must be text");
    if (std::find(allowed.begin(), allowed.end(), k.text_value()) == allowed.end()) {
      return bad(std::string(what) + ": unknown field '" + k.text_value() + "'");
    }
  }
  return true;
}

HttpResult<const Value*> required(const Value& map, std::string_view what, std::string_view key) {
  const Value* v = map.find(key);
  if (v == nullptr) return bad(std::string(what) + ": missing field '" + std::string(key) + "'");
  return v;
}

HttpResult<uint64_t> nat64(const Value& v, std::string_view what) {
  auto n = v.as_nat(what);
  if (!n.ok()) return bad(n.error());
  auto u = n->to_u64();
  if (!u) return bad(std::string(what) + ": does not fit in 64 bits");
  return *u;
}

HttpResult<Bytes> blob(const Value& v, std::string_view what) {
  auto b = v.as_bytes(what);
  if (!b.ok()) return bad(b.error());
  return Bytes(b->begin(), b->end());
}

HttpResult<Principal> principal(const Value& v, std::string_view what) {
  auto b = v.as_bytes(what);
  if (!b.ok()) return bad(b.error());
  auto p = Principal::from_bytes(*b);
  if (!p.ok()) return bad(p.error().with_context(what));
  return *p;
}

#define HTTP_ASSIGN_OR_RETURN(lhs, expr) \
  HTTP_ASSIGN_OR_RETURN_IMPL(CHORUS_CONCAT(http_result_, __LINE__), lhs, expr)
#define HTTP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  lhs = std::move(tmp).value()

HttpResult<SenderInfo> decode_sender_info(const Value& v) {
  auto map = v.as_map("sender_info");
  if (!map.ok()) return bad(map.error());
  HTTP_ASSIGN_OR_RETURN(auto unused, check_fields(**map, "sender_info", {"info", "signer", "sig"}));
  (void)unused;
  SenderInfo out;
  HTTP_ASSIGN_OR_RETURN(const Value* info, required(v, "sender_info", "info"));
  HTTP_ASSIGN_OR_RETURN(out.info, blob(*info, "sender_info.info"));
  HTTP_ASSIGN_OR_RETURN(const Value* signer, required(v, "sender_info", "signer"));
  HTTP_ASSIGN_OR_RETURN(out.signer, principal(*signer, "sender_info.signer"));
  HTTP_ASSIGN_OR_RETURN(const Value* sig, required(v, "sender_info", "sig"));
  HTTP_ASSIGN_OR_RETURN(out.sig, blob(*sig, "sender_info.sig"));
  return out;
}

HttpResult<RequestContent> decode_content(const Value& v, RequestType expected,
                                          const RequestLimits& limits) {
  auto map = v.as_map("content");
  if (!map.ok()) return bad(map.error());
  RequestContent out;
  HTTP_ASSIGN_OR_RETURN(const Value* type, required(v, "content", "request_type"));
  auto type_text = type->as_text("content.request_type");
  if (!type_text.ok()) return bad(type_text.error());
  if (*type_text != request_type_name(expected)) {
    return bad("content.request_type is '" + std::string(*type_text) + "', but this endpoint takes '" +
               std::string(request_type_name(expected)) + "' requests");
  }
  out.type = expected;
  if (expected == RequestType::kReadState) {
    HTTP_ASSIGN_OR_RETURN(auto unused, check_fields(**map, "content",
        {"request_type", "sender", "nonce", "ingress_expiry", "paths"}));
    (void)unused;
  } else {
    HTTP_ASSIGN_OR_RETURN(auto unused, check_fields(**map, "content",
        {"request_type", "sender", "nonce", "ingress_expiry", "canister_id", "method_name", "arg",
         "sender_info"}));
    (void)unused;
  }
  HTTP_ASSIGN_OR_RETURN(const Value* sender, required(v, "content", "sender"));
  HTTP_ASSIGN_OR_RETURN(out.sender, principal(*sender, "content.sender"));
  if (const Value* nonce = v.find("nonce")) {
    HTTP_ASSIGN_OR_RETURN(Bytes n, blob(*nonce, "content.nonce"));
    if (n.size() > limits.max_nonce_bytes) {
      return bad("content.nonce has " + std::to_string(n.size()) + " bytes, at most " +
                 std::to_string(limits.max_nonce_bytes) + " are allowed");
    }
    out.nonce = std::move(n);
  }
  HTTP_ASSIGN_OR_RETURN(const Value* expiry, required(v, "content", "ingress_expiry"));
  HTTP_ASSIGN_OR_RETURN(out.ingress_expiry, nat64(*expiry, "content.ingress_expiry"));

  if (expected == RequestType::kReadState) {
    HTTP_ASSIGN_OR_RETURN(const Value* paths, required(v, "content", "paths"));
    auto list = paths->as_array("content.paths");
    if (!list.ok()) return bad(list.error());
    if ((*list)->size() > limits.max_paths) {
      return bad("content.paths has " + std::to_string((*list)->size()) + " paths, at most " +
                 std::to_string(limits.max_paths) + " are allowed");
    }
    for (const Value& p : **list) {
      auto labels = p.as_array("a path of content.paths");
      if (!labels.ok()) return bad(labels.error());
      if ((*labels)->size() > limits.max_path_labels) {
        return bad("a path of content.paths has " + std::to_string((*labels)->size()) +
                   " labels, at most " + std::to_string(limits.max_path_labels) + " are allowed");
      }
      std::vector<Bytes> path;
      for (const Value& l : **labels) {
        HTTP_ASSIGN_OR_RETURN(Bytes label, blob(l, "a label of content.paths"));
        path.push_back(std::move(label));
      }
      out.paths.push_back(std::move(path));
    }
    return out;
  }
  HTTP_ASSIGN_OR_RETURN(const Value* cid, required(v, "content", "canister_id"));
  HTTP_ASSIGN_OR_RETURN(out.canister_id, principal(*cid, "content.canister_id"));
  HTTP_ASSIGN_OR_RETURN(const Value* method, required(v, "content", "method_name"));
  auto method_text = method->as_text("content.method_name");
  if (!method_text.ok()) return bad(method_text.error());
  out.method_name = std::string(*method_text);
  HTTP_ASSIGN_OR_RETURN(const Value* arg, required(v, "content", "arg"));
  HTTP_ASSIGN_OR_RETURN(out.arg, blob(*arg, "content.arg"));
  if (out.arg.size() > limits.max_arg_bytes) {
    return RequestError{kPayloadTooLarge, "content.arg has " + std::to_string(out.arg.size()) +
                                              " bytes, more than the limit of " +
                                              std::to_string(limits.max_arg_bytes)};
  }
  if (const Value* info = v.find("sender_info")) {
    // The spec allows sender_info to be null (absent in effect).
    if (!info->is(cbor::Type::kNull)) {
      HTTP_ASSIGN_OR_RETURN(out.sender_info, decode_sender_info(*info));
    }
  }
  return out;
}

HttpResult<SignedDelegation> decode_delegation(const Value& v, const RequestLimits& limits) {
  auto map = v.as_map("sender_delegation entry");
  if (!map.ok()) return bad(map.error());
  HTTP_ASSIGN_OR_RETURN(auto unused,
                        check_fields(**map, "sender_delegation entry", {"delegation", "signature"}));
  (void)unused;
  SignedDelegation out;
  HTTP_ASSIGN_OR_RETURN(const Value* sig, required(v, "sender_delegation entry", "signature"));
  HTTP_ASSIGN_OR_RETURN(out.signature, blob(*sig, "sender_delegation.signature"));
  HTTP_ASSIGN_OR_RETURN(const Value* d, required(v, "sender_delegation entry", "delegation"));
  auto dmap = d->as_map("delegation");
  if (!dmap.ok()) return bad(dmap.error());
  HTTP_ASSIGN_OR_RETURN(auto unused2, check_fields(**dmap, "delegation",
                                                   {"pubkey", "expiration", "targets", "permissions"}));
  (void)unused2;
  HTTP_ASSIGN_OR_RETURN(const Value* pubkey, required(*d, "delegation", "pubkey"));
  HTTP_ASSIGN_OR_RETURN(out.delegation.pubkey, blob(*pubkey, "delegation.pubkey"));
  HTTP_ASSIGN_OR_RETURN(const Value* exp, required(*d, "delegation", "expiration"));
  HTTP_ASSIGN_OR_RETURN(out.delegation.expiration, nat64(*exp, "delegation.expiration"));
  if (const Value* targets = d->find("targets")) {
    auto list = targets->as_array("delegation.targets");
    if (!list.ok()) return bad(list.error());
    if ((*list)->size() > limits.max_delegation_targets) {
      return bad("delegation.targets has " + std::to_string((*list)->size()) +
                 " entries, at most " + std::to_string(limits.max_delegation_targets) +
                 " are allowed");
    }
    std::vector<Principal> ts;
    for (const Value& t : **list) {
      HTTP_ASSIGN_OR_RETURN(Principal p, principal(t, "delegation.targets entry"));
      ts.push_back(p);
    }
    out.delegation.targets = std::move(ts);
  }
  if (const Value* perms = d->find("permissions")) {
    auto text = perms->as_text("delegation.permissions");
    if (!text.ok()) return bad(text.error());
    out.delegation.permissions = std::string(*text);
  }
  auto hash = hash_of_map(*d);
  if (!hash.ok()) return bad(hash.error().with_context("delegation"));
  out.delegation_hash = *hash;
  return out;
}

}  // namespace

std::string_view request_type_name(RequestType type) {
  switch (type) {
    case RequestType::kCall: return "call";
    case RequestType::kQuery: return "query";
    case RequestType::kReadState: return "read_state";
  }
  return "?";
}

HttpResult<Envelope> decode_request(ByteView body, RequestType expected,
                                    const RequestLimits& limits) {
  if (body.size() > limits.max_body_bytes) {
    return RequestError{kPayloadTooLarge, "request body of " + std::to_string(body.size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(limits.max_body_bytes)};
  }
  cbor::DecodeLimits cbor_limits;
  cbor_limits.max_bytes = limits.max_body_bytes;
  // Envelopes are shallow: content.paths is the deepest part, at depth 4 (plus tags).
  cbor_limits.max_depth = 16;
  auto decoded = cbor::decode(body, cbor_limits);
  if (!decoded.ok()) return bad(decoded.error().with_context("request body is not valid CBOR"));
  const Value& root = decoded->without_self_describe();
  auto map = root.as_map("request envelope");
  if (!map.ok()) return bad(map.error());
  HTTP_ASSIGN_OR_RETURN(auto unused, check_fields(**map, "request envelope",
      {"content", "sender_pubkey", "sender_sig", "sender_delegation"}));
  (void)unused;

  Envelope out;
  HTTP_ASSIGN_OR_RETURN(const Value* content, required(root, "request envelope", "content"));
  HTTP_ASSIGN_OR_RETURN(out.content, decode_content(*content, expected, limits));
  auto id = request_id(*content);
  if (!id.ok()) return bad(id.error().with_context("content"));
  out.request_id = *id;

  if (const Value* pk = root.find("sender_pubkey")) {
    HTTP_ASSIGN_OR_RETURN(out.sender_pubkey, blob(*pk, "sender_pubkey"));
  }
  if (const Value* sig = root.find("sender_sig")) {
    HTTP_ASSIGN_OR_RETURN(out.sender_sig, blob(*sig, "sender_sig"));
  }
  if (const Value* dels = root.find("sender_delegation")) {
    auto list = dels->as_array("sender_delegation");
    if (!list.ok()) return bad(list.error());
    if ((*list)->size() > limits.max_delegations) {
      return bad("sender_delegation has " + std::to_string((*list)->size()) +
                 " delegations, at most " + std::to_string(limits.max_delegations) +
                 " are allowed");
    }
    std::vector<SignedDelegation> chain;
    for (const Value& d : **list) {
      HTTP_ASSIGN_OR_RETURN(SignedDelegation sd, decode_delegation(d, limits));
      chain.push_back(std::move(sd));
    }
    out.sender_delegation = std::move(chain);
  }
  return out;
}

}  // namespace chorus::http
