// HttpServer: an HTTP/1.1 listener that hands each request to one HttpHandler.
// Start() returns once the socket is bound; requests are served on the server's own threads.
// Stop() may be called from any thread except the server's; it closes the listener, lets
// in-flight requests (streamed responses included) finish for up to `drain_timeout`, then ends
// what still runs: `on_drain_timeout` lets the owner end its work with a proper error, and after
// `abort_timeout` requests still unanswered are answered 503; after another `abort_timeout` the
// threads are joined, and streams still open are closed and their OnClientGone callbacks run.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/http_types.h"

namespace berth {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port; see HttpServer::port()
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds header_timeout{10000};  // to receive the whole header
  // To receive the whole body; also the bound on writing a response, and on each write of a
  // streamed one (a client that stops reading a stream is dropped; a quiet stream is not).
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};  // keep-alive wait for the next request
  std::chrono::milliseconds drain_timeout{5000};  // the shutdown grace period
  // Called once, on the thread calling Stop(), if requests still run when drain_timeout ends:
  // the owner cancels its work so its streams end with an error the client can read.
  std::function<void()> on_drain_timeout;
  std::chrono::milliseconds abort_timeout{2000};  // for each step of ending what still runs
  // Open connections at most (0: no cap). One over the cap is answered 503 with Retry-After
  // if that can be done without waiting, and closed at once, so a flood of connections costs
  // berth no more descriptors than the cap (see connection_limit.h for choosing it).
  size_t max_connections = 0;
  HttpHandler handler;
  // Builds the response for a request the server rejects itself: malformed HTTP (400,
  // InvalidArgument), header too large (431, InvalidArgument), a transfer coding berth does not
  // implement (501, InvalidArgument), body too large (413, PayloadTooLarge), header or body too
  // slow (408, DeadlineExceeded). Lets the API layer keep one error shape; the HTTP status of
  // the answer is always the server's.
  std::function<HttpResponse(const Status&)> error_response;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // The bound port (useful with port 0).
  virtual int port() const = 0;
  virtual void Stop() = 0;
};

// Binds and starts serving. Unavailable if the address cannot be bound.
StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(HttpServerOptions options);

}  // namespace berth
