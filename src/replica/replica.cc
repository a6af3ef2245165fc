#include "replica/replica.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/file.h"
#include "base/hex.h"
#include "base/metrics.h"
#include "consensus/batch_log.h"
#include "crypto/certificate.h"
#include "crypto/public_key.h"
#include "crypto/sha2.h"
#include "crypto/signing_key.h"
#include "crypto/threshold_bls.h"
#include "execution/execution_environment.h"
#include "http/public_api.h"
#include "http/read_state.h"
#include "http/server.h"
#include "state/state_manager.h"
#include "state/state_tree.h"

namespace chorus::replica {

namespace {

using Clock = std::chrono::steady_clock;

uint64_t wall_nanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// A secret of |bytes| random bytes kept in |path| (mode 0600), created on first use.
Result<Bytes> load_or_create_secret(const std::string& path, size_t bytes,
                                    const std::function<Result<Bytes>()>& make) {
  if (std::filesystem::exists(path)) {
    auto data = read_file(path, 4096);
    if (!data.ok()) return data.error();
    auto decoded = from_hex(std::string(data->begin(), data->end()).substr(0, bytes * 2));
    if (!decoded.ok() || decoded->size() != bytes) {
      return Error(path + ": expected " + std::to_string(bytes) + " hex-encoded bytes");
    }
    return *decoded;
  }
  auto secret = make();
  if (!secret.ok()) return secret.error();
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error("cannot create " + tmp);
  std::string text = to_hex(*secret) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return Error("cannot write " + path);
  return *secret;
}

const std::vector<Bytes> kTimeLabel = {to_bytes("time")};

}  // namespace

struct Replica::Impl final : http::NodeServices {
  ReplicaConfig config;
  std::shared_ptr<log::Logger> logger;
  metrics::Registry metrics;

  // Keys. The subnet's threshold key is dealt 1-of-1: this node holds the only share.
  threshold::SecretShare subnet_share;
  threshold::PublicCoefficients subnet_public;
  Bytes root_key_der;
  Principal subnet;
  std::optional<Ed25519SigningKey> node_key;
  Principal node_id;

  // Execution and state, guarded by state_mu: rounds, queries, inspection and read_state.
  std::mutex state_mu;
  std::unique_ptr<execution::ExecutionEnvironment> env;
  state::ReplicatedState state;
  uint64_t height = 0;
  std::optional<state::StateManager> state_manager;
  std::optional<state::StateTreeBuilder> tree_builder;
  HashTree tree;
  Bytes signature;  // of tree's root
  // Queries' data certificates of the current tree, by canister: the same for every query to a
  // canister until the next round is certified.
  std::map<Principal, Bytes> data_certificates;
  std::atomic<uint64_t> certified_height{0};
  uint64_t range_start = 0, range_end = 0;

  // The ingress pool and the callers waiting on it, guarded by pool_mu.
  struct Waiter {
    bool certified = false;  // false: answer once durable in a batch
    std::function<void(http::CallAnswer)> done;
    Clock::time_point deadline;
  };
  std::mutex pool_mu;
  std::condition_variable pool_cv;
  std::deque<state::Ingress> pending;
  std::set<Bytes> pending_ids;
  std::map<Bytes, std::vector<Waiter>> waiters;
  bool stopping = false;

  std::optional<consensus::BatchLog> batch_log;  // the block maker's alone after start
  std::thread block_maker;
  std::unique_ptr<http::PublicApi> api;
  std::unique_ptr<http::HttpServer> server;
  std::atomic<bool> healthy{false};

  std::mutex stop_mu;
  std::condition_variable stopped_cv;
  bool stopped = false;

  // Metrics updated on the hot path, registered once.
  metrics::Counter* rounds_total = nullptr;
  metrics::Counter* ingress_inducted = nullptr;
  metrics::Counter* messages_executed = nullptr;
  metrics::Counter* instructions_executed = nullptr;
  metrics::Counter* checkpoints_written = nullptr;
  metrics::Gauge* height_gauge = nullptr;
  metrics::Gauge* pool_gauge = nullptr;
  metrics::Gauge* canisters_gauge = nullptr;
  metrics::Histogram* round_seconds = nullptr;
  metrics::Histogram* batch_log_seconds = nullptr;
  metrics::Histogram* query_seconds = nullptr;

  // --- NodeServices ---
  http::NodeStatus status() override {
    return {root_key_der, healthy.load(), certified_height.load()};
  }
  uint64_t now_nanos() override { return wall_nanos(); }
  Principal subnet_id() override { return subnet; }
  bool hosts(const Principal& canister) override {
    auto index = canister.canister_index();
    return index && *index >= range_start && *index <= range_end;
  }
  void submit_call(state::Ingress ingress, bool wait_for_certificate,
                   std::function<void(http::CallAnswer)> done) override;
  execution::QueryResponse query(const state::Ingress& q) override;
  http::HttpResult<Bytes> read_state(const http::ValidatedRequest& request,
                               const http::ReadStateScope& scope) override;

  // --- the node ---
  Status open();
  void register_metrics();
  void certify_locked();
  http::CallAnswer certified_answer_locked(const Bytes& id) const;
  void run_block_maker();
  void execute_batch(const execution::Batch& batch, bool replay);
  void answer(const Bytes& id, bool certified, const std::function<http::CallAnswer()>& make);
  void expire_waiters(Clock::time_point now);
  void shutdown();
};

void Replica::Impl::register_metrics() {
  rounds_total = &metrics.counter("chorus_rounds_total", "Rounds executed (batches).");
  ingress_inducted = &metrics.counter("chorus_ingress_in_batches_total", "Ingress messages put into batches.");
  messages_executed = &metrics.counter("chorus_messages_executed_total", "Messages executed by rounds.");
  instructions_executed = &metrics.counter("chorus_instructions_executed_total", "Wasm instructions executed by rounds.");
  checkpoints_written = &metrics.counter("chorus_checkpoints_total", "Checkpoints written.");
  height_gauge = &metrics.gauge("chorus_certified_height", "Height of the newest certified state.");
  pool_gauge = &metrics.gauge("chorus_ingress_pool_messages", "Ingress messages waiting for a batch.");
  canisters_gauge = &metrics.gauge("chorus_canisters", "Canisters on the subnet.");
  round_seconds = &metrics.histogram("chorus_round_seconds", "Time to execute and certify a round.");
  batch_log_seconds = &metrics.histogram("chorus_batch_log_append_seconds", "Time to append a batch durably.");
  query_seconds = &metrics.histogram("chorus_query_seconds", "Time to execute a query.");
}

Status Replica::Impl::open() {
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir + "/keys", ec);
  if (ec) return Error("cannot create " + config.state_dir + ": " + ec.message());

  // Keys: the subnet's threshold key share and the node's Ed25519 key, made on first start.
  auto share_bytes = load_or_create_secret(config.state_dir + "/keys/subnet_share", 32, []() -> Result<Bytes> {
    bls12_381::OsRandom rng;
    auto dealt = threshold::deal(1, 1, rng);
    if (!dealt.ok()) return dealt.error();
    auto b = dealt->shares[0].value.to_bytes();
    return Bytes(b.begin(), b.end());
  });
  if (!share_bytes.ok()) return share_bytes.error();
  auto share = threshold::Fr::from_bytes(*share_bytes);
  if (!share.ok()) return share.error().with_context("keys/subnet_share");
  subnet_share = {1, *share};
  // With one share the polynomial is the constant: its commitment is the share's public key.
  auto sk = bls12_381::SecretKey::from_bytes(*share_bytes);
  if (!sk.ok()) return sk.error().with_context("keys/subnet_share");
  subnet_public = threshold::PublicCoefficients({sk->public_key_point()});
  auto pk = subnet_public.group_public_key();
  root_key_der = PublicKey::from_raw(PublicKey::Kind::kBls12381, pk).value().to_der();
  subnet = Principal::self_authenticating(root_key_der);

  auto seed = load_or_create_secret(config.state_dir + "/keys/node_key", 32, []() -> Result<Bytes> {
    return Ed25519SigningKey::generate().export_seed();
  });
  if (!seed.ok()) return seed.error();
  auto nk = Ed25519SigningKey::from_seed(*seed);
  if (!nk.ok()) return nk.error().with_context("keys/node_key");
  node_key.emplace(std::move(*nk));
  node_id = Principal::self_authenticating(node_key->public_key().to_der());

  execution::ExecutionConfig exec = execution::ExecutionConfig{};
  exec.subnet_id = subnet;
  exec.root_key = root_key_der;
  env = std::make_unique<execution::ExecutionEnvironment>(exec);

  auto sm = state::StateManager::open(config.state_dir + "/checkpoints",
                                      {.checkpoint_interval = config.checkpoint_interval});
  if (!sm.ok()) return sm.error();
  state_manager.emplace(std::move(*sm));
  auto restored = state_manager->restore();
  if (!restored.ok()) return restored.error();
  if (*restored) {
    for (const std::string& why : (*restored)->skipped) logger->warn("checkpoint_skipped", {{"reason", why}});
    state = std::move((*restored)->state);
    height = (*restored)->height;
    logger->info("checkpoint_restored", {{"height", height}, {"canisters", uint64_t{state.canisters.size()}}});
  } else {
    state = env->initial_state();
  }
  range_start = state.metadata.canister_range_start;
  range_end = state.metadata.canister_range_end;

  state::SubnetTopology topology;
  topology.subnet_id = subnet;
  topology.public_key_der = root_key_der;
  topology.canister_ranges = {{Principal::from_canister_index(range_start), Principal::from_canister_index(range_end)}};
  topology.node_public_keys = {{node_id, node_key->public_key().to_der()}};
  topology.subnet_type = "application";
  tree_builder.emplace(std::move(topology));

  auto log = consensus::BatchLog::open(config.state_dir + "/batches", {.sync = config.durable});
  if (!log.ok()) return log.error();
  batch_log.emplace(std::move(*log));
  // Replay what was finalized after the checkpoint: the same batches give the same states.
  auto replay = batch_log->read_after(height);
  if (!replay.ok()) return replay.error();
  if (!replay->empty() && replay->front().batch_number != height + 1) {
    return Error("the batch log starts at " + std::to_string(replay->front().batch_number) +
                 " but the newest checkpoint is at " + std::to_string(height) + ": batches are missing");
  }
  for (const execution::Batch& b : *replay) execute_batch(b, true);
  if (!replay->empty()) {
    logger->info("batches_replayed", {{"count", uint64_t{replay->size()}}, {"height", height}});
  }
  {
    std::lock_guard<std::mutex> lock(state_mu);
    tree = tree_builder->build(state, {});
    signature = Bytes();
    auto sig = threshold::sign_share(subnet_share, state_root_message(tree)).to_bytes();
    signature.assign(sig.begin(), sig.end());
    certified_height = height;
  }
  return ok_status();
}

void Replica::Impl::certify_locked() {
  auto sig = threshold::sign_share(subnet_share, state_root_message(tree)).to_bytes();
  signature.assign(sig.begin(), sig.end());
  data_certificates.clear();
  certified_height = height;
  height_gauge->set(static_cast<int64_t>(height));
}

http::CallAnswer Replica::Impl::certified_answer_locked(const Bytes& id) const {
  http::CallAnswer a;
  a.kind = http::CallAnswer::Kind::kCertified;
  std::vector<Path> paths = {kTimeLabel, {to_bytes("request_status"), id}};
  a.certificate = http::certificate_for_paths(tree, signature, paths);
  return a;
}

// Executes |batch| on the state and certifies the result. The batch is already durable.
void Replica::Impl::execute_batch(const execution::Batch& batch, bool replay) {
  auto start = Clock::now();
  std::vector<Bytes> completed;
  {
    std::lock_guard<std::mutex> lock(state_mu);
    execution::RoundSummary summary = env->execute_round(state, batch);
    height = batch.batch_number;
    messages_executed->inc(summary.messages_executed);
    instructions_executed->inc(summary.instructions_executed);
    canisters_gauge->set(static_cast<int64_t>(state.canisters.size()));
    if (!replay) {
      tree = tree_builder->build(state, summary.ingress_changed);
      certify_locked();
      completed = std::move(summary.completed);
    }
    auto written = state_manager->commit(height, state);
    if (!written.ok()) {
      logger->error("checkpoint_failed", {{"height", height}, {"error", written.error().message()}});
    } else if (*written) {
      checkpoints_written->inc();
      logger->info("checkpoint_written", {{"height", height}});
      if (Status s = batch_log->release_through(height); !s.ok()) {
        logger->error("batch_log_release_failed", {{"error", s.error().message()}});
      }
    }
  }
  rounds_total->inc();
  round_seconds->observe(std::chrono::duration<double>(Clock::now() - start).count());
  if (replay) return;
  for (const Bytes& id : completed) {
    answer(id, true, [&] {
      std::lock_guard<std::mutex> lock(state_mu);
      return certified_answer_locked(id);
    });
  }
}

// Answers the waiters of |id| of the given kind; |make| builds the answer once, if anyone waits.
void Replica::Impl::answer(const Bytes& id, bool certified, const std::function<http::CallAnswer()>& make) {
  std::vector<Waiter> ready;
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    auto it = waiters.find(id);
    if (it == waiters.end()) return;
    auto& list = it->second;
    for (auto w = list.begin(); w != list.end();) {
      if (w->certified == certified) {
        ready.push_back(std::move(*w));
        w = list.erase(w);
      } else {
        ++w;
      }
    }
    if (list.empty()) waiters.erase(it);
  }
  if (ready.empty()) return;
  http::CallAnswer a = make();
  for (Waiter& w : ready) w.done(a);
}

void Replica::Impl::expire_waiters(Clock::time_point now) {
  std::vector<Waiter> expired;
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    for (auto it = waiters.begin(); it != waiters.end();) {
      auto& list = it->second;
      for (auto w = list.begin(); w != list.end();) {
        if (w->certified && w->deadline <= now) {
          expired.push_back(std::move(*w));
          w = list.erase(w);
        } else {
          ++w;
        }
      }
      it = list.empty() ? waiters.erase(it) : std::next(it);
    }
  }
  for (Waiter& w : expired) w.done(http::CallAnswer{});  // 202: poll read_state
}

void Replica::Impl::submit_call(state::Ingress ingress, bool wait_for_certificate,
                                std::function<void(http::CallAnswer)> done) {
  auto rejection = [](uint32_t code, std::string message, std::string error_code) {
    http::CallAnswer a;
    a.kind = http::CallAnswer::Kind::kRejected;
    a.reject_code = code;
    a.reject_message = std::move(message);
    a.error_code = std::move(error_code);
    return a;
  };
  // A message already in the history is not executed again (interface spec: the same request
  // id is processed once); a caller waiting for it gets its certified outcome.
  bool known = false;
  std::optional<http::CallAnswer> now;
  {
    std::lock_guard<std::mutex> lock(state_mu);
    auto it = state.ingress_history.find(ingress.message_id);
    if (it != state.ingress_history.end()) {
      known = true;
      auto k = it->second.kind;
      bool terminal = k == state::IngressStatus::kReplied || k == state::IngressStatus::kRejected ||
                      k == state::IngressStatus::kDone;
      if (terminal && wait_for_certificate) now = certified_answer_locked(ingress.message_id);
    } else if (ingress.receiver != Principal::management_canister() &&
               state.canister(ingress.receiver) == nullptr) {
      now = rejection(3, "Canister " + ingress.receiver.to_text() + " not found", "IC0301");
    } else if (Status inspected = env->inspect_message(state, ingress); !inspected.ok()) {
      now = rejection(4, inspected.error().message(), "IC0406");
    }
  }
  if (now) return done(std::move(*now));
  if (known && !wait_for_certificate) return done(http::CallAnswer{});  // 202, as the first time
  {
    std::unique_lock<std::mutex> lock(pool_mu);
    if (stopping) {
      lock.unlock();
      http::CallAnswer a;
      a.kind = http::CallAnswer::Kind::kError;
      a.http_status = 503;
      a.reject_message = "the replica is shutting down; retry later";
      return done(std::move(a));
    }
    Waiter w;
    w.certified = wait_for_certificate;
    w.done = std::move(done);
    w.deadline = Clock::now() + std::chrono::milliseconds(config.sync_call_timeout_ms);
    waiters[ingress.message_id].push_back(std::move(w));
    // In the pool already, or executing now (known): wait for the outcome, add nothing.
    if (!known && pending_ids.insert(ingress.message_id).second) {
      pending.push_back(std::move(ingress));
      pool_gauge->set(static_cast<int64_t>(pending.size()));
    }
  }
  pool_cv.notify_one();
}

execution::QueryResponse Replica::Impl::query(const state::Ingress& q) {
  auto start = Clock::now();
  execution::Query query;
  query.sender = q.source;
  query.receiver = q.receiver;
  query.method = q.method;
  query.arg = q.payload;
  execution::QueryResponse r;
  {
    std::lock_guard<std::mutex> lock(state_mu);
    if (q.receiver != Principal::management_canister()) {
      auto [it, fresh] = data_certificates.try_emplace(q.receiver);
      if (fresh) {
        std::vector<Path> paths = {{to_bytes("canister"), Bytes(q.receiver.bytes().begin(), q.receiver.bytes().end()),
                                    to_bytes("certified_data")},
                                   kTimeLabel};
        it->second = http::certificate_for_paths(tree, signature, paths);
      }
      query.data_certificate = it->second;
    }
    r = env->execute_query(state, query);
  }
  query_seconds->observe(std::chrono::duration<double>(Clock::now() - start).count());
  return r;
}

http::HttpResult<Bytes> Replica::Impl::read_state(const http::ValidatedRequest& request,
                                            const http::ReadStateScope& scope) {
  std::lock_guard<std::mutex> lock(state_mu);
  return http::answer_read_state(request, scope, state, tree, signature);
}

void Replica::Impl::run_block_maker() {
  auto last_round = Clock::now();
  for (;;) {
    std::vector<state::Ingress> take;
    bool final_round = false;
    {
      std::unique_lock<std::mutex> lock(pool_mu);
      auto idle = std::chrono::milliseconds(config.idle_round_ms);
      pool_cv.wait_until(lock, last_round + idle, [&] { return stopping || !pending.empty(); });
      final_round = stopping;
      size_t n = std::min<size_t>(pending.size(), config.max_ingress_per_batch);
      take.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        pending_ids.erase(pending.front().message_id);
        take.push_back(std::move(pending.front()));
        pending.pop_front();
      }
      pool_gauge->set(static_cast<int64_t>(pending.size()));
      if (final_round && take.empty()) break;
    }
    last_round = Clock::now();
    execution::Batch batch;
    batch.batch_number = batch_log->last_batch_number() + 1;
    // The proposer's clock, never behind the state's (execution raises it anyway).
    batch.time_nanos = std::max(wall_nanos(), state.metadata.time_nanos + 1);
    // The random beacon: a hash of the newest threshold signature and the height, which no one
    // can compute before the subnet signs.
    {
      std::lock_guard<std::mutex> lock(state_mu);
      Bytes seed = to_bytes("chorus-random-beacon");
      seed.insert(seed.end(), signature.begin(), signature.end());
      for (int i = 0; i < 8; ++i) seed.push_back(static_cast<uint8_t>(batch.batch_number >> (8 * i)));
      auto digest = sha256(seed);
      batch.randomness.assign(digest.begin(), digest.end());
    }
    batch.ingress = std::move(take);
    auto log_start = Clock::now();
    if (Status s = batch_log->append(batch); !s.ok()) {
      // Without a durable log nothing may be acknowledged or executed: give the messages back as
      // errors and stop making blocks.
      logger->error("batch_log_append_failed", {{"error", s.error().message()}});
      for (const state::Ingress& in : batch.ingress) {
        answer(in.message_id, false, [] {
          http::CallAnswer a;
          a.kind = http::CallAnswer::Kind::kError;
          a.http_status = 500;
          a.reject_message = "the replica cannot write its batch log";
          return a;
        });
      }
      healthy = false;
      break;
    }
    batch_log_seconds->observe(std::chrono::duration<double>(Clock::now() - log_start).count());
    ingress_inducted->inc(batch.ingress.size());
    for (const state::Ingress& in : batch.ingress) {
      answer(in.message_id, false, [] { return http::CallAnswer{}; });
    }
    execute_batch(batch, false);
    expire_waiters(Clock::now());
    if (final_round) break;
  }
}

void Replica::Impl::shutdown() {
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    if (stopping) return;
    stopping = true;
  }
  logger->info("stopping");
  pool_cv.notify_all();
  if (block_maker.joinable()) block_maker.join();
  // Whoever still waits gets 202: their calls are durable and will be answered by read_state
  // after a restart.
  std::map<Bytes, std::vector<Waiter>> rest;
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    rest.swap(waiters);
  }
  for (auto& [id, list] : rest) {
    for (Waiter& w : list) w.done(http::CallAnswer{});
  }
  if (server) server->stop();
  {
    std::lock_guard<std::mutex> lock(state_mu);
    if (state_manager && height > state_manager->last_checkpoint_height()) {
      auto written = state_manager->commit(height, state, /*force=*/true);
      if (written.ok() && *written) {
        if (Status s = batch_log->release_through(height); !s.ok()) {
          logger->error("batch_log_release_failed", {{"error", s.error().message()}});
        }
        logger->info("checkpoint_written", {{"height", height}});
      } else if (!written.ok()) {
        logger->error("checkpoint_failed", {{"error", written.error().message()}});
      }
    }
  }
  logger->info("stopped", {{"height", height}});
  logger->flush();
  {
    std::lock_guard<std::mutex> lock(stop_mu);
    stopped = true;
  }
  stopped_cv.notify_all();
}

Replica::Replica(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Replica::~Replica() { stop(); }

Result<std::unique_ptr<Replica>> Replica::start(ReplicaConfig config, std::shared_ptr<log::Logger> logger) {
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  impl->logger = std::move(logger);
  impl->register_metrics();
  if (Status s = impl->open(); !s.ok()) return s.error();

  http::PublicApiOptions api_options;
  api_options.limits.max_body_bytes = impl->config.max_body_bytes;
  api_options.impl_version = "chorus-replica 0.7";
  Impl* raw = impl.get();
  impl->api = std::make_unique<http::PublicApi>(*impl, *impl->node_key, api_options, &impl->metrics,
                                                [raw] { return raw->metrics.render(); });
  http::ServerConfig server_config;
  server_config.host = impl->config.host;
  server_config.port = impl->config.port;
  server_config.threads = impl->config.http_threads;
  server_config.max_body_bytes = impl->config.max_body_bytes;
  auto server = http::HttpServer::start(server_config, [raw](http::HttpRequest request, http::Responder respond) {
    raw->api->handle(std::move(request), std::move(respond));
  });
  if (!server.ok()) return server.error();
  impl->server = std::move(*server);
  impl->block_maker = std::thread([raw] { raw->run_block_maker(); });
  impl->healthy = true;
  uint16_t port = impl->server->port();
  if (!impl->config.port_file.empty()) {
    std::string tmp = impl->config.port_file + ".tmp";
    if (FILE* f = std::fopen(tmp.c_str(), "w")) {
      std::fprintf(f, "%u\n", port);
      std::fclose(f);
      std::rename(tmp.c_str(), impl->config.port_file.c_str());
    }
  }
  impl->logger->info("listening", {{"address", impl->config.host + ":" + std::to_string(port)},
                                   {"subnet", impl->subnet.to_text()},
                                   {"node", impl->node_id.to_text()},
                                   {"height", impl->height},
                                   {"state_dir", impl->config.state_dir}});
  return std::unique_ptr<Replica>(new Replica(std::move(impl)));
}

uint16_t Replica::port() const { return impl_->server ? impl_->server->port() : 0; }
const Bytes& Replica::root_key_der() const { return impl_->root_key_der; }
const Principal& Replica::subnet_id() const { return impl_->subnet; }
uint64_t Replica::certified_height() const { return impl_->certified_height.load(); }

void Replica::stop() {
  if (impl_) impl_->shutdown();
}

void Replica::wait() {
  std::unique_lock<std::mutex> lock(impl_->stop_mu);
  impl_->stopped_cv.wait(lock, [&] { return impl_->stopped; });
}

}  // namespace chorus::replica
