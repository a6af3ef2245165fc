// The replica in process, spoken to over real HTTP on loopback with envelopes built and signed
// here: the endpoints, certificates that verify under the root key from /api/v2/status, signed
// query responses, duplicates, refusals that change nothing, and a restart that keeps the state.
#include "replica/replica.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/file.h"
#include "crypto/certificate.h"
#include "crypto/public_key.h"
#include "crypto/signature_primitives.h"
#include "encoding/candid_struct.h"
#include "execution/management_records.h"
#include "encoding/hash_tree.h"
#include "execution/state_machine.h"
#include "http/client.h"
#include "http/request_test_util.h"
#include "universal/universal_program.h"

namespace chorus::replica {
namespace {

using execution::CanisterIdRecord;
using execution::ProvisionalCreate;

using canisters::Program;
using cbor::Value;
using http::testing::Signer;

uint64_t wall_nanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// A client that speaks the IC's HTTP interface the way an agent does.
class Agent {
 public:
  explicit Agent(uint16_t port) : http_("127.0.0.1", port) {}

  Bytes root_key_der() {
    auto r = http_.request("GET", "/api/v2/status");
    EXPECT_TRUE(r.ok());
    auto v = cbor::decode(r->body);
    EXPECT_TRUE(v.ok());
    const Value* key = v->without_self_describe().find("root_key");
    EXPECT_NE(key, nullptr);
    return key ? key->bytes_value() : Bytes();
  }

  // The envelope of a call or query, anonymous when |signer| is null.
  Bytes envelope(const std::string& type, const Principal& canister, const std::string& method,
                 Bytes arg, const Signer* signer, uint64_t expiry, Bytes* request_id,
                 std::optional<Bytes> nonce = std::nullopt) {
    Principal sender = signer ? Principal::self_authenticating(signer->der) : Principal::anonymous();
    cbor::Map content = http::testing::call_content(type, sender, canister, method, std::move(arg), expiry);
    if (nonce) content.emplace_back(Value::text("nonce"), Value::bytes(*nonce));
    auto id = request_id_of(content);
    if (request_id) *request_id = id;
    if (signer) return http::testing::signed_envelope(content, *signer);
    return cbor::encode_self_described(Value::map({{Value::text("content"), Value::map(content)}}));
  }

  static Bytes request_id_of(const cbor::Map& content) {
    auto id = request_id(Value::map(content));
    return Bytes(id->begin(), id->end());
  }

  Result<http::HttpResponse> post(const std::string& target, const Bytes& body) {
    return http_.request("POST", target, {{"content-type", "application/cbor"}}, body);
  }

  Result<Value> read_state(const Principal& ecid, std::vector<std::vector<Bytes>> paths,
                           const Signer* signer = nullptr) {
    Principal sender = signer ? Principal::self_authenticating(signer->der) : Principal::anonymous();
    cbor::Map content = http::testing::read_state_content(sender, std::move(paths), wall_nanos() + 60'000'000'000);
    Bytes body = signer ? http::testing::signed_envelope(content, *signer)
                        : cbor::encode_self_described(Value::map({{Value::text("content"), Value::map(content)}}));
    auto r = post("/api/v3/canister/" + ecid.to_text() + "/read_state", body);
    if (!r.ok()) return r.error();
    if (r->status != 200) return Error("read_state: " + std::to_string(r->status) + " " + to_string(r->body));
    return cbor::decode(r->body);
  }

  static std::string to_string(const Bytes& b) { return std::string(b.begin(), b.end()); }

 private:
  http::HttpClient http_;
};

// The universal canister's heap counter: one update increments it, the query reads it (8 bytes LE).
Program inc_program() { return std::move(Program().counter_inc().counter_get().int_to_blob64().reply_blob()); }
Program count_program() { return std::move(Program().counter_get().int_to_blob64().reply_blob()); }

class ReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/replica_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    start();
  }
  void TearDown() override {
    replica_.reset();
    std::filesystem::remove_all(dir_);
  }
  void start() {
    ReplicaConfig config;
    config.state_dir = dir_;
    config.port = 0;
    config.idle_round_ms = 20;
    config.checkpoint_interval = 1'000'000;  // only the graceful stop checkpoints
    logs_ = log::Logger::memory();
    auto r = Replica::start(config, logs_);
    ASSERT_TRUE(r.ok()) << r.error().message();
    replica_ = std::move(*r);
    agent_ = std::make_unique<Agent>(replica_->port());
    root_key_ = agent_->root_key_der();
  }
  void restart() {
    agent_.reset();
    replica_.reset();
    start();
  }

  // Sends |request| on a fresh connection and returns the response's status line.
  std::string raw_status_line(const std::string& request) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(replica_->port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "connect failed";
    if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) return "write failed";
    std::string got;
    char buf[512];
    ssize_t n;
    while (got.find("\r\n") == std::string::npos && (n = read(fd, buf, sizeof buf)) > 0) got.append(buf, n);
    close(fd);
    return got.substr(0, got.find("\r\n"));
  }

  ByteView raw_root_key() const { return ByteView(root_key_).last(96); }

  // A v4 call; returns the certified reply (or an error describing what came back).
  Result<Bytes> call_v4(const Principal& canister, const std::string& method, Bytes arg,
                        const Signer* signer = nullptr, const Principal* ecid = nullptr,
                        Bytes* id_out = nullptr, std::optional<Bytes> nonce = std::nullopt) {
    Bytes id;
    Bytes body = agent_->envelope("call", canister, method, std::move(arg), signer,
                                  wall_nanos() + 120'000'000'000, &id, nonce);
    if (id_out) *id_out = id;
    Principal target = ecid ? *ecid : canister;
    auto r = agent_->post("/api/v4/canister/" + target.to_text() + "/call", body);
    if (!r.ok()) return r.error();
    if (r->status != 200) return Error("status " + std::to_string(r->status) + ": " + Agent::to_string(r->body));
    auto v = cbor::decode(r->body);
    if (!v.ok()) return v.error();
    const Value& m = v->without_self_describe();
    const Value* status = m.find("status");
    if (!status || status->text_value() != "replied") return Error("not replied: " + cbor::diagnostic(m));
    auto cert = Certificate::decode(m.find("certificate")->bytes_value());
    if (!cert.ok()) return cert.error();
    if (Status s = verify_certificate(*cert, raw_root_key()); !s.ok()) return s.error();
    std::vector<Bytes> path = {to_bytes("request_status"), id, to_bytes("status")};
    auto st = lookup_path(cert->tree, path);
    if (st.kind != LookupResult::Kind::kFound) return Error("no status in the certificate");
    std::string s(st.value.begin(), st.value.end());
    if (s == "rejected") {
      path.back() = to_bytes("reject_message");
      auto msg = lookup_path(cert->tree, path);
      return Error("rejected: " + std::string(msg.value.begin(), msg.value.end()));
    }
    if (s != "replied") return Error("status " + s);
    path.back() = to_bytes("reply");
    auto reply = lookup_path(cert->tree, path);
    return Bytes(reply.value.begin(), reply.value.end());
  }

  Principal create_canister() {
    auto arg = candid::encode_arg(ProvisionalCreate{BigInt::from_u64(1'000'000'000'000'000)});
    Principal mgmt = Principal::management_canister();
    auto reply = call_v4(mgmt, "provisional_create_canister_with_cycles", *arg, nullptr, &mgmt);
    EXPECT_TRUE(reply.ok()) << reply.error().message();
    auto rec = candid::decode_arg<CanisterIdRecord>(*reply);
    EXPECT_TRUE(rec.ok());
    return rec->canister_id;
  }

  Principal install_universal() {
    Principal id = create_canister();
    auto wasm = read_file(canisters::kUniversalCanisterWasm32);
    EXPECT_TRUE(wasm.ok());
    auto arg = execution::StateMachine::install_code_arg(id, *wasm, {});
    auto r = call_v4(Principal::management_canister(), "install_code", *arg, nullptr, &id);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return id;
  }

  // Query v3: the reply, after checking the node's signature with the key read_state certifies.
  Result<Bytes> query(const Principal& canister, Bytes arg) {
    Bytes id;
    Bytes body = agent_->envelope("query", canister, "query", std::move(arg), nullptr,
                                  wall_nanos() + 60'000'000'000, &id);
    auto r = agent_->post("/api/v3/canister/" + canister.to_text() + "/query", body);
    if (!r.ok()) return r.error();
    if (r->status != 200) return Error("status " + std::to_string(r->status) + ": " + Agent::to_string(r->body));
    auto v = cbor::decode(r->body);
    if (!v.ok()) return v.error();
    const Value& m = v->without_self_describe();
    const Value& sig = m.find("signatures")->array_value().at(0);
    Bytes node = sig.find("identity")->bytes_value();
    // The node key, from the certified state tree.
    auto cert_body = agent_->read_state(canister, {{to_bytes("subnet")}});
    if (!cert_body.ok()) return cert_body.error();
    auto cert = Certificate::decode(cert_body->without_self_describe().find("certificate")->bytes_value());
    if (!cert.ok()) return cert.error();
    if (Status s = verify_certificate(*cert, raw_root_key()); !s.ok()) return s.error();
    Bytes subnet(replica_->subnet_id().bytes().begin(), replica_->subnet_id().bytes().end());
    auto key = lookup_path(cert->tree, std::vector<Bytes>{to_bytes("subnet"), subnet, to_bytes("node"), node,
                                                          to_bytes("public_key")});
    if (key.kind != LookupResult::Kind::kFound) return Error("node key not certified");
    cbor::Map signed_map;
    signed_map.emplace_back(Value::text("status"), *m.find("status"));
    if (m.find("reply")) signed_map.emplace_back(Value::text("reply"), *m.find("reply"));
    for (const char* f : {"reject_code", "reject_message", "error_code"}) {
      if (m.find(f)) signed_map.emplace_back(Value::text(f), *m.find(f));
    }
    signed_map.emplace_back(Value::text("timestamp"), *sig.find("timestamp"));
    signed_map.emplace_back(Value::text("request_id"), Value::bytes(id));
    auto digest = hash_of_map(Value::map(signed_map));
    Bytes message = to_bytes(std::string_view("\x0Bic-response"));
    message.insert(message.end(), digest->begin(), digest->end());
    auto pk = PublicKey::from_der(Bytes(key.value.begin(), key.value.end()));
    if (!pk.ok()) return pk.error();
    if (Status s = verify_basic_signature(*pk, message, sig.find("signature")->bytes_value()); !s.ok()) {
      return Error("query signature: " + s.error().message());
    }
    if (m.find("status")->text_value() != "replied") {
      return Error("rejected: " + m.find("reject_message")->text_value());
    }
    return m.find("reply")->find("arg")->bytes_value();
  }

  std::string dir_;
  std::shared_ptr<log::Logger> logs_;
  std::unique_ptr<Replica> replica_;
  std::unique_ptr<Agent> agent_;
  Bytes root_key_;
};

TEST_F(ReplicaTest, StatusGivesTheRootKeyWhoseHashIsTheSubnetId) {
  ASSERT_EQ(root_key_.size(), 133u);
  EXPECT_EQ(Principal::self_authenticating(root_key_), replica_->subnet_id());
  auto pk = PublicKey::from_der(root_key_);
  ASSERT_TRUE(pk.ok());
  EXPECT_EQ(pk->kind(), PublicKey::Kind::kBls12381);
}

TEST_F(ReplicaTest, CreateInstallUpdateAndQueryWithCertifiedAnswers) {
  Principal id = install_universal();
  // An update that stores a blob in stable memory and replies it.
  Program store;
  store.push_i64(0).push_blob("persisted").stable_store_blob().push_blob("stored").reply_blob();
  auto r = call_v4(id, "update", Bytes(store.bytes()));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Agent::to_string(*r), "stored");
  Program load;
  load.push_i64(0).stable_load_blob().reply_blob();
  auto q = query(id, Bytes(load.bytes()));
  ASSERT_TRUE(q.ok()) << q.error().message();
  EXPECT_EQ(Agent::to_string(*q), "persisted");
}

TEST_F(ReplicaTest, QueriesSeeADataCertificateOfTheCertifiedData) {
  Principal id = install_universal();
  Program set;
  set.push_blob("certified!").certified_data_set().reply("set");
  ASSERT_TRUE(call_v4(id, "update", set.bytes()).ok());
  Program get;
  get.data_certificate().reply_blob();
  auto blob = query(id, get.bytes());
  ASSERT_TRUE(blob.ok()) << blob.error().message();
  auto cert = Certificate::decode(*blob);
  ASSERT_TRUE(cert.ok()) << cert.error().message();
  ASSERT_TRUE(verify_certificate(*cert, raw_root_key(), id).ok());
  Bytes cid(id.bytes().begin(), id.bytes().end());
  auto data = lookup_path(cert->tree, std::vector<Bytes>{to_bytes("canister"), cid, to_bytes("certified_data")});
  ASSERT_EQ(data.kind, LookupResult::Kind::kFound);
  EXPECT_EQ(std::string(data.value.begin(), data.value.end()), "certified!");
  EXPECT_EQ(lookup_path(cert->tree, {"time"}).kind, LookupResult::Kind::kFound);
}

TEST_F(ReplicaTest, AsynchronousCallIsAcceptedThenReadableByItsSender) {
  Principal id = install_universal();
  Signer alice = http::testing::ed25519_signer(7);
  Signer eve = http::testing::ed25519_signer(9);
  Bytes rid;
  Program p;
  p.push_blob("later").reply_blob();
  Bytes body = agent_->envelope("call", id, "update", Bytes(p.bytes()), &alice,
                                wall_nanos() + 60'000'000'000, &rid);
  auto r = agent_->post("/api/v2/canister/" + id.to_text() + "/call", body);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 202);
  EXPECT_TRUE(r->body.empty());
  std::vector<Bytes> path = {to_bytes("request_status"), rid};
  std::string status;
  for (int i = 0; i < 200 && status != "replied"; ++i) {
    auto v = agent_->read_state(id, {path}, &alice);
    ASSERT_TRUE(v.ok()) << v.error().message();
    auto cert = Certificate::decode(v->without_self_describe().find("certificate")->bytes_value());
    ASSERT_TRUE(cert.ok());
    ASSERT_TRUE(verify_certificate(*cert, raw_root_key()).ok());
    std::vector<Bytes> sp = path;
    sp.push_back(to_bytes("status"));
    auto s = lookup_path(cert->tree, sp);
    if (s.kind == LookupResult::Kind::kFound) status.assign(s.value.begin(), s.value.end());
    if (status != "replied") std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, "replied");
  // Another sender may not read it.
  auto other = agent_->read_state(id, {path}, &eve);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("403"), std::string::npos) << other.error().message();
}

TEST_F(ReplicaTest, ADuplicateCallIsAnsweredButNotExecutedAgain) {
  Principal id = install_universal();
  Bytes rid;
  Bytes body = agent_->envelope("call", id, "update", inc_program().bytes(), nullptr,
                                wall_nanos() + 60'000'000'000, &rid, Bytes{1, 2, 3});
  auto first = agent_->post("/api/v4/canister/" + id.to_text() + "/call", body);
  auto second = agent_->post("/api/v4/canister/" + id.to_text() + "/call", body);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  auto size = query(id, count_program().bytes());
  ASSERT_TRUE(size.ok()) << size.error().message();
  ASSERT_EQ(size->size(), 8u);
  EXPECT_EQ((*size)[0], 1) << "the update ran twice";
}

TEST_F(ReplicaTest, BadRequestsAreRefusedWithTheirStatusAndChangeNothing) {
  Principal id = install_universal();
  std::string call = "/api/v4/canister/" + id.to_text() + "/call";

  auto garbage = agent_->post(call, Bytes{0xff, 0x00, 0x13});
  ASSERT_TRUE(garbage.ok());
  EXPECT_EQ(garbage->status, 400);

  // A signature by another key.
  Signer alice = http::testing::ed25519_signer(3);
  Signer mallory = http::testing::ed25519_signer(4);
  cbor::Map content = http::testing::call_content("call", Principal::self_authenticating(alice.der), id,
                                                  "update", inc_program().bytes(), wall_nanos() + 60'000'000'000);
  Signer forged{alice.der, mallory.sign};
  auto bad_sig = agent_->post(call, http::testing::signed_envelope(content, forged));
  ASSERT_TRUE(bad_sig.ok());
  EXPECT_EQ(bad_sig->status, 403);

  // Expired, and too far in the future.
  for (uint64_t expiry : {wall_nanos() - 1'000'000'000, wall_nanos() + 3600'000'000'000}) {
    Bytes body = agent_->envelope("call", id, "update", inc_program().bytes(), &alice, expiry, nullptr);
    auto r = agent_->post(call, body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(Agent::to_string(r->body).find("Invalid request expiry: "), std::string::npos);
  }

  // An unknown canister (inside the ranges) and one outside them.
  Principal unknown = Principal::from_canister_index(999);
  auto r = call_v4(unknown, "update", inc_program().bytes());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not found"), std::string::npos) << r.error().message();
  Principal outside = Principal::from_canister_index(uint64_t{1} << 40);
  auto far = call_v4(outside, "update", inc_program().bytes());
  ASSERT_FALSE(far.ok());
  EXPECT_NE(far.error().message().find("status 400"), std::string::npos) << far.error().message();

  // Oversized: refused from the announced length, before the body is sent.
  EXPECT_EQ(raw_status_line("POST " + call + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/cbor\r\n"
                            "Content-Length: 6291456\r\n\r\n"),
            "HTTP/1.1 413 Payload Too Large");

  // Unknown endpoint.
  auto nowhere = agent_->post("/api/v9/canister/" + id.to_text() + "/call", Bytes{});
  ASSERT_TRUE(nowhere.ok());
  EXPECT_EQ(nowhere->status, 404);

  auto size = query(id, count_program().bytes());
  ASSERT_TRUE(size.ok()) << size.error().message();
  EXPECT_EQ((*size)[0], 0) << "a refused update ran";
}

TEST_F(ReplicaTest, ARestartKeepsTheStateAndTheKeys) {
  Principal id = install_universal();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(call_v4(id, "update", inc_program().bytes()).ok());
  Bytes key = root_key_;
  restart();
  EXPECT_EQ(root_key_, key);
  auto size = query(id, count_program().bytes());
  ASSERT_TRUE(size.ok()) << size.error().message();
  EXPECT_EQ((*size)[0], 3);
  // And it goes on: the next canister id follows the restored ones.
  Principal next = create_canister();
  EXPECT_NE(next, id);
}

TEST_F(ReplicaTest, MetricsAndCorsForBrowsers) {
  http::HttpClient client("127.0.0.1", replica_->port());
  auto m = client.request("GET", "/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->status, 200);
  std::string text(m->body.begin(), m->body.end());
  EXPECT_NE(text.find("# TYPE chorus_rounds_total counter"), std::string::npos);
  EXPECT_NE(text.find("chorus_http_requests_total{endpoint=\"status\",status=\"200\"}"), std::string::npos);
  auto pre = client.request("OPTIONS", "/api/v3/canister/aaaaa-aa/query",
                            {{"origin", "http://localhost:5173"}, {"access-control-request-method", "POST"},
                             {"access-control-request-headers", "content-type"}});
  ASSERT_TRUE(pre.ok());
  EXPECT_EQ(pre->status, 204);
}

}  // namespace
}  // namespace chorus::replica
