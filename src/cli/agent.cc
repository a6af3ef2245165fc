#include "cli/agent.h"

#include <openssl/rand.h>

#include <cstdio>
#include <map>
#include <thread>

#include "base/hex.h"
#include "crypto/certificate.h"
#include "crypto/public_key.h"
#include "crypto/sha2.h"
#include "crypto/signature_primitives.h"
#include "encoding/candid_struct.h"
#include "execution/management_records.h"
#include "encoding/cbor.h"
#include "encoding/hash_tree.h"
#include "encoding/request_id.h"
#include "http/client.h"

namespace chorus::cli {

using cbor::Value;

namespace {

using execution::CanisterIdRecord;
using execution::ProvisionalCreate;

constexpr std::string_view kRequestDomain = "\x0A" "ic-request";
constexpr std::string_view kResponseDomain = "\x0B" "ic-response";
// How far in the future requests expire (the replica accepts up to five minutes).
constexpr uint64_t kExpiryNanos = 4ull * 60 * 1'000'000'000;

uint64_t wall_nanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Value text(std::string s) { return Value::text(std::move(s)); }

std::string reject_code_name(uint32_t code) {
  switch (code) {
    case 1: return "SYS_FATAL";
    case 2: return "SYS_TRANSIENT";
    case 3: return "DESTINATION_INVALID";
    case 4: return "CANISTER_REJECT";
    case 5: return "CANISTER_ERROR";
    case 6: return "SYS_UNKNOWN";
    default: return "UNKNOWN";
  }
}

Error call_error(CallError e) { return Error(e.describe()); }

std::string body_text(const Bytes& body) {
  std::string s(body.begin(), body.end());
  if (s.size() > 2000) s = s.substr(0, 2000) + "…";
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// The certified tree holds reject codes and /time as LEB128 nats.
uint64_t read_leb_u64(ByteView b) {
  uint64_t v = 0;
  int shift = 0;
  for (uint8_t byte : b) {
    if (shift > 63) break;
    v |= uint64_t(byte & 0x7f) << shift;
    shift += 7;
    if (!(byte & 0x80)) break;
  }
  return v;
}
uint32_t read_leb_u32(ByteView b) { return static_cast<uint32_t>(read_leb_u64(b)); }

// How far a certificate's /time may be from this machine's clock: older ones could be replays.
constexpr uint64_t kMaxCertificateSkewNanos = 5ull * 60 * 1'000'000'000;

std::string lookup_text(const HashTree& tree, const std::vector<Bytes>& path) {
  auto r = lookup_path(tree, path);
  return r.kind == LookupResult::Kind::kFound ? std::string(as_chars(r.value)) : std::string();
}

}  // namespace

std::string CallError::describe() const {
  if (reject_code != 0) {
    std::string s = "the call was rejected (reject code " + std::to_string(reject_code) + " " +
                    reject_code_name(reject_code);
    if (!error_code.empty()) s += ", " + error_code;
    s += "): " + reject_message;
    return s;
  }
  if (http_status != 0) {
    std::string s = "the replica refused the request (HTTP " + std::to_string(http_status) + ")";
    if (!http_body.empty()) s += ": " + http_body;
    return s;
  }
  return reject_message.empty() ? "the request failed" : reject_message;
}

struct Agent::Impl {
  AgentOptions options;
  Identity identity;
  std::string host;
  uint16_t port = 0;
  std::string base_path;  // a URL path prefix, usually empty
  std::unique_ptr<http::HttpClient> client;
  Bytes root_key_der;
  // Node keys certified for the subnet, by node id bytes.
  std::map<Bytes, Bytes> node_keys;

  ByteView raw_root_key() const {
    return root_key_der.size() >= 96 ? ByteView(root_key_der).last(96) : ByteView();
  }

  void trace(const std::string& line) const {
    if (options.verbose) std::fprintf(stderr, "%s\n", line.c_str());
  }

  std::string unreachable() const {
    return "no replica answers at " + options.url + " — start one with `chorus start`, or pass --network URL";
  }

  Result<http::HttpResponse> send(const std::string& method, const std::string& path, ByteView body,
                                  const std::string& what) {
    std::string target = base_path + path;
    trace("→ " + method + " " + target + (what.empty() ? "" : " (" + what + ")") +
          (body.empty() ? "" : ", " + std::to_string(body.size()) + " bytes"));
    http::HeaderList headers;
    if (!body.empty()) headers.push_back({"content-type", "application/cbor"});
    auto r = client->request(method, target, headers, body,
                             std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout));
    if (!r.ok()) {
      trace("← " + r.error().message());
      return Error(unreachable() + " (" + r.error().message() + ")");
    }
    trace("← " + std::to_string(r->status) + ", " + std::to_string(r->body.size()) + " bytes");
    return r;
  }

  // The signed (or anonymous) envelope of |content|, self-described CBOR.
  Bytes envelope(cbor::Map content, RequestId* id_out) const {
    Value c = Value::map(std::move(content));
    RequestId id = *request_id(c);  // our own content: text keys, hashable values
    if (id_out) *id_out = id;
    cbor::Map env{{text("content"), c}};
    if (!identity.is_anonymous()) {
      Bytes message(kRequestDomain.begin(), kRequestDomain.end());
      append(message, id);
      env.push_back({text("sender_pubkey"), Value::bytes(identity.public_key_der())});
      env.push_back({text("sender_sig"), Value::bytes(identity.sign(message))});
    }
    return cbor::encode_self_described(Value::map(std::move(env)));
  }

  cbor::Map call_content(const std::string& type, const Principal& canister, const std::string& method,
                         ByteView arg) const {
    cbor::Map m{
        {text("request_type"), text(type)},
        {text("sender"), Value::bytes(identity.principal().bytes())},
        {text("ingress_expiry"), Value::uint(wall_nanos() + kExpiryNanos)},
        {text("canister_id"), Value::bytes(canister.bytes())},
        {text("method_name"), text(method)},
        {text("arg"), Value::bytes(arg)},
    };
    if (type == "call") {
      // A fresh nonce, so that the same call made twice runs twice.
      Bytes nonce(16);
      RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
      m.push_back({text("nonce"), Value::bytes(nonce)});
    }
    return m;
  }

  Result<Certificate> checked_certificate(ByteView cert_bytes, const Principal& ecid) const {
    CHORUS_ASSIGN_OR_RETURN(Certificate cert, Certificate::decode(cert_bytes));
    if (Status s = verify_certificate(cert, raw_root_key(), ecid); !s.ok()) {
      return Error("the replica's certificate does not verify under the root key: " + s.error().message());
    }
    auto t = lookup_path(cert.tree, {"time"});
    if (t.kind != LookupResult::Kind::kFound) return Error("the replica's certificate has no /time");
    uint64_t time = read_leb_u64(t.value), now = wall_nanos();
    uint64_t skew = time > now ? time - now : now - time;
    if (skew > kMaxCertificateSkewNanos) {
      return Error("the replica's certificate is " + std::to_string(skew / 1'000'000'000) +
                   " s away from this machine's clock (more than 5 minutes): a stale answer, or a clock to fix");
    }
    return cert;
  }

  // read_state at |paths|, the certificate verified.
  Result<Certificate> read_state(const Principal& ecid, const std::vector<std::vector<Bytes>>& paths,
                                 const std::string& what) {
    cbor::Array ps;
    for (const auto& p : paths) {
      cbor::Array labels;
      for (const Bytes& l : p) labels.push_back(Value::bytes(l));
      ps.push_back(Value::array(std::move(labels)));
    }
    cbor::Map content{
        {text("request_type"), text("read_state")},
        {text("sender"), Value::bytes(identity.principal().bytes())},
        {text("ingress_expiry"), Value::uint(wall_nanos() + kExpiryNanos)},
        {text("paths"), Value::array(std::move(ps))},
    };
    Bytes body = envelope(std::move(content), nullptr);
    CHORUS_ASSIGN_OR_RETURN(auto r, send("POST", "/api/v3/canister/" + ecid.to_text() + "/read_state", body, what));
    if (r.status == 404) {
      CHORUS_ASSIGN_OR_RETURN(r, send("POST", "/api/v2/canister/" + ecid.to_text() + "/read_state", body, what));
    }
    if (r.status != 200) {
      CallError e;
      e.http_status = r.status;
      e.http_body = body_text(r.body);
      return call_error(e);
    }
    CHORUS_ASSIGN_OR_RETURN(Value v, cbor::decode(r.body));
    const Value* cert = v.without_self_describe().find("certificate");
    if (cert == nullptr || !cert->is(cbor::Type::kBytes)) return Error("read_state answer without a certificate");
    return checked_certificate(cert->bytes_value(), ecid);
  }

  // The outcome of request |id| in |cert|: the reply, an error for a reject, or nullopt while
  // it is still pending.
  Result<std::optional<Bytes>> outcome(const Certificate& cert, const RequestId& id) const {
    std::vector<Bytes> path = {to_bytes("request_status"), Bytes(id.begin(), id.end()), to_bytes("status")};
    std::string status = lookup_text(cert.tree, path);
    if (status == "replied") {
      path.back() = to_bytes("reply");
      auto r = lookup_path(cert.tree, path);
      if (r.kind != LookupResult::Kind::kFound) return Error("the certificate says replied but holds no reply");
      return std::optional<Bytes>(Bytes(r.value.begin(), r.value.end()));
    }
    if (status == "rejected") {
      CallError e;
      path.back() = to_bytes("reject_code");
      auto code = lookup_path(cert.tree, path);
      e.reject_code = code.kind == LookupResult::Kind::kFound ? read_leb_u32(code.value) : 0;
      if (e.reject_code == 0) e.reject_code = 5;
      path.back() = to_bytes("reject_message");
      e.reject_message = lookup_text(cert.tree, path);
      path.back() = to_bytes("error_code");
      e.error_code = lookup_text(cert.tree, path);
      return call_error(e);
    }
    if (status == "done") {
      return Error("the call's outcome has already been forgotten by the replica (status done)");
    }
    return std::optional<Bytes>();
  }

  Result<Bytes> poll(const Principal& ecid, const RequestId& id) {
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    auto wait = std::chrono::milliseconds(50);
    std::vector<std::vector<Bytes>> paths = {{to_bytes("request_status"), Bytes(id.begin(), id.end())}};
    while (true) {
      CHORUS_ASSIGN_OR_RETURN(Certificate cert, read_state(ecid, paths, "poll the request status"));
      CHORUS_ASSIGN_OR_RETURN(std::optional<Bytes> reply, outcome(cert, id));
      if (reply) return std::move(*reply);
      if (std::chrono::steady_clock::now() > deadline) {
        return Error("no answer to the call within " + std::to_string(options.timeout.count()) +
                     " s; the replica may still run it (request id 0x" + to_hex(id) + ")");
      }
      std::this_thread::sleep_for(wait);
      wait = std::min(wait * 2, std::chrono::milliseconds(1000));
    }
  }

  Result<Bytes> node_key(const Principal& ecid, const Bytes& node) {
    if (auto it = node_keys.find(node); it != node_keys.end()) return it->second;
    CHORUS_ASSIGN_OR_RETURN(Certificate cert, read_state(ecid, {{to_bytes("subnet")}}, "node keys"));
    Principal subnet = cert.delegation ? cert.delegation->subnet_id : Principal::self_authenticating(root_key_der);
    Bytes sid(subnet.bytes().begin(), subnet.bytes().end());
    auto key = lookup_path(cert.tree, std::vector<Bytes>{to_bytes("subnet"), sid, to_bytes("node"), node,
                                                          to_bytes("public_key")});
    if (key.kind != LookupResult::Kind::kFound) {
      return Error("the query was signed by node " + Principal::from_bytes(node).value().to_text() +
                   ", whose key the subnet does not certify");
    }
    Bytes der(key.value.begin(), key.value.end());
    node_keys[node] = der;
    return der;
  }
};

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::Agent(Agent&&) noexcept = default;
Agent& Agent::operator=(Agent&&) noexcept = default;
Agent::~Agent() = default;

const Bytes& Agent::root_key_der() const { return impl_->root_key_der; }
const Identity& Agent::identity() const { return impl_->identity; }
const AgentOptions& Agent::options() const { return impl_->options; }

Result<Agent> Agent::connect(AgentOptions options, Identity identity) {
  auto url = http::parse_url(options.url);
  if (!url.ok()) return Error("bad network URL '" + options.url + "': " + url.error().message());
  auto impl = std::make_unique<Impl>(Impl{std::move(options), std::move(identity)});
  impl->host = url->host;
  impl->port = url->port;
  impl->base_path = url->target == "/" ? "" : url->target;
  while (!impl->base_path.empty() && impl->base_path.back() == '/') impl->base_path.pop_back();
  impl->client = std::make_unique<http::HttpClient>(impl->host, impl->port);
  if (impl->options.root_key_der) {
    impl->root_key_der = *impl->options.root_key_der;
  } else {
    CHORUS_ASSIGN_OR_RETURN(auto r, impl->send("GET", "/api/v2/status", {}, "fetch the root key"));
    if (r.status != 200) {
      return Error("the server at " + impl->options.url + " is not an IC replica (GET /api/v2/status gave HTTP " +
                   std::to_string(r.status) + ")");
    }
    auto v = cbor::decode(r.body);
    const Value* key = v.ok() ? v->without_self_describe().find("root_key") : nullptr;
    if (key == nullptr || !key->is(cbor::Type::kBytes)) {
      return Error("the status of " + impl->options.url + " carries no root key; pass it explicitly");
    }
    impl->root_key_der = key->bytes_value();
  }
  auto pk = PublicKey::from_der(impl->root_key_der);
  if (!pk.ok() || pk->kind() != PublicKey::Kind::kBls12381) {
    return Error("the root key is not a BLS12-381 public key");
  }
  return Agent(std::move(impl));
}

Result<bool> Agent::ping() {
  CHORUS_ASSIGN_OR_RETURN(auto r, impl_->send("GET", "/api/v2/status", {}, "status"));
  if (r.status != 200) return false;
  auto v = cbor::decode(r.body);
  if (!v.ok()) return false;
  const Value* h = v->without_self_describe().find("replica_health_status");
  return h != nullptr && h->is(cbor::Type::kText) && h->text_value() == "healthy";
}

Result<Bytes> Agent::update(const Principal& canister, const std::string& method, ByteView arg,
                            std::optional<Principal> effective_canister_id) {
  Principal ecid = effective_canister_id.value_or(canister);
  RequestId id;
  Bytes body = impl_->envelope(impl_->call_content("call", canister, method, arg), &id);
  std::string what = "update " + method + " on " + canister.to_text();
  std::string path = "/canister/" + ecid.to_text() + "/call";
  CHORUS_ASSIGN_OR_RETURN(auto r, impl_->send("POST", "/api/v4" + path, body, what));
  if (r.status == 404) {
    CHORUS_ASSIGN_OR_RETURN(r, impl_->send("POST", "/api/v3" + path, body, what));
  }
  if (r.status == 404) {
    CHORUS_ASSIGN_OR_RETURN(r, impl_->send("POST", "/api/v2" + path, body, what));
  }
  if (r.status == 202) return impl_->poll(ecid, id);
  if (r.status != 200) {
    CallError e;
    e.http_status = r.status;
    e.http_body = body_text(r.body);
    return call_error(e);
  }
  CHORUS_ASSIGN_OR_RETURN(Value v, cbor::decode(r.body));
  const Value& m = v.without_self_describe();
  const Value* status = m.find("status");
  if (status == nullptr || !status->is(cbor::Type::kText)) return Error("call answer without a status");
  if (status->text_value() == "non_replicated_rejection") {
    CallError e;
    if (const Value* c = m.find("reject_code"); c && c->is(cbor::Type::kUnsigned)) {
      e.reject_code = static_cast<uint32_t>(c->uint_value());
    }
    if (const Value* msg = m.find("reject_message"); msg && msg->is(cbor::Type::kText)) {
      e.reject_message = msg->text_value();
    }
    if (const Value* c = m.find("error_code"); c && c->is(cbor::Type::kText)) e.error_code = c->text_value();
    return call_error(e);
  }
  const Value* cert = m.find("certificate");
  if (cert == nullptr || !cert->is(cbor::Type::kBytes)) return Error("call answer without a certificate");
  CHORUS_ASSIGN_OR_RETURN(Certificate c, impl_->checked_certificate(cert->bytes_value(), ecid));
  CHORUS_ASSIGN_OR_RETURN(std::optional<Bytes> reply, impl_->outcome(c, id));
  if (reply) return std::move(*reply);
  return impl_->poll(ecid, id);
}

Result<Bytes> Agent::query(const Principal& canister, const std::string& method, ByteView arg,
                           std::optional<Principal> effective_canister_id) {
  Principal ecid = effective_canister_id.value_or(canister);
  RequestId id;
  Bytes body = impl_->envelope(impl_->call_content("query", canister, method, arg), &id);
  std::string what = "query " + method + " on " + canister.to_text();
  CHORUS_ASSIGN_OR_RETURN(auto r, impl_->send("POST", "/api/v3/canister/" + ecid.to_text() + "/query", body, what));
  bool v2 = false;
  if (r.status == 404) {
    CHORUS_ASSIGN_OR_RETURN(r, impl_->send("POST", "/api/v2/canister/" + ecid.to_text() + "/query", body, what));
    v2 = true;
  }
  if (r.status != 200) {
    CallError e;
    e.http_status = r.status;
    e.http_body = body_text(r.body);
    return call_error(e);
  }
  CHORUS_ASSIGN_OR_RETURN(Value v, cbor::decode(r.body));
  const Value& m = v.without_self_describe();
  const Value* status = m.find("status");
  if (status == nullptr || !status->is(cbor::Type::kText)) return Error("query answer without a status");
  const Value* sigs = m.find("signatures");
  if (!v2 || sigs != nullptr) {
    // Every signature must verify with a key the subnet certifies.
    if (sigs == nullptr || !sigs->is(cbor::Type::kArray) || sigs->array_value().empty()) {
      return Error("the query answer carries no node signature");
    }
    for (const Value& sig : sigs->array_value()) {
      const Value* node = sig.find("identity");
      const Value* ts = sig.find("timestamp");
      const Value* s = sig.find("signature");
      if (!node || !ts || !s || !node->is(cbor::Type::kBytes) || !s->is(cbor::Type::kBytes)) {
        return Error("malformed node signature in the query answer");
      }
      CHORUS_ASSIGN_OR_RETURN(Bytes der, impl_->node_key(ecid, node->bytes_value()));
      cbor::Map signed_map{{text("status"), *status}};
      for (const char* f : {"reply", "reject_code", "reject_message", "error_code"}) {
        if (const Value* x = m.find(f)) signed_map.emplace_back(text(f), *x);
      }
      signed_map.emplace_back(text("timestamp"), *ts);
      signed_map.emplace_back(text("request_id"), Value::bytes(Bytes(id.begin(), id.end())));
      CHORUS_ASSIGN_OR_RETURN(Sha256Digest digest, hash_of_map(Value::map(std::move(signed_map))));
      Bytes message(kResponseDomain.begin(), kResponseDomain.end());
      append(message, digest);
      CHORUS_ASSIGN_OR_RETURN(PublicKey pk, PublicKey::from_der(der));
      if (Status st = verify_basic_signature(pk, message, s->bytes_value()); !st.ok()) {
        return Error("the query answer's node signature does not verify: " + st.error().message());
      }
    }
  }
  if (status->text_value() == "replied") {
    const Value* reply = m.find("reply");
    const Value* a = reply ? reply->find("arg") : nullptr;
    if (a == nullptr || !a->is(cbor::Type::kBytes)) return Error("query reply without arg");
    return a->bytes_value();
  }
  CallError e;
  if (const Value* c = m.find("reject_code"); c && c->is(cbor::Type::kUnsigned)) {
    e.reject_code = static_cast<uint32_t>(c->uint_value());
  }
  if (e.reject_code == 0) e.reject_code = 5;
  if (const Value* msg = m.find("reject_message"); msg && msg->is(cbor::Type::kText)) e.reject_message = msg->text_value();
  if (const Value* c = m.find("error_code"); c && c->is(cbor::Type::kText)) e.error_code = c->text_value();
  return call_error(e);
}

Result<std::optional<Bytes>> Agent::canister_metadata(const Principal& canister, const std::string& name) {
  std::vector<Bytes> path = {to_bytes("canister"), Bytes(canister.bytes().begin(), canister.bytes().end()),
                             to_bytes("metadata"), to_bytes(name)};
  CHORUS_ASSIGN_OR_RETURN(Certificate cert, impl_->read_state(canister, {path}, "metadata " + name));
  auto r = lookup_path(cert.tree, path);
  if (r.kind == LookupResult::Kind::kFound) return std::optional<Bytes>(Bytes(r.value.begin(), r.value.end()));
  if (r.kind == LookupResult::Kind::kAbsent) return std::optional<Bytes>();
  return Error("the certificate neither holds nor excludes the metadata section " + name);
}

// --- the management canister ---------------------------------------------------------------------

namespace {

struct TopUp {
  Principal canister_id;
  BigInt amount;
  static constexpr char kCandidType[] = "record { canister_id : principal; amount : nat }";
  static Result<TopUp> from_candid(const candid::RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(Principal id, r.get<Principal>("canister_id"));
    CHORUS_ASSIGN_OR_RETURN(BigInt a, r.get<BigInt>("amount"));
    return TopUp{id, a};
  }
  void to_candid(candid::RecordBuilder& b) const { b.add("canister_id", canister_id).add("amount", amount); }
};

struct ChunkHash {
  Bytes hash;
  static constexpr char kCandidType[] = "record { hash : blob }";
  static Result<ChunkHash> from_candid(const candid::RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(Bytes h, r.get<Bytes>("hash"));
    return ChunkHash{h};
  }
  void to_candid(candid::RecordBuilder& b) const { b.add("hash", hash); }
};

struct UploadChunk {
  Principal canister_id;
  Bytes chunk;
  static constexpr char kCandidType[] = "record { canister_id : principal; chunk : blob }";
  static Result<UploadChunk> from_candid(const candid::RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(Principal id, r.get<Principal>("canister_id"));
    CHORUS_ASSIGN_OR_RETURN(Bytes c, r.get<Bytes>("chunk"));
    return UploadChunk{id, c};
  }
  void to_candid(candid::RecordBuilder& b) const { b.add("canister_id", canister_id).add("chunk", chunk); }
};

struct LogRecord {
  uint64_t idx = 0, timestamp_nanos = 0;
  Bytes content;
  static constexpr char kCandidType[] = "record { idx : nat64; timestamp_nanos : nat64; content : blob }";
  static Result<LogRecord> from_candid(const candid::RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(uint64_t i, r.get<uint64_t>("idx"));
    CHORUS_ASSIGN_OR_RETURN(uint64_t t, r.get<uint64_t>("timestamp_nanos"));
    CHORUS_ASSIGN_OR_RETURN(Bytes c, r.get<Bytes>("content"));
    return LogRecord{i, t, c};
  }
  void to_candid(candid::RecordBuilder& b) const {
    b.add("idx", idx).add("timestamp_nanos", timestamp_nanos).add("content", content);
  }
};

struct LogsReply {
  std::vector<LogRecord> records;
  static constexpr char kCandidType[] =
      "record { canister_log_records : vec record { idx : nat64; timestamp_nanos : nat64; content : blob } }";
  static Result<LogsReply> from_candid(const candid::RecordReader& r) {
    CHORUS_ASSIGN_OR_RETURN(auto v, r.get<std::vector<LogRecord>>("canister_log_records"));
    return LogsReply{std::move(v)};
  }
  void to_candid(candid::RecordBuilder& b) const { b.add("canister_log_records", records); }
};

Result<candid::Value> mode_value(const InstallOptions& o) {
  using candid::Value;
  switch (o.mode) {
    case InstallMode::kInstall: return Value::variant(candid::field_hash("install"), Value::null());
    case InstallMode::kReinstall: return Value::variant(candid::field_hash("reinstall"), Value::null());
    case InstallMode::kUpgrade: {
      Value options = Value::none();
      if (o.keep_wasm_memory) {
        candid::RecordBuilder ob;
        ob.add_value("skip_pre_upgrade", Value::none());
        ob.add_value("wasm_memory_persistence",
                     Value::some(Value::variant(candid::field_hash("keep"), Value::null())));
        options = Value::some(std::move(ob).build());
      }
      return Value::variant(candid::field_hash("upgrade"), std::move(options));
    }
  }
  return Error("unknown install mode");
}

constexpr char kModeType[] =
    "variant { install; reinstall; upgrade : opt record { skip_pre_upgrade : opt bool; "
    "wasm_memory_persistence : opt variant { keep; replace } } }";

Result<Bytes> encode_one(const std::string& type_text, candid::Value v) {
  CHORUS_ASSIGN_OR_RETURN(candid::ArgTypes t, candid::parse_arg_types("(" + type_text + ")"));
  std::vector<candid::Value> values;
  values.push_back(std::move(v));
  return candid::encode(t.table, t.types, values);
}

BigInt big_or_zero(const candid::Value* v) {
  if (v == nullptr) return BigInt();
  if (v->is(candid::ValueKind::kOpt)) return v->has_value() ? big_or_zero(&v->opt_value()) : BigInt();
  if (v->is(candid::ValueKind::kNat) || v->is(candid::ValueKind::kInt)) return v->big_value();
  if (v->is(candid::ValueKind::kNat64)) return BigInt::from_u64(v->nat_value());
  return BigInt();
}

}  // namespace

Result<Principal> Agent::create_canister(std::optional<BigInt> cycles) {
  CHORUS_ASSIGN_OR_RETURN(Bytes arg, candid::encode_arg(ProvisionalCreate{std::move(cycles)}));
  Principal mgmt = Principal::management_canister();
  CHORUS_ASSIGN_OR_RETURN(Bytes reply, update(mgmt, "provisional_create_canister_with_cycles", arg, mgmt));
  CHORUS_ASSIGN_OR_RETURN(CanisterIdRecord rec, candid::decode_arg<CanisterIdRecord>(reply));
  return rec.canister_id;
}

Status Agent::install_code(const Principal& canister, ByteView wasm, ByteView arg, const InstallOptions& options) {
  using candid::Value;
  Principal mgmt = Principal::management_canister();
  CHORUS_ASSIGN_OR_RETURN(Value mode, mode_value(options));
  if (wasm.size() + arg.size() <= kChunkedInstallThreshold) {
    candid::RecordBuilder b;
    b.add_value("mode", std::move(mode))
        .add("canister_id", canister)
        .add("wasm_module", Bytes(wasm.begin(), wasm.end()))
        .add("arg", Bytes(arg.begin(), arg.end()));
    CHORUS_ASSIGN_OR_RETURN(
        Bytes encoded,
        encode_one(std::string("record { mode : ") + kModeType +
                       "; canister_id : principal; wasm_module : blob; arg : blob }",
                   std::move(b).build()));
    if (options.progress) options.progress(wasm.size(), wasm.size());
    CHORUS_ASSIGN_OR_RETURN(Bytes reply, update(mgmt, "install_code", encoded, canister));
    (void)reply;
    return ok_status();
  }
  // Chunked: a clean chunk store, the chunks, then install_chunked_code by their hashes.
  CHORUS_ASSIGN_OR_RETURN(Bytes clear_arg, candid::encode_arg(CanisterIdRecord{canister}));
  CHORUS_ASSIGN_OR_RETURN(Bytes cleared, update(mgmt, "clear_chunk_store", clear_arg, canister));
  (void)cleared;
  std::vector<ChunkHash> hashes;
  for (size_t off = 0; off < wasm.size(); off += kChunkSize) {
    size_t n = std::min(kChunkSize, wasm.size() - off);
    ByteView chunk = wasm.subspan(off, n);
    CHORUS_ASSIGN_OR_RETURN(Bytes up, candid::encode_arg(UploadChunk{canister, Bytes(chunk.begin(), chunk.end())}));
    CHORUS_ASSIGN_OR_RETURN(Bytes reply, update(mgmt, "upload_chunk", up, canister));
    CHORUS_ASSIGN_OR_RETURN(ChunkHash h, candid::decode_arg<ChunkHash>(reply));
    Sha256Digest expected = sha256(chunk);
    if (!bytes_equal(h.hash, expected)) return Error("upload_chunk answered a hash that is not the chunk's SHA-256");
    hashes.push_back(std::move(h));
    if (options.progress) options.progress(off + n, wasm.size());
  }
  Sha256Digest module_hash = sha256(wasm);
  candid::RecordBuilder b;
  b.add_value("mode", std::move(mode))
      .add("target_canister", canister)
      .add("store_canister", std::optional<Principal>())
      .add("chunk_hashes_list", hashes)
      .add("wasm_module_hash", Bytes(module_hash.begin(), module_hash.end()))
      .add("arg", Bytes(arg.begin(), arg.end()));
  CHORUS_ASSIGN_OR_RETURN(
      Bytes encoded,
      encode_one(std::string("record { mode : ") + kModeType +
                     "; target_canister : principal; store_canister : opt principal; chunk_hashes_list : vec "
                     "record { hash : blob }; wasm_module_hash : blob; arg : blob }",
                 std::move(b).build()));
  CHORUS_ASSIGN_OR_RETURN(Bytes reply, update(mgmt, "install_chunked_code", encoded, canister));
  (void)reply;
  // The chunks are no longer needed; a failure to clear them does not undo the installation.
  (void)update(mgmt, "clear_chunk_store", clear_arg, canister);
  return ok_status();
}

Result<CanisterStatusInfo> Agent::canister_status(const Principal& canister) {
  CHORUS_ASSIGN_OR_RETURN(Bytes arg, candid::encode_arg(CanisterIdRecord{canister}));
  CHORUS_ASSIGN_OR_RETURN(Bytes reply, update(Principal::management_canister(), "canister_status", arg, canister));
  CHORUS_ASSIGN_OR_RETURN(
      candid::ArgTypes t,
      candid::parse_arg_types(
          "(record { status : variant { running; stopping; stopped }; module_hash : opt blob; "
          "settings : record { controllers : vec principal; compute_allocation : opt nat; "
          "memory_allocation : opt nat; freezing_threshold : opt nat }; memory_size : opt nat; cycles : nat; "
          "idle_cycles_burned_per_day : opt nat; reserved_cycles : opt nat })"));
  CHORUS_ASSIGN_OR_RETURN(std::vector<candid::Value> values, candid::decode(reply, t));
  const candid::Value& rec = values[0];
  CanisterStatusInfo out;
  const candid::Value* st = rec.field(candid::field_hash("status"));
  for (const char* s : {"running", "stopping", "stopped"}) {
    if (st && !st->fields().empty() && st->fields()[0].id == candid::field_hash(s)) out.status = s;
  }
  if (const candid::Value* h = rec.field(candid::field_hash("module_hash")); h && h->has_value()) {
    out.module_hash = h->opt_value().blob_value();
  }
  if (const candid::Value* s = rec.field(candid::field_hash("settings"))) {
    if (const candid::Value* c = s->field(candid::field_hash("controllers"))) {
      for (const candid::Value& p : c->items()) out.controllers.push_back(p.principal_value());
    }
    out.compute_allocation = big_or_zero(s->field(candid::field_hash("compute_allocation")));
    out.memory_allocation = big_or_zero(s->field(candid::field_hash("memory_allocation")));
    out.freezing_threshold = big_or_zero(s->field(candid::field_hash("freezing_threshold")));
  }
  out.memory_size = big_or_zero(rec.field(candid::field_hash("memory_size")));
  out.cycles = big_or_zero(rec.field(candid::field_hash("cycles")));
  out.idle_cycles_burned_per_day = big_or_zero(rec.field(candid::field_hash("idle_cycles_burned_per_day")));
  out.reserved_cycles = big_or_zero(rec.field(candid::field_hash("reserved_cycles")));
  return out;
}

namespace {

Status simple_call(Agent& agent, const char* method, const Principal& canister) {
  CHORUS_ASSIGN_OR_RETURN(Bytes arg, candid::encode_arg(CanisterIdRecord{canister}));
  CHORUS_ASSIGN_OR_RETURN(Bytes reply, agent.update(Principal::management_canister(), method, arg, canister));
  (void)reply;
  return ok_status();
}

}  // namespace

Status Agent::start_canister(const Principal& canister) { return simple_call(*this, "start_canister", canister); }
Status Agent::stop_canister(const Principal& canister) { return simple_call(*this, "stop_canister", canister); }
Status Agent::delete_canister(const Principal& canister) { return simple_call(*this, "delete_canister", canister); }

Status Agent::top_up_canister(const Principal& canister, const BigInt& cycles) {
  CHORUS_ASSIGN_OR_RETURN(Bytes arg, candid::encode_arg(TopUp{canister, cycles}));
  CHORUS_ASSIGN_OR_RETURN(Bytes reply,
                          update(Principal::management_canister(), "provisional_top_up_canister", arg, canister));
  (void)reply;
  return ok_status();
}

Result<std::vector<CanisterLogRecord>> Agent::fetch_canister_logs(const Principal& canister) {
  CHORUS_ASSIGN_OR_RETURN(Bytes arg, candid::encode_arg(CanisterIdRecord{canister}));
  CHORUS_ASSIGN_OR_RETURN(Bytes reply, query(Principal::management_canister(), "fetch_canister_logs", arg, canister));
  CHORUS_ASSIGN_OR_RETURN(LogsReply logs, candid::decode_arg<LogsReply>(reply));
  std::vector<CanisterLogRecord> out;
  for (LogRecord& r : logs.records) out.push_back(CanisterLogRecord{r.idx, r.timestamp_nanos, std::move(r.content)});
  return out;
}

Result<CanisterInfo> Agent::canister_info(const Principal& canister) {
  Bytes id(canister.bytes().begin(), canister.bytes().end());
  std::vector<Bytes> hash_path = {to_bytes("canister"), id, to_bytes("module_hash")};
  std::vector<Bytes> ctl_path = {to_bytes("canister"), id, to_bytes("controllers")};
  CHORUS_ASSIGN_OR_RETURN(Certificate cert, impl_->read_state(canister, {hash_path, ctl_path}, "canister info"));
  CanisterInfo info;
  auto h = lookup_path(cert.tree, hash_path);
  if (h.kind == LookupResult::Kind::kFound) info.module_hash = Bytes(h.value.begin(), h.value.end());
  auto c = lookup_path(cert.tree, ctl_path);
  if (c.kind != LookupResult::Kind::kFound) {
    return Error("canister " + canister.to_text() + " does not exist (the certified state has no controllers for it)");
  }
  CHORUS_ASSIGN_OR_RETURN(Value v, cbor::decode(c.value));
  const Value& arr = v.without_self_describe();
  if (!arr.is(cbor::Type::kArray)) return Error("the certified controllers are not a CBOR array");
  for (const Value& p : arr.array_value()) {
    if (!p.is(cbor::Type::kBytes)) return Error("a certified controller is not a byte string");
    CHORUS_ASSIGN_OR_RETURN(Principal pr, Principal::from_bytes(p.bytes_value()));
    info.controllers.push_back(pr);
  }
  return info;
}

}  // namespace chorus::cli
