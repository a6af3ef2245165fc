// The agent against a real replica in process, over HTTP: certified updates and signed queries,
// metadata, the management canister's helpers (chunked install included), rejects and refusals
// that say what happened, and a root key that does not match.
#include "cli/agent.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/file.h"
#include "base/log.h"
#include "cli/candid_io.h"
#include "crypto/sha2.h"
#include "encoding/candid_binary.h"
#include "replica/replica.h"

namespace chorus::cli {
namespace {

Bytes nat_arg(uint64_t n) { return *encode_untyped_args("(" + std::to_string(n) + ")"); }

std::string nat_reply(const Bytes& reply) {
  auto v = candid::decode_any(reply);
  EXPECT_TRUE(v.ok());
  return v.ok() ? candid::to_text(v->values.at(0)) : "";
}

// A custom section of |size| bytes appended to |wasm|: the module stays valid and grows past
// the single-message limit.
Bytes with_padding(Bytes wasm, size_t size) {
  std::string name = "padding";
  Bytes body;
  body.push_back(static_cast<uint8_t>(name.size()));
  append(body, as_bytes(name));
  body.resize(body.size() + size, 0xab);
  wasm.push_back(0);
  uint64_t n = body.size();
  do {
    uint8_t b = n & 0x7f;
    n >>= 7;
    wasm.push_back(b | (n ? 0x80 : 0));
  } while (n);
  append(wasm, body);
  return wasm;
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/agent_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    replica::ReplicaConfig config;
    config.state_dir = dir_;
    config.port = 0;
    config.idle_round_ms = 20;
    config.checkpoint_interval = 1'000'000;
    auto r = replica::Replica::start(config, log::Logger::memory());
    ASSERT_TRUE(r.ok()) << r.error().message();
    replica_ = std::move(*r);
    url_ = "http://127.0.0.1:" + std::to_string(replica_->port());
    auto a = Agent::connect(AgentOptions{url_}, identity_);
    ASSERT_TRUE(a.ok()) << a.error().message();
    agent_ = std::make_unique<Agent>(std::move(*a));
    auto wasm = read_file(CHORUS_MOTOKO_COUNTER_WASM);
    ASSERT_TRUE(wasm.ok()) << wasm.error().message();
    counter_wasm_ = *wasm;
  }
  void TearDown() override {
    agent_.reset();
    replica_.reset();
    std::filesystem::remove_all(dir_);
  }

  Principal install_counter() {
    auto id = agent_->create_canister(BigInt::from_u64(100'000'000'000'000));
    EXPECT_TRUE(id.ok()) << id.error().message();
    Status s = agent_->install_code(*id, counter_wasm_, *encode_untyped_args("()"));
    EXPECT_TRUE(s.ok()) << s.error().message();
    return *id;
  }

  std::string dir_, url_;
  std::unique_ptr<replica::Replica> replica_;
  Identity identity_ = Identity::generate_ed25519();
  std::unique_ptr<Agent> agent_;
  Bytes counter_wasm_;
};

TEST_F(AgentTest, UpdatesAreCertifiedAndQueriesSigned) {
  EXPECT_TRUE(*agent_->ping());
  EXPECT_EQ(Principal::self_authenticating(agent_->root_key_der()), replica_->subnet_id());
  Principal id = install_counter();
  auto r = agent_->update(id, "add", nat_arg(5));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(nat_reply(*r), "5");
  auto again = agent_->update(id, "add", nat_arg(5));
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(nat_reply(*again), "10") << "the same call twice runs twice (fresh nonces)";
  auto q = agent_->query(id, "get", *encode_untyped_args("()"));
  ASSERT_TRUE(q.ok()) << q.error().message();
  EXPECT_EQ(nat_reply(*q), "10");
}

TEST_F(AgentTest, MetadataIsReadFromTheCertifiedTree) {
  Principal id = install_counter();
  auto did = agent_->canister_metadata(id, "candid:service");
  ASSERT_TRUE(did.ok()) << did.error().message();
  ASSERT_TRUE(did->has_value());
  EXPECT_NE(std::string(as_chars(**did)).find("inc"), std::string::npos);
  auto none = agent_->canister_metadata(id, "no-such-section");
  ASSERT_TRUE(none.ok()) << none.error().message();
  EXPECT_FALSE(none->has_value());
}

TEST_F(AgentTest, ManagementHelpers) {
  Principal id = install_counter();
  auto st = agent_->canister_status(id);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->status, "running");
  ASSERT_TRUE(st->module_hash.has_value());
  Sha256Digest h = sha256(counter_wasm_);
  EXPECT_EQ(*st->module_hash, Bytes(h.begin(), h.end()));
  EXPECT_EQ(st->controllers, std::vector<Principal>{identity_.principal()});
  BigInt before = st->cycles;

  ASSERT_TRUE(agent_->top_up_canister(id, BigInt::from_u64(7'000'000'000'000)).ok());
  auto topped = agent_->canister_status(id);
  ASSERT_TRUE(topped.ok());
  EXPECT_GT(topped->cycles, before);

  auto info = agent_->canister_info(id);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->module_hash, st->module_hash);
  EXPECT_EQ(info->controllers, st->controllers);

  auto logs = agent_->fetch_canister_logs(id);
  ASSERT_TRUE(logs.ok()) << logs.error().message();

  ASSERT_TRUE(agent_->stop_canister(id).ok());
  EXPECT_EQ(agent_->canister_status(id)->status, "stopped");
  auto refused = agent_->update(id, "inc", *encode_untyped_args("()"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("is not running"), std::string::npos) << refused.error().message();
  ASSERT_TRUE(agent_->start_canister(id).ok());
  EXPECT_TRUE(agent_->update(id, "inc", *encode_untyped_args("()")).ok());
  ASSERT_TRUE(agent_->stop_canister(id).ok());
  ASSERT_TRUE(agent_->delete_canister(id).ok());
  EXPECT_FALSE(agent_->canister_status(id).ok());
}

TEST_F(AgentTest, EopUpgradeKeepsTheHeapAndNeedsTheOption) {
  Principal id = install_counter();
  ASSERT_TRUE(agent_->update(id, "add", nat_arg(3)).ok());
  InstallOptions drop;
  drop.mode = InstallMode::kUpgrade;
  Status refused = agent_->install_code(id, counter_wasm_, *encode_untyped_args("()"), drop);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("wasm_memory_persistence"), std::string::npos) << refused.error().message();
  InstallOptions keep = drop;
  keep.keep_wasm_memory = true;
  Status s = agent_->install_code(id, counter_wasm_, *encode_untyped_args("()"), keep);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(nat_reply(*agent_->query(id, "get", *encode_untyped_args("()"))), "3");
}

TEST_F(AgentTest, LargeModulesAreUploadedInChunks) {
  auto id = agent_->create_canister(BigInt::from_u64(100'000'000'000'000));
  ASSERT_TRUE(id.ok());
  // The replica allows 2 MiB of custom sections: the padding stays below that.
  Bytes big = with_padding(counter_wasm_, 1'900'000);
  ASSERT_GT(big.size(), kChunkedInstallThreshold);
  std::vector<std::pair<size_t, size_t>> progress;
  InstallOptions o;
  o.progress = [&](size_t done, size_t total) { progress.push_back({done, total}); };
  Status s = agent_->install_code(*id, big, *encode_untyped_args("()"), o);
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_EQ(progress.size(), (big.size() + kChunkSize - 1) / kChunkSize);
  EXPECT_EQ(progress.back(), std::make_pair(big.size(), big.size()));
  Sha256Digest h = sha256(big);
  EXPECT_EQ(*agent_->canister_status(*id)->module_hash, Bytes(h.begin(), h.end()));
  EXPECT_EQ(nat_reply(*agent_->update(*id, "inc", *encode_untyped_args("()"))), "1");
}

TEST_F(AgentTest, RejectsAndRefusalsSayWhatHappened) {
  Principal id = install_counter();
  auto missing = agent_->update(id, "no_such_method", *encode_untyped_args("()"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("rejected (reject code"), std::string::npos) << missing.error().message();
  auto q = agent_->query(id, "no_such_method", *encode_untyped_args("()"));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message().find("rejected"), std::string::npos) << q.error().message();
  // Another identity is no controller.
  auto other = Agent::connect(AgentOptions{url_}, Identity::generate_secp256k1());
  ASSERT_TRUE(other.ok());
  auto st = other->canister_status(id);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("controller"), std::string::npos) << st.error().message();
  // An unknown canister.
  auto unknown = agent_->update(Principal::from_canister_index(999), "inc", *encode_untyped_args("()"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("not found"), std::string::npos) << unknown.error().message();
  // Nobody listening.
  auto nobody = Agent::connect(AgentOptions{"http://127.0.0.1:1"}, Identity::anonymous());
  ASSERT_FALSE(nobody.ok());
  EXPECT_NE(nobody.error().message().find("chorus start"), std::string::npos) << nobody.error().message();
  EXPECT_FALSE(Agent::connect(AgentOptions{"https://ic0.app"}, Identity::anonymous()).ok());
}

TEST_F(AgentTest, AnotherRootKeyFailsVerification) {
  Principal id = install_counter();
  // The root key of another replica: certificates from this one must not verify under it.
  char tmpl[] = "/tmp/agent_test_other.XXXXXX";
  std::string other_dir = mkdtemp(tmpl);
  replica::ReplicaConfig config;
  config.state_dir = other_dir;
  config.port = 0;
  auto other = replica::Replica::start(config, log::Logger::memory());
  ASSERT_TRUE(other.ok());
  auto other_agent = Agent::connect(AgentOptions{"http://127.0.0.1:" + std::to_string((*other)->port())}, identity_);
  ASSERT_TRUE(other_agent.ok());
  Bytes wrong_key = other_agent->root_key_der();
  other->reset();
  std::filesystem::remove_all(other_dir);
  AgentOptions o{url_};
  o.root_key_der = wrong_key;
  auto fooled = Agent::connect(o, identity_);
  ASSERT_TRUE(fooled.ok());
  auto r = fooled->update(id, "inc", *encode_untyped_args("()"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("does not verify"), std::string::npos) << r.error().message();
  auto q = fooled->query(id, "get", *encode_untyped_args("()"));
  ASSERT_FALSE(q.ok()) << "the node key comes from a certificate that does not verify either";
}

}  // namespace
}  // namespace chorus::cli
