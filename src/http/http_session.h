// HttpSession: one accepted connection. It reads a request, hands it to the handler, writes the
// response the handler's responder posts back, and repeats while the connection is kept alive.
// A streamed response (HttpResponse::on_stream) is written chunk by chunk as its writer queues
// data (http_session_stream.cc). Everything runs on the session's loop (one thread); Start() may be
// called from any thread. Internal to src/http/.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "http/beast_asio.h"
#include "http/deadline_sweep.h"
#include "http/http_server.h"
#include "http/http_stream.h"
#include "http/http_types.h"
#include "http/io_loops.h"
#include "http/request_parser.h"

namespace berth::http_internal {

// State shared by the server, its sessions and every responder handed out; it outlives them all.
struct ServerShared {
  explicit ServerShared(HttpServerOptions opts) : options(std::move(opts)) {}

  const HttpServerOptions options;
  std::atomic<bool> stopping{false};  // no new keep-alive turns once Stop() began

  std::mutex mu;
  std::condition_variable drained;  // signalled (under mu) when in_flight drops to 0
  bool io_alive = true;             // guarded by mu; false once the io_context may go away
  // Requests handed to the handler, not yet written. An atomic, not under mu: every request
  // counts itself in and out, and a lock shared by all connections would serialize them.
  std::atomic<int> in_flight{0};

  std::atomic<size_t> connections{0};  // sessions alive (each holds one socket)
  std::atomic<int> unanswered{0};      // requests whose handler has not answered yet

  // Every started session, so Stop() can answer the requests still unanswered at its end.
  std::mutex sessions_mu;
  std::unordered_map<const HttpSession*, std::weak_ptr<HttpSession>> sessions;  // sessions_mu
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `socket` runs on `loop`, which one server thread runs (so the session needs no strand);
  // `sweep` is that loop's, and `loop_connections` its count of open connections (the session
  // counts itself in and out). `remote` is the peer's address, as accept() gave it.
  HttpSession(asio::io_context& loop, DeadlineSweep& sweep, std::atomic<size_t>& loop_connections,
              tcp::socket socket, const tcp::endpoint& remote,
              std::shared_ptr<ServerShared> shared);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Begins reading the first request. Any thread.
  void Start();

  // The executor (of its one-thread event loop) every operation of this session runs on.
  tcp::socket::executor_type executor() { return socket_.get_executor(); }
  asio::io_context& loop() { return loop_; }

  // Called on the session's loop with the handler's response, or nullopt if the handler dropped its
  // responder without answering.
  void OnResponse(std::optional<HttpResponse> response);

  // Whether the request handler is running (on the session's loop): a response it gives
  // synchronously is posted, not written inside the handler call.
  bool in_handler() const { return in_handler_; }

  // Called on the session's loop when the stream's writer has queued data or ended the body.
  void PumpStream();

  // Called on the session's loop when the server stops with this request still unanswered after the
  // grace period: answers 503 for the handler (its own answer is then dropped). Streams
  // already under way are left to their producer.
  void AbortForShutdown();

  // After the loops have stopped, from the stopping thread: lets a session still waiting for its
  // handler go with its loop.
  void ReleaseForShutdown() { answering_.reset(); }

 private:
  enum class ReadPhase { kHeader, kBody };

  // The streamed response being written, if any.
  struct Stream {
    std::shared_ptr<StreamChannel> channel;  // null for a head-only response
    std::vector<std::string> pieces;         // the batch being written, with its chunk framing
    std::vector<std::string> chunk_sizes;
    std::vector<asio::const_buffer> buffers;
    size_t batch_bytes = 0;
    bool active = false;  // from StartStream until the response ends or the client is gone
    bool chunked = false;
    bool keep_alive = false;
    bool writing = false;   // the head or a batch is being written
    bool watching = false;  // a read is outstanding to notice the client leaving
    bool complete = false;  // all written; waiting for the watching read to stop
    int direct_depth = 0;   // DoStreamWrites nested by writes done at once (SendNow)
  };

  // One deadline guards each async operation (checked by the loop's DeadlineSweep); when it
  // passes the operation is cancelled and its handler sees `timed_out`.
  void ArmDeadline(std::chrono::milliseconds timeout);
  bool DisarmDeadline();  // returns whether the deadline had fired
  void OnDeadline();

  void DoWaitIdle();
  void OnIdleRead(error_code ec, size_t bytes);
  void DoReadHeader();
  void OnReadHeader(error_code ec, size_t header_bytes);
  void DoSendContinue();
  void OnSendContinue(error_code ec);
  void DoReadBody();
  void OnReadBody(error_code ec);
  void FailRead(ReadPhase phase, error_code ec, bool timed_out);

  void Dispatch();
  void CallHandler(HttpRequest request);
  void DoWrite(HttpResponse response, bool keep_alive);
  void OnWrite(error_code ec, bool keep_alive);
  void SendErrorAndClose(const Status& status, int fallback_status);
  void EndInFlight();

  // Streamed responses (http_session_stream.cc).
  void StartStream(HttpResponse response, bool keep_alive);
  void CallOnStream(std::function<void(std::shared_ptr<HttpStreamWriter>)> on_stream);
  void WriteStreamHeadAlone();
  void OnStreamHead(error_code ec);
  void DoStreamWatch();
  void OnStreamWatch(error_code ec, size_t bytes);
  void DoStreamWrite(StreamChannel::Batch batch);
  void FrameBatch(StreamChannel::Batch& batch);
  void OnStreamWrite(error_code ec, StreamChannel::End end);
  void CompleteStream();
  void AfterStream();
  void StreamGone(std::string_view reason);

  void ShutdownAndLinger();
  void DoLinger();
  void Close();

  const std::shared_ptr<ServerShared> shared_;
  asio::io_context& loop_;
  std::atomic<size_t>& loop_connections_;
  tcp::socket socket_;
  DeadlineSweep::Entry deadline_;  // after socket_: leaves the sweep before the socket goes
  // The session itself, from the request's dispatch until its response is written (a stream's
  // too): the handler holds only a weak reference, and no socket operation may be pending
  // meanwhile. Released by the server's Stop() for sessions its loops leave behind.
  std::shared_ptr<HttpSession> answering_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::string write_head_;  // the whole response being written (or a stream's): its head
  std::string write_body_;  // and its body
  std::vector<asio::const_buffer> write_buffers_;  // what of the two is still to be written
  Stream stream_;
  std::string remote_address_;
  std::array<char, 4096> drain_{};

  bool timed_out_ = false;  // the armed deadline fired
  bool awaiting_response_ = false;
  bool in_handler_ = false;  // CallHandler is running the handler
  bool counted_in_flight_ = false;
  bool keep_alive_ = false;  // of the current request
  bool head_ = false;        // the current request is HEAD
  unsigned version_ = 11;    // of the current request
};

// Runs `fn(session)` on the session's loop later (posted, never inline), if the session and the
// loop are still there. From the loop's own thread (the usual case: the gateway answers on the
// connection's loop) the loop is running, so no lock is taken; from other threads it posts under
// shared.mu, which keeps the io_context alive (io_alive). Any thread.
template <typename Fn>
void PostToSession(ServerShared& shared, asio::io_context& loop,
                   const std::weak_ptr<HttpSession>& weak, Fn fn) {
  std::unique_lock<std::mutex> lock(shared.mu, std::defer_lock);
  if (CurrentIoLoop() != &loop) {
    lock.lock();
    if (!shared.io_alive) return;
  }
  std::shared_ptr<HttpSession> session = weak.lock();
  if (!session) return;
  asio::post(loop, [session = std::move(session), fn = std::move(fn)]() mutable { fn(*session); });
}

}  // namespace berth::http_internal
