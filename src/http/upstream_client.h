// UpstreamClient: asynchronous HTTP/1.1 calls from the gateway to model engines over loopback.
// Connections are kept alive and pooled per port, with TCP_NODELAY (an idle one the engine closes
// is dropped at once, and ForgetEndpoint drops a port's); a response body is handed
// over piece by piece as it arrives (de-chunked), never buffered whole. No Beast types here.
//
// Threads: Send() and Cancel() may be called from any thread. A call's handlers run on the
// client's io threads, one at a time and in order (on_head, on_data..., on_done), and must not
// block. StartUpstreamClient() starts the threads; destroying the client stops them.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/http_types.h"

namespace berth {

struct UpstreamRequest {
  int port = 0;
  std::string host;  // an IPv4 address (a pod's); empty: 127.0.0.1
  std::string method = "POST";
  std::string target = "/";
  HeaderList headers;  // Host, Content-Length and Connection are the client's
  std::string body;
  std::chrono::milliseconds connect_timeout{2000};
  // Longest wait for the next bytes of the response (a model may think for a while).
  std::chrono::milliseconds read_timeout{600000};
};

struct UpstreamHandlers {
  std::function<void(int status, const HeaderList& headers)> on_head;
  // `last`: the body ends with this piece (on_done with OK follows at once). False says
  // nothing: a body framed by the end of the connection learns its end only afterwards.
  std::function<void(std::string_view data, bool last)> on_data;
  // Exactly once, last (also after Cancel). OK: the whole response arrived. Otherwise
  // Unavailable (connection failed or broke), DeadlineExceeded (read_timeout) or Aborted
  // (cancelled). `nothing_sent`: no byte of the request reached the engine, so another replica
  // may be tried (a refused connection).
  std::function<void(const Status& status, bool nothing_sent)> on_done;
};

// The message of the Aborted status calls end with after AbortAll().
inline constexpr char kShutdownAbortMessage[] = "berth is shutting down";

// A call under way.
class UpstreamCall {
 public:
  virtual ~UpstreamCall() = default;
  // Closes the call's connection; on_done follows with Aborted unless it already ran.
  virtual void Cancel() = 0;
};

class UpstreamClient {
 public:
  virtual ~UpstreamClient() = default;
  virtual std::shared_ptr<UpstreamCall> Send(UpstreamRequest request,
                                             UpstreamHandlers handlers) = 0;
  // Kept-alive connections currently idle in the pool (for metrics and tests). An idle
  // connection the engine closes leaves the pool by itself.
  virtual size_t IdleConnections() const = 0;
  // Closes the idle connections to `host`:`port` (empty host: 127.0.0.1): its engine is gone or
  // no longer routed. Calls under way are not affected. Any thread; not concurrently with the
  // client's destruction.
  virtual void ForgetEndpoint(const std::string& host, int port) = 0;
  // Ends every call under way, for shutdown: each one's on_done follows with Aborted and the
  // message kShutdownAbortMessage (not a retry: nothing is tried again). Any thread.
  virtual void AbortAll() = 0;
};

struct UpstreamClientOptions {
  int threads = 1;
  size_t max_idle_per_port = 256;
};

std::unique_ptr<UpstreamClient> StartUpstreamClient(UpstreamClientOptions options = {});

}  // namespace berth
