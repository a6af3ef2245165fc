#include "http/public_api.h"

#include <string_view>

#include "encoding/cbor.h"
#include "encoding/request_id.h"

namespace chorus::http {

namespace {

constexpr std::string_view kResponseDomain = "\x0B" "ic-response";

HttpResponse text_response(int status, std::string message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = to_bytes(message);
  return r;
}

HttpResponse cbor_response(int status, const cbor::Value& value) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/cbor";
  r.body = cbor::encode_self_described(value);
  return r;
}

HttpResponse error_response(const RequestError& e) { return text_response(e.http_status, e.message); }

cbor::Value text(std::string_view s) { return cbor::Value::text(std::string(s)); }

cbor::Value reject_body(uint32_t code, const std::string& message, const std::string& error_code,
                        bool with_status) {
  cbor::Map m;
  if (with_status) m.emplace_back(text("status"), text("non_replicated_rejection"));
  m.emplace_back(text("reject_code"), cbor::Value::uint(code));
  m.emplace_back(text("reject_message"), text(message));
  if (!error_code.empty()) m.emplace_back(text("error_code"), text(error_code));
  return cbor::Value::map(std::move(m));
}

}  // namespace

// The parsed request line: /api/<version>/<canister|subnet>/<id>/<endpoint>.
struct PublicApi::Route {
  int version = 0;
  bool subnet = false;
  Principal id;
  std::string endpoint;  // "call", "query", "read_state"
  std::string name;      // for metrics: "v4_canister_call" etc.
};

PublicApi::PublicApi(NodeServices& node, const Ed25519SigningKey& node_key, PublicApiOptions options,
                     metrics::Registry* metrics, std::function<std::string()> render_metrics)
    : node_(node),
      node_key_(node_key),
      node_id_(Principal::self_authenticating(node_key.public_key().to_der())),
      options_(std::move(options)),
      metrics_(metrics),
      render_metrics_(std::move(render_metrics)) {}

void PublicApi::count(const std::string& endpoint, int status) {
  if (metrics_ == nullptr) return;
  metrics_
      ->counter("chorus_http_requests_total", "HTTP requests answered, by endpoint and status.",
                {{"endpoint", endpoint}, {"status", std::to_string(status)}})
      .inc();
}

void PublicApi::handle(HttpRequest request, Responder respond) {
  std::string_view target = request.target;
  if (size_t q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);

  if (target == "/api/v2/status") {
    if (request.method != "GET" && request.method != "HEAD") {
      count("status", 405);
      return respond(text_response(405, "use GET for /api/v2/status"));
    }
    return serve_status(respond);
  }
  if (target == "/metrics" && render_metrics_) {
    HttpResponse r = text_response(200, render_metrics_());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return respond(std::move(r));
  }
  if (target == "/healthz") {
    NodeStatus s = node_.status();
    return respond(text_response(s.healthy ? 200 : 503, s.healthy ? "healthy\n" : "starting\n"));
  }

  // /api/vN/(canister|subnet)/<id>/(call|query|read_state)
  Route route;
  std::string_view rest = target;
  auto next = [&rest]() -> std::string_view {
    if (rest.empty() || rest[0] != '/') return {};
    rest.remove_prefix(1);
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    return part;
  };
  std::string_view api = next(), version = next(), kind = next(), id = next(), endpoint = next();
  bool shape = api == "api" && rest.empty() && !endpoint.empty() &&
               (kind == "canister" || kind == "subnet") &&
               (version == "v2" || version == "v3" || version == "v4");
  if (shape) {
    route.version = version[1] - '0';
    route.subnet = kind == "subnet";
    route.endpoint = std::string(endpoint);
    // The endpoints of the spec, and nothing else (a 404 on v4 tells agents to fall back).
    bool known = (route.endpoint == "call" && (route.subnet ? route.version == 4 : true)) ||
                 (route.endpoint == "query" && (route.subnet ? route.version == 3 : route.version <= 3)) ||
                 (route.endpoint == "read_state" && route.version <= 3);
    shape = known;
  }
  if (!shape) {
    count("unknown", 404);
    return respond(text_response(404, "no such endpoint: " + std::string(target)));
  }
  route.name = "v" + std::to_string(route.version) + (route.subnet ? "_subnet_" : "_canister_") +
               route.endpoint;
  if (request.method != "POST") {
    count(route.name, 405);
    return respond(text_response(405, "use POST for " + std::string(target)));
  }
  auto principal = Principal::from_text(id);
  if (!principal.ok()) {
    count(route.name, 400);
    return respond(text_response(400, "invalid " + std::string(kind) + " id in the URL: " +
                                          principal.error().message()));
  }
  route.id = *principal;
  if (route.subnet && route.id != node_.subnet_id()) {
    count(route.name, 404);
    return respond(text_response(404, "subnet " + route.id.to_text() + " is not served here (this is " +
                                          node_.subnet_id().to_text() + ")"));
  }
  if (route.endpoint == "call") return serve_call(route, request, std::move(respond));
  if (route.endpoint == "query") return serve_query(route, request, respond);
  return serve_read_state(route, request, respond);
}

void PublicApi::refuse(const Route& route, Responder& respond, const RequestError& error) {
  count(route.name, error.http_status);
  respond(error_response(error));
}

std::string PublicApi::not_hosted(const Principal& canister) {
  return "canister " + canister.to_text() + " is not in the canister ranges of subnet " +
         node_.subnet_id().to_text();
}

HttpResult<ValidatedRequest> PublicApi::validate_for(const Route& route, Envelope envelope) {
  NodeStatus status = node_.status();
  return validate(std::move(envelope), route.id, node_.now_nanos(),
                  ByteView(status.root_key_der).last(96), options_.validation);
}

void PublicApi::serve_status(Responder& respond) {
  NodeStatus s = node_.status();
  cbor::Map m;
  m.emplace_back(text("ic_api_version"), text("0.18.0"));
  m.emplace_back(text("impl_version"), text(options_.impl_version));
  m.emplace_back(text("root_key"), cbor::Value::bytes(s.root_key_der));
  m.emplace_back(text("replica_health_status"), text(s.healthy ? "healthy" : "starting"));
  m.emplace_back(text("certified_height"), cbor::Value::uint(s.certified_height));
  count("status", 200);
  respond(cbor_response(200, cbor::Value::map(std::move(m))));
}

void PublicApi::serve_call(const Route& route, const HttpRequest& request, Responder respond) {
  auto envelope = decode_request(request.body, RequestType::kCall, options_.limits);
  if (!envelope.ok()) return refuse(route, respond, envelope.error());
  const RequestContent& c = envelope->content;
  bool creates = c.canister_id == Principal::management_canister() &&
                 (c.method_name == "create_canister" ||
                  c.method_name == "provisional_create_canister_with_cycles");
  if (route.subnet && !creates) {
    return refuse(route, respond, {400, "the subnet call endpoint takes only create_canister and "
                                        "provisional_create_canister_with_cycles on aaaaa-aa"});
  }
  if (!route.subnet && !creates && !node_.hosts(route.id)) {
    return refuse(route, respond, {400, not_hosted(route.id)});
  }
  auto validated = validate_for(route, std::move(*envelope));
  if (!validated.ok()) return refuse(route, respond, validated.error());
  bool sync = route.version >= 3;
  std::string name = route.name;
  node_.submit_call(to_ingress(*validated), sync,
                    [this, sync, name, respond = std::move(respond)](CallAnswer a) mutable {
                      switch (a.kind) {
                        case CallAnswer::Kind::kAccepted: {
                          count(name, 202);
                          HttpResponse r;
                          r.status = 202;
                          return respond(std::move(r));
                        }
                        case CallAnswer::Kind::kCertified: {
                          cbor::Map m;
                          m.emplace_back(text("status"), text("replied"));
                          m.emplace_back(text("certificate"), cbor::Value::bytes(std::move(a.certificate)));
                          count(name, 200);
                          return respond(cbor_response(200, cbor::Value::map(std::move(m))));
                        }
                        case CallAnswer::Kind::kRejected:
                          count(name, 200);
                          return respond(cbor_response(
                              200, reject_body(a.reject_code, a.reject_message, a.error_code, sync)));
                        case CallAnswer::Kind::kError:
                          count(name, a.http_status);
                          return respond(text_response(a.http_status, a.reject_message));
                      }
                    });
}

void PublicApi::serve_query(const Route& route, const HttpRequest& request, Responder& respond) {
  auto envelope = decode_request(request.body, RequestType::kQuery, options_.limits);
  if (!envelope.ok()) return refuse(route, respond, envelope.error());
  const RequestContent& c = envelope->content;
  if (route.subnet && !(c.canister_id == Principal::management_canister() && c.method_name == "list_canisters")) {
    return refuse(route, respond, {400, "the subnet query endpoint takes only list_canisters on aaaaa-aa"});
  }
  if (!route.subnet && c.canister_id != Principal::management_canister() && !node_.hosts(route.id)) {
    return refuse(route, respond, {400, not_hosted(route.id)});
  }
  auto validated = validate_for(route, std::move(*envelope));
  if (!validated.ok()) return refuse(route, respond, validated.error());
  const RequestContent& q = validated->envelope.content;
  state::Ingress query;
  query.source = q.sender;
  query.receiver = q.canister_id;
  query.method = q.method_name;
  query.payload = q.arg;
  query.message_id.assign(validated->envelope.request_id.begin(), validated->envelope.request_id.end());
  query.expiry = q.ingress_expiry;
  query.effective_canister_id = validated->effective_canister_id;
  execution::QueryResponse response = node_.query(query);
  count(route.name, 200);
  respond(sign_query_response(*validated, response));
}

void PublicApi::serve_read_state(const Route& route, const HttpRequest& request, Responder& respond) {
  auto envelope = decode_request(request.body, RequestType::kReadState, options_.limits);
  if (!envelope.ok()) return refuse(route, respond, envelope.error());
  if (!route.subnet && !node_.hosts(route.id)) {
    return refuse(route, respond, {400, not_hosted(route.id)});
  }
  auto validated = validate_for(route, std::move(*envelope));
  if (!validated.ok()) return refuse(route, respond, validated.error());
  ReadStateScope scope;
  scope.subnet_endpoint = route.subnet;
  scope.effective_id = route.id;
  scope.api_version = route.version;
  scope.root_subnet_id = node_.subnet_id();
  auto body = node_.read_state(*validated, scope);
  if (!body.ok()) return refuse(route, respond, body.error());
  HttpResponse r;
  r.status = 200;
  r.content_type = "application/cbor";
  r.body = std::move(*body);
  count(route.name, 200);
  respond(std::move(r));
}

Bytes signed_query_response_body(const Bytes& request_id, const execution::QueryResponse& response,
                                 uint64_t timestamp_nanos, const Ed25519SigningKey& node_key,
                                 const Principal& node_id) {
  // The signed map: the response's fields without signatures, plus timestamp and request_id.
  cbor::Map fields;
  if (response.replied) {
    fields.emplace_back(text("status"), text("replied"));
    cbor::Map reply;
    reply.emplace_back(text("arg"), cbor::Value::bytes(response.reply));
    fields.emplace_back(text("reply"), cbor::Value::map(std::move(reply)));
  } else {
    fields.emplace_back(text("status"), text("rejected"));
    fields.emplace_back(text("reject_code"), cbor::Value::uint(static_cast<uint32_t>(response.reject_code)));
    fields.emplace_back(text("reject_message"), text(response.reject_message));
    fields.emplace_back(text("error_code"), text(response.error_code));
  }
  cbor::Map signed_map = fields;
  signed_map.emplace_back(text("timestamp"), cbor::Value::uint(timestamp_nanos));
  signed_map.emplace_back(text("request_id"), cbor::Value::bytes(request_id));
  auto digest = hash_of_map(cbor::Value::map(std::move(signed_map)));
  Bytes message = to_bytes(kResponseDomain);
  // hash_of_map cannot fail on a map built here from texts, blobs and naturals.
  message.insert(message.end(), digest->begin(), digest->end());
  cbor::Map signature;
  signature.emplace_back(text("timestamp"), cbor::Value::uint(timestamp_nanos));
  signature.emplace_back(text("signature"), cbor::Value::bytes(node_key.sign(message)));
  signature.emplace_back(text("identity"), cbor::Value::bytes(node_id.bytes()));
  fields.emplace_back(text("signatures"), cbor::Value::array({cbor::Value::map(std::move(signature))}));
  return cbor::encode_self_described(cbor::Value::map(std::move(fields)));
}

HttpResponse PublicApi::sign_query_response(const ValidatedRequest& request,
                                            const execution::QueryResponse& response) {
  HttpResponse r;
  r.status = 200;
  r.content_type = "application/cbor";
  Bytes id(request.envelope.request_id.begin(), request.envelope.request_id.end());
  r.body = signed_query_response_body(id, response, node_.now_nanos(), node_key_, node_id_);
  return r;
}

}  // namespace chorus::http
