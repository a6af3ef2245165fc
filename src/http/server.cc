#include "http/server.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace chorus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace server_internal {

class Connection;

// After a response that ends a connection, unread request bytes are read and dropped for a while
// before closing: closing a socket with unread data makes the kernel send a reset, which can
// destroy the response before the client has read it. A client refused with 413 is usually still
// sending its body, so up to twice the body limit is drained, for at most kLinger.
constexpr std::chrono::milliseconds kLinger{5000};
constexpr std::chrono::milliseconds kStopLinger{100};  // stop() should not wait on peers
constexpr std::string_view kPreflightMaxAge = "7200";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// RFC 9110: a name is a token; a value has no CR, LF or NUL.
bool valid_header(std::string_view name, std::string_view value) {
  static constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  if (name.empty()) return false;
  for (char c : name) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && kTokenPunctuation.find(c) == std::string_view::npos) return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

HttpResponse text_response(int status, std::string message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  message += "\n";
  r.body = to_bytes(message);
  return r;
}

}  // namespace server_internal

using server_internal::Connection;

struct HttpServer::Core : std::enable_shared_from_this<HttpServer::Core> {
  ServerConfig config;
  Handler handler;
  uint16_t port = 0;

  std::atomic<uint64_t> open{0}, accepted{0}, refused{0}, requests{0}, r4xx{0}, r5xx{0};

  std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, std::weak_ptr<Connection>> connections;  // guarded by mu
  uint64_t next_id = 0;                                        // guarded by mu
  bool stopping = false;                                       // guarded by mu
  std::vector<std::thread> threads;

  void log(std::string_view message) const {
    if (config.log) {
      config.log(message);
    } else {
      std::fprintf(stderr, "chorus http: %.*s\n", static_cast<int>(message.size()), message.data());
    }
  }

  void count(int status) {
    requests.fetch_add(1, std::memory_order_relaxed);
    if (status >= 400 && status < 500) r4xx.fetch_add(1, std::memory_order_relaxed);
    if (status >= 500) r5xx.fetch_add(1, std::memory_order_relaxed);
  }

  // Declared after everything connections use: members are destroyed in reverse order, so the
  // io_context (whose pending handlers own the connections) goes first.
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;           // on its own strand
  std::optional<asio::steady_timer> accept_retry;  // on the acceptor's strand

  void do_accept();
};

namespace server_internal {

using Core = HttpServer::Core;
using RequestParser = bhttp::request_parser<bhttp::vector_body<uint8_t>>;
using Response = bhttp::response<bhttp::vector_body<uint8_t>>;

// What a Responder shares among its copies: it answers at most once, and if every copy goes away
// unanswered it answers 500 itself. It keeps the Core (and so the io_context its strand lives in)
// alive, but not the connection.
struct ResponderState {
  ResponderState(std::shared_ptr<Core> c, asio::any_io_executor e, std::weak_ptr<Connection> w,
                 uint64_t s)
      : core(std::move(c)), executor(std::move(e)), connection(std::move(w)), seq(s) {}
  ~ResponderState();
  void respond(HttpResponse response);

  std::shared_ptr<Core> core;
  asio::any_io_executor executor;
  std::weak_ptr<Connection> connection;
  uint64_t seq;
  std::atomic<bool> done{false};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Core* core, tcp::socket socket, uint64_t id)
      : core_(core), id_(id), socket_(std::move(socket)), timer_(socket_.get_executor()) {
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);  // keep-alive answers must not wait for Nagle
    auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) {
      auto address = endpoint.address();
      remote_ = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
      remote_ += ":" + std::to_string(endpoint.port());
    }
  }

  ~Connection() {
    core_->open.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(core_->mu);
    core_->connections.erase(id_);
    core_->cv.notify_all();
  }

  asio::any_io_executor executor() { return socket_.get_executor(); }

  // The following run on the connection's strand.
  void start() { read_header(); }

  void begin_stop() {
    stopping_ = true;
    if (phase_ == Phase::kIdle || phase_ == Phase::kHeader || phase_ == Phase::kBody) close_now();
    if (phase_ == Phase::kClosing) arm(kStopLinger);
  }

  void force_close() { close_now(); }

  void deliver(uint64_t seq, HttpResponse response) {
    if (phase_ != Phase::kWaiting || seq != seq_) return;
    send(std::move(response), !keep_alive_ || stopping_);
  }

 private:
  enum class Phase { kHeader, kBody, kWaiting, kWriting, kIdle, kClosing, kClosed };

  void arm(std::chrono::milliseconds duration) {
    uint64_t gen = ++timer_gen_;
    timer_.expires_after(duration);
    timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
      if (ec || gen != self->timer_gen_ || self->phase_ == Phase::kClosed) return;
      self->on_timeout();
    });
  }

  void disarm() {
    ++timer_gen_;
    timer_.cancel();
  }

  void on_timeout() {
    switch (phase_) {
      case Phase::kHeader:
      case Phase::kBody:
        // The read in progress completes with operation_aborted and answers 408.
        timed_out_ = true;
        {
          error_code ec;
          socket_.cancel(ec);
        }
        return;
      case Phase::kWaiting:
        core_->log("handler did not respond within " +
                   std::to_string(core_->config.response_timeout.count()) + " ms; answered 503");
        send(text_response(503, "the replica did not answer in time"), true);
        return;
      case Phase::kIdle:
      case Phase::kWriting:
      case Phase::kClosing:
        close_now();
        return;
      case Phase::kClosed:
        return;
    }
  }

  void read_header() {
    if (stopping_) return close_now();
    phase_ = Phase::kHeader;
    timed_out_ = false;
    keep_alive_ = true;
    head_ = false;
    arm(core_->config.header_timeout);
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(core_->config.max_header_bytes));
    parser_->body_limit(core_->config.max_body_bytes);
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             [self = shared_from_this()](error_code ec, size_t) {
                               self->on_header(ec);
                             });
  }

  // Maps a read error to the answer owed: nothing for a peer that went away.
  void on_read_error(error_code ec, std::string_view what) {
    if (timed_out_) {
      auto limit = phase_ == Phase::kHeader ? core_->config.header_timeout
                                            : core_->config.body_timeout;
      return send_error(408, std::string("request ") + std::string(what) + " not received within " +
                                 std::to_string(limit.count()) + " ms");
    }
    if (ec == bhttp::error::header_limit) {
      return send_error(431, "request headers larger than " +
                                 std::to_string(core_->config.max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::body_limit) {
      return send_error(413, "request body larger than " +
                                 std::to_string(core_->config.max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted || ec == asio::error::broken_pipe) {
      return close_now();
    }
    send_error(400, "malformed HTTP request: " + ec.message());
  }

  void on_header(error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec) return on_read_error(ec, "headers");
    keep_alive_ = parser_->keep_alive();
    auto& message = parser_->get();
    head_ = message.method() == bhttp::verb::head;
    if (parser_->is_done()) return dispatch();
    auto expect = message.find(bhttp::field::expect);
    if (expect != message.end() && iequals(expect->value(), "100-continue")) {
      // The client waits for this before sending a body (curl does for bodies over 1 KiB).
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      phase_ = Phase::kBody;
      arm(core_->config.body_timeout);
      asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](error_code wec, size_t) {
                          if (self->phase_ == Phase::kClosed) return;
                          if (wec) return self->close_now();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    phase_ = Phase::kBody;
    arm(core_->config.body_timeout);
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (self->phase_ == Phase::kClosed) return;
                        if (ec) return self->on_read_error(ec, "body");
                        self->dispatch();
                      });
  }

  void dispatch() {
    auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;
    parser_.reset();

    if (core_->config.cors && request.method == "OPTIONS") return send(preflight(request), false);

    phase_ = Phase::kWaiting;
    ++seq_;
    arm(core_->config.response_timeout);
    auto state = std::make_shared<ResponderState>(core_->shared_from_this(), executor(),
                                                  weak_from_this(), seq_);
    Responder responder = [state](HttpResponse response) { state->respond(std::move(response)); };
    try {
      core_->handler(std::move(request), std::move(responder));
    } catch (const std::exception& e) {
      core_->log(std::string("handler threw: ") + e.what());
      state->respond(text_response(500, "internal error"));
    } catch (...) {
      core_->log("handler threw a non-standard exception");
      state->respond(text_response(500, "internal error"));
    }
  }

  HttpResponse preflight(const HttpRequest& request) const {
    HttpResponse r;
    r.status = 204;
    r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS");
    const std::string* asked = request.header("access-control-request-headers");
    r.headers.emplace_back("Access-Control-Allow-Headers", asked ? *asked : "Content-Type");
    r.headers.emplace_back("Access-Control-Max-Age", std::string(kPreflightMaxAge));
    return r;
  }

  void send_error(int status, std::string message) {
    keep_alive_ = false;
    send(text_response(status, std::move(message)), true);
  }

  void send(HttpResponse r, bool close) {
    close = close || !keep_alive_ || stopping_;
    if (r.status < 100 || r.status > 599) {
      core_->log("handler answered invalid status " + std::to_string(r.status) + "; sent 500");
      r = text_response(500, "internal error");
    }
    auto res = std::make_shared<Response>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    if (!r.content_type.empty()) res->set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) {
      if (iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
          iequals(name, "connection")) {
        continue;  // framing is the server's
      }
      if (!valid_header(name, value)) {
        // A CR or LF would let a value (perhaps derived from a request) inject headers.
        core_->log("handler answered an invalid header '" + name + "'; left out");
        continue;
      }
      res->insert(name, value);
    }
    if (core_->config.cors) res->set(bhttp::field::access_control_allow_origin, "*");
    res->keep_alive(!close);
    bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
    size_t length = bodiless ? 0 : r.body.size();
    if (!bodiless) res->body() = std::move(r.body);
    res->prepare_payload();
    if (head_ && !bodiless) {
      res->body().clear();
      res->content_length(length);  // the length a GET would have had
    }
    core_->count(r.status);
    phase_ = Phase::kWriting;
    arm(core_->config.body_timeout);
    bhttp::async_write(socket_, *res, [self = shared_from_this(), res, close](error_code ec, size_t) {
      self->on_written(ec, close);
    });
  }

  void on_written(error_code ec, bool close) {
    if (phase_ == Phase::kClosed) return;
    disarm();
    if (ec) return close_now();
    if (close || stopping_) return linger_close();
    if (buffer_.size() > 0) return read_header();  // a pipelined request already read
    buffer_.shrink_to_fit();  // idle connections should not each keep a 64 KiB read buffer
    phase_ = Phase::kIdle;
    arm(core_->config.idle_timeout);
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code wec) {
      if (self->phase_ != Phase::kIdle) return;
      if (wec) return self->close_now();
      self->read_header();
    });
  }

  void linger_close() {
    phase_ = Phase::kClosing;
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close_now();
    arm(stopping_ ? kStopLinger : kLinger);
    drain();
  }

  void drain() {
    if (!drain_buffer_) drain_buffer_ = std::make_unique<std::array<uint8_t, 4096>>();
    socket_.async_read_some(asio::buffer(*drain_buffer_),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              if (self->phase_ != Phase::kClosing) return;
                              self->drained_ += n;
                              size_t limit = 2 * self->core_->config.max_body_bytes + (1 << 20);
                              if (ec || self->drained_ > limit) return self->close_now();
                              self->drain();
                            });
  }

  void close_now() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    disarm();
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    parser_.reset();
    buffer_.clear();
  }

  Core* core_;
  uint64_t id_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::unique_ptr<std::array<uint8_t, 4096>> drain_buffer_;
  std::string remote_;
  Phase phase_ = Phase::kHeader;
  uint64_t timer_gen_ = 0;
  uint64_t seq_ = 0;  // the request being answered; only its Responder is live
  size_t drained_ = 0;
  bool timed_out_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
  bool stopping_ = false;
};

void ResponderState::respond(HttpResponse response) {
  if (done.exchange(true)) return;
  asio::post(executor, [weak = connection, s = seq, r = std::move(response)]() mutable {
    if (auto c = weak.lock()) c->deliver(s, std::move(r));
  });
}

ResponderState::~ResponderState() {
  if (done.load()) return;
  core->log("handler dropped a request without responding; answered 500");
  respond(text_response(500, "internal error: the request was dropped"));
}

}  // namespace server_internal

void HttpServer::Core::do_accept() {
  acceptor->async_accept(
      asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
        if (ec) {
          // Typically out of file descriptors: retry shortly rather than spin.
          log("accept failed: " + ec.message());
          accept_retry->expires_after(std::chrono::milliseconds(50));
          accept_retry->async_wait([this](error_code wec) {
            if (!wec && acceptor->is_open()) do_accept();
          });
          return;
        }
        std::shared_ptr<Connection> connection;
        {
          std::lock_guard lock(mu);
          if (!stopping && open.load() < config.max_connections) {
            uint64_t id = next_id++;
            open.fetch_add(1);
            accepted.fetch_add(1, std::memory_order_relaxed);
            connection = std::make_shared<Connection>(this, std::move(socket), id);
            connections.emplace(id, connection);
          }
        }
        if (connection) {
          asio::post(connection->executor(), [connection] { connection->start(); });
        } else {
          refused.fetch_add(1, std::memory_order_relaxed);
          error_code cec;
          socket.close(cec);
        }
        do_accept();
      });
}

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (server_internal::iequals(key, name)) return &value;
  }
  return nullptr;
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(ServerConfig config, Handler handler) {
  if (!handler) return Error("HttpServer: no handler");
  if (config.threads < 1) return Error("HttpServer: threads must be at least 1");
  if (config.max_connections < 1) return Error("HttpServer: max_connections must be at least 1");
  if (config.max_header_bytes < 64 || config.max_header_bytes > (1u << 30)) {
    return Error("HttpServer: max_header_bytes must be between 64 bytes and 1 GiB");
  }
  auto core = std::make_shared<Core>();
  core->config = std::move(config);
  core->handler = std::move(handler);
  const ServerConfig& c = core->config;

  error_code ec;
  tcp::resolver resolver(core->ioc);
  auto endpoints = resolver.resolve(c.host, std::to_string(c.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return Error("cannot resolve " + c.host + ": " + (ec ? ec.message() : "no address"));
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto where = c.host + ":" + std::to_string(c.port);
  core->acceptor.emplace(asio::make_strand(core->ioc));
  core->accept_retry.emplace(core->acceptor->get_executor());
  auto& acceptor = *core->acceptor;
  if (acceptor.open(endpoint.protocol(), ec)) return Error("cannot open a socket: " + ec.message());
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec)) return Error("cannot bind " + where + ": " + ec.message());
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) {
    return Error("cannot listen on " + where + ": " + ec.message());
  }
  core->port = acceptor.local_endpoint(ec).port();
  core->do_accept();

  for (int i = 0; i < c.threads; ++i) {
    core->threads.emplace_back([raw = core.get()] {
      for (;;) {
        try {
          raw->ioc.run();
          return;
        } catch (const std::exception& e) {
          raw->log(std::string("io thread caught: ") + e.what());
        }
      }
    });
  }
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->core_ = std::move(core);
  return server;
}

HttpServer::~HttpServer() { stop(); }

uint16_t HttpServer::port() const { return core_->port; }

void HttpServer::stop() {
  if (!core_) return;
  Core& core = *core_;
  {
    std::lock_guard lock(core.mu);
    if (core.stopping) return;
    core.stopping = true;
  }
  asio::post(core.acceptor->get_executor(), [&core] {
    error_code ec;
    core.acceptor->close(ec);
    core.accept_retry->cancel();
  });

  auto each_connection = [&core](auto action) {
    std::vector<std::shared_ptr<Connection>> live;
    {
      std::lock_guard lock(core.mu);
      for (auto& [id, weak] : core.connections) {
        if (auto c = weak.lock()) live.push_back(std::move(c));
      }
    }
    for (auto& c : live) asio::post(c->executor(), [c, action] { action(*c); });
  };
  each_connection([](Connection& c) { c.begin_stop(); });
  {
    std::unique_lock lock(core.mu);
    core.cv.wait_for(lock, core.config.stop_grace, [&core] { return core.connections.empty(); });
  }
  each_connection([](Connection& c) { c.force_close(); });
  for (auto& t : core.threads) t.join();
  core.threads.clear();
}

ServerStats HttpServer::stats() const {
  ServerStats s;
  s.connections_open = core_->open.load();
  s.connections_accepted = core_->accepted.load();
  s.connections_refused = core_->refused.load();
  s.requests = core_->requests.load();
  s.responses_4xx = core_->r4xx.load();
  s.responses_5xx = core_->r5xx.load();
  return s;
}

}  // namespace chorus::http
