// The public HTTP interface of a replica (interface spec, "HTTPS Interface"): routes each request
// to its endpoint, decodes and validates the envelope, hands the work to the node behind it, and
// writes the spec's CBOR answers. Everything a node must decide (the ingress pool, execution,
// certified state) sits behind NodeServices; this layer holds no state of its own but counters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/metrics.h"
#include "crypto/signing_key.h"
#include "execution/execution_environment.h"
#include "http/read_state.h"
#include "http/request.h"
#include "http/request_validation.h"
#include "http/server.h"

namespace chorus::http {

// How a call was answered by the node.
struct CallAnswer {
  enum class Kind {
    kAccepted,   // 202: in the pool (v2: durably in a batch) or not done before the timeout (v3/v4)
    kCertified,  // 200 {status: "replied", certificate} (v3/v4)
    kRejected,   // 200 non-replicated rejection (inspect_message, unknown canister, ...)
    kError,      // an HTTP error status with a message (e.g. 503 while shutting down)
  };
  Kind kind = Kind::kAccepted;
  Bytes certificate;  // kCertified: CBOR certificate with /time and /request_status/<id>
  uint32_t reject_code = 0;
  std::string reject_message;
  std::string error_code;
  int http_status = 0;  // kError
};

struct NodeStatus {
  Bytes root_key_der;
  bool healthy = false;
  uint64_t certified_height = 0;
};

// What the HTTP interface needs from the node. Implementations are thread-safe: the server calls
// them from several threads at once.
class NodeServices {
 public:
  virtual ~NodeServices() = default;
  virtual NodeStatus status() = 0;
  // Wall-clock time, for ingress_expiry checks and query-response timestamps.
  virtual uint64_t now_nanos() = 0;
  // The subnet this node serves and whether |canister| lies in its canister ranges.
  virtual Principal subnet_id() = 0;
  virtual bool hosts(const Principal& canister) = 0;
  // Admits |ingress| (inspect_message, duplicates) and answers through |done| exactly once:
  // with |wait_for_certificate| false once the batch carrying it is durable, otherwise once its
  // outcome is certified or the node's timeout passes.
  virtual void submit_call(state::Ingress ingress, bool wait_for_certificate,
                           std::function<void(CallAnswer)> done) = 0;
  virtual execution::QueryResponse query(const state::Ingress& query) = 0;
  virtual HttpResult<Bytes> read_state(const ValidatedRequest& request,
                                       const ReadStateScope& scope) = 0;
};

struct PublicApiOptions {
  RequestLimits limits;
  ValidationOptions validation;
  std::string impl_version = "chorus";
};

class PublicApi {
 public:
  // |node_key| signs query responses; the node id is its self-authenticating principal.
  // |metrics| may be null.
  PublicApi(NodeServices& node, const Ed25519SigningKey& node_key, PublicApiOptions options,
            metrics::Registry* metrics, std::function<std::string()> render_metrics = {});

  // The server's handler: answers every request exactly once through |respond|.
  void handle(HttpRequest request, Responder respond);

  // The node id under which query responses are signed.
  const Principal& node_id() const { return node_id_; }

 private:
  struct Route;
  void serve_status(Responder& respond);
  void serve_call(const Route& route, const HttpRequest& request, Responder respond);
  void serve_query(const Route& route, const HttpRequest& request, Responder& respond);
  void serve_read_state(const Route& route, const HttpRequest& request, Responder& respond);
  HttpResponse sign_query_response(const ValidatedRequest& request,
                                   const execution::QueryResponse& response);
  void count(const std::string& endpoint, int status);
  // Answers |error| (counted under the route's endpoint).
  void refuse(const Route& route, Responder& respond, const RequestError& error);
  std::string not_hosted(const Principal& canister);
  // validate() at the route's effective id with the node's clock and root key.
  HttpResult<ValidatedRequest> validate_for(const Route& route, Envelope envelope);

  NodeServices& node_;
  const Ed25519SigningKey& node_key_;
  Principal node_id_;
  PublicApiOptions options_;
  metrics::Registry* metrics_;
  std::function<std::string()> render_metrics_;
};

// The body of a query response (status, reply or reject, signatures), signed by |node_key| over
// "\x0Bic-response" · hash_of_map of the response without signatures (interface spec, "Query
// response signatures"). Exposed for tests.
Bytes signed_query_response_body(const Bytes& request_id, const execution::QueryResponse& response,
                                 uint64_t timestamp_nanos, const Ed25519SigningKey& node_key,
                                 const Principal& node_id);

}  // namespace chorus::http
