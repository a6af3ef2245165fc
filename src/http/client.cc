#include "http/client.h"

#include <limits>
#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace chorus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The errors that mean "the server had closed this connection" when nothing was received yet.
bool is_closed_by_peer(error_code ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

}  // namespace

Result<ParsedUrl> parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || lower(url.substr(0, kScheme.size())) != kScheme) {
    if (lower(url.substr(0, 8)) == "https://") {
      return Error("https URLs are not supported (plain http only)");
    }
    return Error("URL must start with http://: " + std::string(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  ParsedUrl out;
  if (path_start != std::string_view::npos) {
    out.target = std::string(rest.substr(path_start));
    if (out.target[0] == '?') out.target = "/" + out.target;
  }
  if (authority.find('@') != std::string_view::npos) {
    return Error("URL with user info is not supported: " + std::string(url));
  }
  std::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error("unterminated IPv6 address in " + std::string(url));
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Error("unexpected text after IPv6 address in " + std::string(url));
      port_text = after.substr(1);
      if (port_text.empty()) return Error("empty port in " + std::string(url));
    }
  } else {
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return Error("empty port in " + std::string(url));
    }
  }
  if (out.host.empty()) return Error("URL without a host: " + std::string(url));
  if (!port_text.empty()) {
    uint32_t port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) return Error("bad port in " + std::string(url));
      port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    if (port == 0 || port > 65535) return Error("port out of range in " + std::string(url));
    out.port = static_cast<uint16_t>(port);
  }
  return out;
}

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  asio::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
  uint64_t opened = 0;

  // Runs the operation started by `start` until it completes or `deadline` passes; on timeout the
  // socket is closed (which completes the operation with an error) and timed_out is returned.
  template <typename Start>
  error_code run(Start start, Clock::time_point deadline) {
    std::optional<error_code> result;
    ioc.restart();
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.run_until(deadline);
    if (!result) {
      error_code ignored;
      socket.close(ignored);
      connected = false;
      ioc.restart();
      ioc.run();
      return asio::error::timed_out;
    }
    return *result;
  }

  void close() {
    error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    buffer.clear();
    connected = false;
  }

  Status connect(Clock::time_point deadline) {
    close();
    error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_service, ec);
    if (ec) return Error("cannot resolve " + host + ": " + ec.message());
    ec = run([&](auto handler) { asio::async_connect(socket, endpoints, handler); }, deadline);
    if (ec) {
      close();
      return Error("cannot connect to " + host + ":" + std::to_string(port) + ": " + ec.message());
    }
    socket.set_option(tcp::no_delay(true), ec);
    connected = true;
    ++opened;
    return ok_status();
  }

  // One exchange on the open connection. `retryable` is set when the failure happened before any
  // byte of the response arrived, with the peer closing the connection.
  Result<HttpResponse> exchange(const bhttp::request<bhttp::vector_body<uint8_t>>& req, bool head,
                                Clock::time_point deadline, bool& retryable) {
    retryable = false;
    error_code write_ec =
        run([&](auto handler) { bhttp::async_write(socket, req, handler); }, deadline);
    if (write_ec && !is_closed_by_peer(write_ec)) {
      return Error("sending the request failed: " + write_ec.message());
    }
    // Even when the server stopped reading and closed, it may have answered first (413 for a body
    // over its limit, say), so the response is read either way.
    bhttp::response_parser<bhttp::vector_body<uint8_t>> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    parser.header_limit(1 << 20);
    if (head) parser.skip(true);
    error_code ec =
        run([&](auto handler) { bhttp::async_read(socket, buffer, parser, handler); }, deadline);
    if (ec) {
      retryable = !parser.got_some() && is_closed_by_peer(ec);
      if (write_ec) return Error("sending the request failed: " + write_ec.message());
      if (ec == asio::error::timed_out) return Error("no response within the timeout");
      return Error("reading the response failed: " + ec.message());
    }
    if (write_ec) close();  // answered, but the connection is unusable
    auto& msg = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      out.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    }
    if (auto it = msg.find(bhttp::field::content_type); it != msg.end()) {
      out.content_type = std::string(it->value());
    }
    out.body = std::move(msg.body());
    if (!msg.keep_alive()) close();
    return out;
  }
};

HttpClient::HttpClient(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() { impl_->close(); }

void HttpClient::close() { impl_->close(); }

uint64_t HttpClient::connections_opened() const { return impl_->opened; }

Result<HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                         const HeaderList& headers, ByteView body,
                                         std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  bhttp::request<bhttp::vector_body<uint8_t>> req;
  req.version(11);
  req.method_string(method);
  req.target(target);
  bool is_v6 = impl_->host.find(':') != std::string::npos;
  req.set(bhttp::field::host, (is_v6 ? "[" + impl_->host + "]" : impl_->host) + ":" +
                                  std::to_string(impl_->port));
  for (const auto& [name, value] : headers) req.insert(name, value);
  req.body().assign(body.begin(), body.end());
  if (!body.empty() || method == "POST" || method == "PUT") req.prepare_payload();
  bool head = method == "HEAD";

  bool reused = impl_->connected;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->connected) CHORUS_RETURN_IF_ERROR(impl_->connect(deadline));
    bool retryable = false;
    auto response = impl_->exchange(req, head, deadline, retryable);
    if (response.ok()) return response;
    impl_->close();
    if (!(retryable && reused)) return response;
    reused = false;  // a fresh connection gets no second chance
  }
  return Error("unreachable");
}

}  // namespace chorus::http
