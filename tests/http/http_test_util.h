// Helpers for http_server_test: a blocking HTTP/1.1 client over a raw POSIX socket (every read
// bounded by a timeout so a misbehaving server fails the test instead of hanging it; one thread
// at a time per client), an echo handler, and a slot that passes a responder to the test thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/http_server.h"
#include "http/http_types.h"

namespace berth::testing {

struct ClientResponse {
  int status = 0;
  HeaderList headers;
  std::string body;

  // The first header with this name (case-insensitive), or "" if absent.
  std::string Header(std::string_view name) const;
};

class TestClient {
 public:
  // Connects to 127.0.0.1:port; connected() says whether it worked.
  explicit TestClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // The socket, for poll() over many clients.
  int fd() const { return fd_; }
  // Sends all of `data`; false if the connection failed.
  bool Send(std::string_view data);
  // Reads one response framed by Content-Length (absent: no body); nullopt on close or timeout.
  std::optional<ClientResponse> ReadResponse();
  // Reads the status line and headers only, leaving the body unread.
  std::optional<ClientResponse> ReadHead();
  // Reads one chunk of a chunked body: its data, or "" for the terminating chunk (no trailers
  // expected); nullopt on close, timeout or bad framing.
  std::optional<std::string> ReadChunk();
  // Reads everything until the server closes (or the timeout); what arrived.
  std::string ReadUntilClose();
  // True if the server closes (or resets) the connection before the timeout.
  bool WaitForClose();
  // Closes the connection now.
  void Close();

 private:
  // Reads more bytes into buffer_; false on close, error or timeout.
  bool Fill();
  // Reads up to and including the next CRLF; the line without it.
  std::optional<std::string> ReadLine();

  int fd_ = -1;
  std::string buffer_;
};

// Sends one request on a new connection and reads the response.
std::optional<ClientResponse> RoundTrip(int port, std::string_view request);

inline constexpr char kSimpleGet[] = "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n";

// Echoes the request back: method, path, query, target, X-Test and the remote address as X-*
// headers, the body as the body. 201 for POST, 200 otherwise.
void EchoHandler(HttpRequest request, HttpResponder respond);

// Renders server-generated errors as the API layer would: {"code":"<STATUS CODE NAME>"}.
HttpResponse JsonError(const Status& status);

// Port 0, two threads, JsonError, and timeouts of 2 s.
HttpServerOptions TestOptions(HttpHandler handler = EchoHandler);

// Starts a server, failing the test (and returning null) if it cannot.
std::unique_ptr<HttpServer> Start(HttpServerOptions options);

HttpResponse TextResponse(int status, std::string body);

// Hands the responder of one request from the handler (on a server thread) to the test thread.
class ResponderSlot {
 public:
  HttpHandler Handler();
  // Waits for the handler to run and takes its responder (empty after the timeout).
  HttpResponder Take(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  HttpResponder responder_;  // guarded by mu_
};

// Answers requests for /events with a streamed text/event-stream response and hands each writer
// to the test thread in order; other paths go to EchoHandler.
class StreamSlot {
 public:
  HttpHandler Handler();
  // Waits for the next on_stream call and takes its writer (null after the timeout).
  std::shared_ptr<HttpStreamWriter> Take(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  int streams_started();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<HttpStreamWriter>> writers_;  // guarded by mu_
  int started_ = 0;                                        // guarded by mu_
};

}  // namespace berth::testing
