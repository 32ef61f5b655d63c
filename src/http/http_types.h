// Plain HTTP request and response values exchanged between the http layer and handlers.
// No Beast types here, so handlers compile without Beast headers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/api/v1/deployments?page_no=2"
  std::string path;    // target before '?', still percent-encoded
  std::string query;   // target after '?', without it
  HeaderList headers;  // names as received
  std::string body;
  std::string remote_address;

  // The first header with this name (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
};

// The body of a streamed response (SSE, chunked), written piece by piece after the head.
// Every method is thread-safe and never blocks.
// Each non-empty Write() goes out as one HTTP chunk (HTTP/1.0 clients get the raw bytes and the
// connection closes at the end); Write("") sends nothing. A writer destroyed without Finish()
// abandons the response: what was queued is sent, then the connection is closed without the
// terminating chunk, so the client sees a truncated body rather than a complete one.
class HttpStreamWriter {
 public:
  virtual ~HttpStreamWriter() = default;
  // Queues `data` for the client, in order. Returns false once the client is gone (the data is
  // dropped; the producer should stop and cancel its own work), and after Finish().
  virtual bool Write(std::string data) = 0;
  // Ends the body. Further writes are ignored.
  virtual void Finish() = 0;
  // Write(last) and Finish() in one step: the last data and the body's end go to the client
  // together (one write where the two steps could each make one).
  virtual void FinishWith(std::string last) {
    if (!last.empty()) Write(std::move(last));
    Finish();
  }
  // Bytes queued but not yet written to the socket: the producer's back-pressure signal.
  virtual size_t Pending() const = 0;
  // Runs `callback` once (on any thread) if the client disconnects before Finish(); at once if
  // it already has.
  virtual void OnClientGone(std::function<void()> callback) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers;  // extra headers
  std::string body;
  // When set, `body` is ignored: this is called (on any thread) with the writer of the body, and
  // the head goes out with chunked transfer encoding, together with what the call wrote at once.
  // It must not block: it may run on a server thread. Not called for HEAD requests or statuses
  // without a body (only the head goes).
  std::function<void(std::shared_ptr<HttpStreamWriter>)> on_stream;
};

// Handlers answer exactly once by calling the responder, from any thread, at any later time.
using HttpResponder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, HttpResponder)>;

}  // namespace berth
