// A blocking HTTP/1.1 client for loopback peers: replica health checks and tests. Each call opens
// one connection, sends one request, reads the whole response (Content-Length, chunked or
// until close) and closes. Thread-safe: call it from any thread that may block (worker threads,
// tests) — never from an HttpServer handler, which runs on a network thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/http_types.h"

namespace berth {

struct HttpClientResponse;

struct HttpClientRequest {
  std::string host = "127.0.0.1";  // an IP address or a name to resolve
  int port = 0;
  std::string method = "GET";
  std::string target = "/";  // path and query, e.g. "/health"
  HeaderList headers;        // Host defaults to host:port; Content-Length and Connection are ours
  std::string body;
  // Bounds the whole exchange: resolving, connecting, sending and reading the response.
  std::chrono::milliseconds timeout{5000};
  size_t max_body_bytes = 64 << 20;
  // Optional streaming read: when set, the body is not collected. Each piece is handed to
  // on_body as it arrives, with the response's status and headers (its body empty); returning
  // false stops reading and ends the exchange successfully. max_body_bytes does not apply; the
  // timeout still bounds the whole exchange. Runs on the calling thread.
  std::function<bool(const HttpClientResponse& head, std::string_view data)> on_body;
};

struct HttpClientResponse {
  int status = 0;
  HeaderList headers;  // names as received
  std::string body;    // reassembled if it was chunked

  // The first header with this name (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
};

// Sends `request` and returns the response, whatever its status. Fails with InvalidArgument for
// a bad request (port, method, header), Unavailable when the peer cannot be reached or breaks
// the connection (refused, reset, closed early, malformed or oversized response), and
// DeadlineExceeded when the whole exchange takes longer than `request.timeout`.
StatusOr<HttpClientResponse> HttpRequestBlocking(const HttpClientRequest& request);

// GET http://host:port/target; see HttpRequestBlocking.
StatusOr<HttpClientResponse> HttpGet(std::string host, int port, std::string target,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace berth
