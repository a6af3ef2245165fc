// The requests of the replica's HTTP interface (interface spec, "HTTPS Interface"): the CBOR
// envelope {content, sender_pubkey?, sender_sig?, sender_delegation?} of a call, query or
// read_state, decoded strictly from untrusted bytes. Decoding checks shape, types and size limits
// only; request_validation.h checks signatures, expiry and the effective canister id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "encoding/cbor.h"
#include "encoding/principal.h"
#include "encoding/request_id.h"

namespace chorus::http {

// HTTP status codes the request path answers with.
inline constexpr int kBadRequest = 400;
inline constexpr int kForbidden = 403;
inline constexpr int kPayloadTooLarge = 413;

// A refused request: the HTTP status to answer with and a message for the client (the body).
struct RequestError {
  int http_status = kBadRequest;
  std::string message;
};

// Like Result<T>, but the error carries an HTTP status.
template <typename T>
class [[nodiscard]] HttpResult {
 public:
  HttpResult(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  HttpResult(RequestError error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // REQUIRES: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // REQUIRES: !ok().
  const RequestError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, RequestError> v_;
};

enum class RequestType { kCall, kQuery, kReadState };
std::string_view request_type_name(RequestType type);  // "call", "query", "read_state"

// The interface spec's limits on requests (ic-spec-checklist §A.2, §A.8).
struct RequestLimits {
  size_t max_body_bytes = 5 * 1024 * 1024;  // the replica's HTTP body limit; 413 beyond
  size_t max_arg_bytes = 2 * 1024 * 1024;   // the ingress payload limit; 413 beyond
  size_t max_nonce_bytes = 32;
  size_t max_delegations = 20;
  size_t max_delegation_targets = 1000;
  size_t max_paths = 1000;
  size_t max_path_labels = 127;
};

// sender_info (interface spec 0.59): only meaningful with a canister-signature sender key.
struct SenderInfo {
  Bytes info;
  Principal signer;
  Bytes sig;
};

struct RequestContent {
  RequestType type = RequestType::kCall;
  Principal sender;
  std::optional<Bytes> nonce;
  uint64_t ingress_expiry = 0;  // ns since 1970
  // call and query:
  Principal canister_id;
  std::string method_name;
  Bytes arg;
  std::optional<SenderInfo> sender_info;
  // read_state: each path a list of labels.
  std::vector<std::vector<Bytes>> paths;
};

struct Delegation {
  Bytes pubkey;          // DER
  uint64_t expiration = 0;  // ns since 1970
  std::optional<std::vector<Principal>> targets;
  std::optional<std::string> permissions;  // "queries", "all" or anything else (refused later)
};

struct SignedDelegation {
  Delegation delegation;
  Bytes signature;
  // hash_of_map of the delegation map as sent: what the signature signs after the separator.
  Sha256Digest delegation_hash{};
};

struct Envelope {
  RequestContent content;
  std::optional<Bytes> sender_pubkey;
  std::optional<Bytes> sender_sig;
  std::optional<std::vector<SignedDelegation>> sender_delegation;
  RequestId request_id{};  // hash_of_map(content) of the content map as sent
};

// Decodes a request body for an endpoint of |expected| type. The self-describe tag is optional.
// Refuses, with 413, a body or arg over |limits|; with 400, anything that is not CBOR, not the
// envelope's shape, a content of another request_type, a missing, mistyped, duplicate or unknown
// field, and the other limits (nonce, principals, delegations, paths).
HttpResult<Envelope> decode_request(ByteView body, RequestType expected,
                                    const RequestLimits& limits = {});

// The domain separators of signed requests (ic-spec-checklist §A.4).
inline constexpr std::string_view kRequestDomain = "\x0A" "ic-request";
inline constexpr std::string_view kDelegationDomain = "\x1A" "ic-request-auth-delegation";
inline constexpr std::string_view kSenderInfoDomain = "\x0E" "ic-sender-info";

}  // namespace chorus::http
