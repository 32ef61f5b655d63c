#include "http/http_session.h"

#include <fmt/format.h>

#include <exception>
#include <utility>

#include "common/log.h"
#include "http/http_message.h"
#include "http/http_responder.h"
#include "http/request_checks_internal.h"
#include "http/send_now.h"

namespace berth::http_internal {
namespace {

// How long a closing connection keeps reading (and discarding) what the client still sends, so
// the kernel does not answer unread data with a reset that would destroy our error response.
constexpr std::chrono::milliseconds kLingerTimeout{1000};
// Bound on writing a response the server generated itself (best effort).
constexpr std::chrono::milliseconds kErrorWriteTimeout{2000};
// What a kept-alive connection reads at once while it waits for the next request.
constexpr size_t kIdleReadBytes = 4096;

bool IsHttpError(const error_code& ec) {
  return ec.category() == make_error_code(http::error::end_of_stream).category();
}

bool ExpectsContinue(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "Expect")) return EqualsIgnoreCase(value, "100-continue");
  }
  return false;
}

}  // namespace

HttpSession::HttpSession(asio::io_context& loop, DeadlineSweep& sweep,
                         std::atomic<size_t>& loop_connections, tcp::socket socket,
                         const tcp::endpoint& remote, std::shared_ptr<ServerShared> shared)
    : shared_(std::move(shared)),
      loop_(loop),
      loop_connections_(loop_connections),
      socket_(std::move(socket)),
      deadline_(sweep, [this] { OnDeadline(); }),
      remote_address_(FormatEndpoint(remote)) {
  shared_->connections.fetch_add(1, std::memory_order_relaxed);
  loop_connections_.fetch_add(1, std::memory_order_relaxed);
}

HttpSession::~HttpSession() {
  // Only when the server is destroyed with the stream still running (Stop's drain timed out).
  if (stream_.active && stream_.channel) stream_.channel->MarkGone();
  EndInFlight();
  if (awaiting_response_) shared_->unanswered.fetch_sub(1, std::memory_order_relaxed);
  shared_->connections.fetch_sub(1, std::memory_order_relaxed);
  loop_connections_.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(shared_->sessions_mu);
  shared_->sessions.erase(this);
}

void HttpSession::Start() {
  {
    std::lock_guard<std::mutex> lock(shared_->sessions_mu);
    shared_->sessions.emplace(this, weak_from_this());
  }
  asio::dispatch(executor(), [self = shared_from_this()] { self->DoReadHeader(); });
}

void HttpSession::AbortForShutdown() {
  if (!awaiting_response_) return;
  LOG_WARN("http: answering 503 for a request of {} still running at shutdown", remote_address_);
  OnResponse(ServerErrorResponse(
      shared_->options,
      Unavailable("the server is shutting down and the request did not finish in time"), 503));
}

void HttpSession::ArmDeadline(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  deadline_.Arm(timeout);
}

bool HttpSession::DisarmDeadline() {
  deadline_.Disarm();
  return std::exchange(timed_out_, false);
}

void HttpSession::OnDeadline() {
  timed_out_ = true;
  error_code ec;
  socket_.cancel(ec);  // the pending operation completes with operation_aborted
}

void HttpSession::DoWaitIdle() {
  if (buffer_.size() > 0) return DoReadHeader();  // the client already sent more
  ArmDeadline(shared_->options.idle_timeout);
  // A read rather than a wait for readability: Asio starts a read without touching epoll (a
  // wait re-arms the descriptor with epoll_ctl, one system call per request), and the next
  // request's first bytes land in buffer_, where the header parser starts.
  socket_.async_read_some(
      buffer_.prepare(kIdleReadBytes),
      [self = shared_from_this()](error_code ec, size_t bytes) { self->OnIdleRead(ec, bytes); });
}

void HttpSession::OnIdleRead(error_code ec, size_t bytes) {
  buffer_.commit(bytes);
  DisarmDeadline();
  if (ec || shared_->stopping) return Close();
  DoReadHeader();
}

void HttpSession::DoReadHeader() {
  const HttpServerOptions& options = shared_->options;
  parser_.emplace(options);
  // A head already in the buffer (a kept-alive connection's next request, read by DoWaitIdle)
  // is parsed here, as async_read_header would parse it, without the turn of the loop its
  // completion costs. Beast parses a head only once it is whole, so "need more" consumed nothing
  // and the async read takes over from the same parser.
  if (buffer_.size() > 0) {
    parser_->eager(false);
    error_code ec;
    const size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec != http::error::need_more) return OnReadHeader(ec, used);
  }
  ArmDeadline(options.header_timeout);
  http::async_read_header(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t bytes) { self->OnReadHeader(ec, bytes); });
}

void HttpSession::OnReadHeader(error_code ec, size_t header_bytes) {
  const bool timed_out = DisarmDeadline();
  if (!ec) ec = CheckHeaderSize(header_bytes, shared_->options);
  if (ec) return FailRead(ReadPhase::kHeader, ec, timed_out);
  const HttpRequest& request = parser_->request();
  // Before anything else reads the body: a framing the parser would misread is refused here.
  if (std::optional<RequestRejection> rejection = CheckRequestHead(request, parser_->version())) {
    return SendErrorAndClose(rejection->status, rejection->http_status);
  }
  keep_alive_ = parser_->keep_alive();
  head_ = parser_->is_head();
  version_ = parser_->version();
  if (parser_->is_done()) return Dispatch();
  if (ExpectsContinue(request)) return DoSendContinue();
  DoReadBody();
}

void HttpSession::DoSendContinue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  ArmDeadline(shared_->options.body_timeout);
  asio::async_write(
      socket_, asio::buffer(kContinue.data(), kContinue.size()),
      [self = shared_from_this()](error_code ec, size_t) { self->OnSendContinue(ec); });
}

void HttpSession::OnSendContinue(error_code ec) {
  DisarmDeadline();
  if (ec) return Close();
  DoReadBody();
}

void HttpSession::DoReadBody() {
  // As for the head: a body already in the buffer is parsed here, as async_read would.
  if (buffer_.size() > 0) {
    parser_->eager(true);
    error_code ec;
    while (buffer_.size() > 0 && !parser_->is_done() && !ec) {
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (used == 0 && !ec) break;
    }
    if (ec == http::error::need_more) ec = {};
    if (ec || parser_->is_done()) return OnReadBody(ec);
  }
  ArmDeadline(shared_->options.body_timeout);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](error_code ec, size_t) { self->OnReadBody(ec); });
}

void HttpSession::OnReadBody(error_code ec) {
  const bool timed_out = DisarmDeadline();
  if (ec) return FailRead(ReadPhase::kBody, ec, timed_out);
  Dispatch();
}

void HttpSession::FailRead(ReadPhase phase, error_code ec, bool timed_out) {
  const HttpServerOptions& options = shared_->options;
  if (timed_out) {
    const bool header = phase == ReadPhase::kHeader;
    return SendErrorAndClose(
        Status(StatusCode::kDeadlineExceeded,
               fmt::format("request {} not received within {} ms", header ? "header" : "body",
                           (header ? options.header_timeout : options.body_timeout).count())),
        408);
  }
  // A client that closed or reset the connection gets no answer.
  if (ec != http::error::body_limit && (!IsHttpError(ec) || ec == http::error::end_of_stream ||
                                        ec == http::error::partial_message)) {
    return Close();
  }
  const RequestRejection rejection = RejectionForParseError(ec, options);
  SendErrorAndClose(rejection.status, rejection.http_status);
}

void HttpSession::Dispatch() {
  shared_->in_flight.fetch_add(1, std::memory_order_relaxed);
  counted_in_flight_ = true;
  awaiting_response_ = true;
  shared_->unanswered.fetch_add(1, std::memory_order_relaxed);
  answering_ = shared_from_this();
  HttpRequest request = parser_->Release(remote_address_);
  parser_.reset();
  CallHandler(std::move(request));
}

void HttpSession::CallHandler(HttpRequest request) {
  HttpResponder responder = MakeResponder(loop_, weak_from_this(), shared_);
  in_handler_ = true;
  try {
    shared_->options.handler(std::move(request), responder);
    in_handler_ = false;
    return;
  } catch (const std::exception& e) {
    LOG_ERROR("http: handler threw: {}", e.what());
  } catch (...) {
    LOG_ERROR("http: handler threw a non-standard exception");
  }
  in_handler_ = false;
  responder(ServerErrorResponse(shared_->options, Internal("the request handler failed"), 500));
}

void HttpSession::OnResponse(std::optional<HttpResponse> response) {
  if (!awaiting_response_) return;
  awaiting_response_ = false;
  shared_->unanswered.fetch_sub(1, std::memory_order_relaxed);
  if (!response) {
    LOG_ERROR("http: handler dropped a request without responding");
    response =
        ServerErrorResponse(shared_->options, Internal("the request handler did not respond"), 500);
  }
  const bool keep_alive = keep_alive_ && !shared_->stopping;
  // A stream keeps answering_: it holds the session while the producer is quiet.
  if (response->on_stream) return StartStream(std::move(*response), keep_alive);
  // The write's handler holds the session from here (this runs in a posted handler that holds it).
  answering_.reset();
  DoWrite(std::move(*response), keep_alive);
}

void HttpSession::DoWrite(HttpResponse response, bool keep_alive) {
  try {
    // Serialized here rather than by Beast's serializer (its buffer sequences and header map
    // were a few percent of a proxied request's CPU); write_head_ keeps its storage.
    SerializeResponse(response, {version_, keep_alive, head_}, write_head_, write_body_);
  } catch (const std::exception& e) {
    LOG_ERROR("http: cannot build a response: {}", e.what());
    EndInFlight();
    return Close();
  }
  write_buffers_.assign({asio::buffer(write_head_), asio::buffer(write_body_)});
  // Written at once when the socket takes it all (most responses), without Asio's write
  // operation. The next read starts a turn of the loop later, as after an async_write: started at
  // once, it would only find the client's next request not sent yet (a wasted read).
  if (SendNow(socket_, write_buffers_)) {
    asio::post(loop_, [self = shared_from_this(), keep_alive] { self->OnWrite({}, keep_alive); });
    return;
  }
  ArmDeadline(counted_in_flight_ ? shared_->options.body_timeout : kErrorWriteTimeout);
  asio::async_write(socket_, write_buffers_,
                    [self = shared_from_this(), keep_alive](error_code ec, size_t) {
                      self->OnWrite(ec, keep_alive);
                    });
}

void HttpSession::OnWrite(error_code ec, bool keep_alive) {
  DisarmDeadline();
  write_body_ = {};
  EndInFlight();
  if (ec) return Close();
  if (!keep_alive || shared_->stopping) return ShutdownAndLinger();
  DoWaitIdle();
}

void HttpSession::SendErrorAndClose(const Status& status, int fallback_status) {
  parser_.reset();
  keep_alive_ = false;
  head_ = false;
  DoWrite(ServerErrorResponse(shared_->options, status, fallback_status), false);
}

void HttpSession::EndInFlight() {
  if (!counted_in_flight_) return;
  counted_in_flight_ = false;
  if (shared_->in_flight.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Under mu, so a Stop() that just saw in_flight > 0 is already waiting and gets the signal.
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->drained.notify_all();
}

void HttpSession::ShutdownAndLinger() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  ArmDeadline(kLingerTimeout);
  DoLinger();
}

void HttpSession::DoLinger() {
  socket_.async_read_some(asio::buffer(drain_), [self = shared_from_this()](error_code ec, size_t) {
    if (!ec) return self->DoLinger();
    self->DisarmDeadline();
    self->Close();
  });
}

void HttpSession::Close() {
  error_code ec;
  socket_.close(ec);
  answering_.reset();  // last: `this` may go with it
}

}  // namespace berth::http_internal
