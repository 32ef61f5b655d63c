#include "http/http_client.h"

#include <fmt/format.h>
#include <strings.h>

#include <exception>
#include <limits>
#include <utility>
#include <vector>

#include "http/beast_asio.h"

namespace berth {
namespace {

using http_internal::BeastRequest;
using http_internal::error_code;
using http_internal::tcp;
namespace asio = http_internal::asio;
namespace beast = http_internal::beast;
namespace http = http_internal::http;

constexpr std::uint32_t kMaxResponseHeaderBytes = 64 << 10;

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= ' ' || c >= 127 || std::string_view("\"(),/:;<=>?@[\\]{}").find(c) != s.npos) {
      return false;
    }
  }
  return true;
}

bool HasControl(std::string_view s) {
  for (char c : s) {
    if ((c >= 0 && c < ' ' && c != '\t') || c == 127) return true;
  }
  return false;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// One request/response exchange on its own io_context, run on the calling thread. Each async
// step is a Do/On pair; a single timer bounds them all and, when it fires, closes the socket.
class ClientExchange {
 public:
  explicit ClientExchange(const HttpClientRequest& request)
      : request_(request), resolver_(ioc_), socket_(ioc_), timer_(ioc_) {}

  StatusOr<HttpClientResponse> Run();

 private:
  Status BuildRequest();
  void DoResolve();
  void OnResolve(error_code ec, const tcp::resolver::results_type& results);
  template <typename Endpoints>
  void DoConnect(const Endpoints& endpoints);
  void OnConnect(error_code ec);
  void OnWrite(error_code ec);
  void OnRead(error_code ec);
  void DoReadSome();
  void OnReadSome(error_code ec);
  void OnTimeout(error_code ec);
  void Fail(std::string_view step, error_code ec);
  void Done(Status status);
  HttpClientResponse TakeResponse();
  HttpClientResponse Head() const;

  const HttpClientRequest& request_;
  asio::io_context ioc_{1};
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  BeastRequest beast_request_;
  http::response_parser<http::string_body> parser_;
  Status status_;
  bool done_ = false;
  HttpClientResponse head_;  // streaming reads only: status and headers, once parsed
  bool have_head_ = false;
};

StatusOr<HttpClientResponse> ClientExchange::Run() {
  RETURN_IF_ERROR(BuildRequest());
  timer_.expires_after(request_.timeout);
  timer_.async_wait([this](error_code ec) { OnTimeout(ec); });
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(request_.host, ec);
  if (ec) {
    DoResolve();
  } else {
    DoConnect(std::vector<tcp::endpoint>{
        tcp::endpoint(address, static_cast<unsigned short>(request_.port))});
  }
  ioc_.run();
  if (!status_.ok()) return status_;
  if (request_.on_body) return have_head_ ? head_ : Head();
  return TakeResponse();
}

Status ClientExchange::BuildRequest() {
  if (request_.port <= 0 || request_.port > 65535) {
    return InvalidArgument(fmt::format("invalid port {}", request_.port));
  }
  if (!IsToken(request_.method)) return InvalidArgument("invalid HTTP method");
  if (request_.target.empty() || HasControl(request_.target) ||
      request_.target.find(' ') != std::string::npos) {
    return InvalidArgument(fmt::format("invalid request target '{}'", request_.target));
  }
  beast_request_.version(11);
  beast_request_.method_string(request_.method);
  beast_request_.target(request_.target);
  const bool ipv6 = request_.host.find(':') != std::string::npos;
  beast_request_.set(http::field::host, ipv6 ? fmt::format("[{}]:{}", request_.host, request_.port)
                                             : fmt::format("{}:{}", request_.host, request_.port));
  beast_request_.set(http::field::user_agent, "berth");
  for (const auto& [name, value] : request_.headers) {
    if (!IsToken(name) || HasControl(value)) {
      return InvalidArgument(fmt::format("invalid request header '{}'", name));
    }
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
        EqualsIgnoreCase(name, "Connection")) {
      continue;
    }
    beast_request_.set(name, value);
  }
  beast_request_.body() = request_.body;
  beast_request_.keep_alive(false);
  beast_request_.prepare_payload();
  parser_.header_limit(kMaxResponseHeaderBytes);
  parser_.body_limit(request_.on_body ? std::numeric_limits<std::uint64_t>::max()
                                      : static_cast<std::uint64_t>(request_.max_body_bytes));
  parser_.skip(beast_request_.method() ==
               http::verb::head);  // no body follows, whatever the head says
  return Status::Ok();
}

void ClientExchange::DoResolve() {
  resolver_.async_resolve(
      request_.host, std::to_string(request_.port),
      [this](error_code ec, tcp::resolver::results_type results) { OnResolve(ec, results); });
}

void ClientExchange::OnResolve(error_code ec, const tcp::resolver::results_type& results) {
  if (ec) return Fail("resolve", ec);
  DoConnect(results);
}

template <typename Endpoints>
void ClientExchange::DoConnect(const Endpoints& endpoints) {
  asio::async_connect(socket_, endpoints,
                      [this](error_code ec, const tcp::endpoint&) { OnConnect(ec); });
}

void ClientExchange::OnConnect(error_code ec) {
  if (ec) return Fail("connect", ec);
  socket_.set_option(tcp::no_delay(true), ec);
  http::async_write(socket_, beast_request_, [this](error_code ec, size_t) { OnWrite(ec); });
}

void ClientExchange::OnWrite(error_code ec) {
  if (ec) return Fail("send", ec);
  if (request_.on_body) return DoReadSome();
  http::async_read(socket_, buffer_, parser_, [this](error_code ec, size_t) { OnRead(ec); });
}

void ClientExchange::OnRead(error_code ec) {
  if (ec) return Fail("read", ec);
  Done(Status::Ok());
}

void ClientExchange::DoReadSome() {
  http::async_read_some(socket_, buffer_, parser_,
                        [this](error_code ec, size_t) { OnReadSome(ec); });
}

// Hands what the parser has decoded so far to on_body, then clears it, so the body never grows.
void ClientExchange::OnReadSome(error_code ec) {
  if (ec) return Fail("read", ec);
  if (parser_.is_header_done()) {
    if (!have_head_) {
      head_ = Head();
      have_head_ = true;
    }
    std::string& body = parser_.get().body();
    if (!body.empty()) {
      bool more = request_.on_body(head_, body);
      body.clear();
      if (!more) return Done(Status::Ok());
    }
  }
  if (parser_.is_done()) return Done(Status::Ok());
  DoReadSome();
}

void ClientExchange::OnTimeout(error_code ec) {
  if (ec || done_) return;
  Done(
      Status(StatusCode::kDeadlineExceeded,
             fmt::format("{} http://{}:{}{}: no response within {} ms", request_.method,
                         request_.host, request_.port, request_.target, request_.timeout.count())));
}

void ClientExchange::Fail(std::string_view step, error_code ec) {
  Done(Unavailable(fmt::format("{} http://{}:{}{}: {}: {}", request_.method, request_.host,
                               request_.port, request_.target, step, ec.message())));
}

// Closing the socket and cancelling the rest makes every pending handler run, so run() returns.
void ClientExchange::Done(Status status) {
  if (done_) return;
  done_ = true;
  status_ = std::move(status);
  error_code ignored;
  timer_.cancel();
  resolver_.cancel();
  socket_.close(ignored);
}

HttpClientResponse ClientExchange::Head() const {
  const auto& message = parser_.get();
  HttpClientResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return response;
}

HttpClientResponse ClientExchange::TakeResponse() {
  HttpClientResponse response = Head();
  response.body = std::move(parser_.release().body());
  return response;
}

}  // namespace

std::string_view HttpClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

StatusOr<HttpClientResponse> HttpRequestBlocking(const HttpClientRequest& request) {
  try {
    ClientExchange exchange(request);
    return exchange.Run();
  } catch (const std::exception& e) {
    return Internal(fmt::format("http client: {}", e.what()));
  }
}

StatusOr<HttpClientResponse> HttpGet(std::string host, int port, std::string target,
                                     std::chrono::milliseconds timeout) {
  HttpClientRequest request;
  request.host = std::move(host);
  request.port = port;
  request.target = std::move(target);
  request.timeout = timeout;
  return HttpRequestBlocking(request);
}

}  // namespace berth
