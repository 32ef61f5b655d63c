// The body of a streamed response between its producer and its connection. StreamChannel is the
// queue: the producer side is thread-safe, the session side runs on the session's loop.
// MakeStreamWriter wraps a channel in the HttpStreamWriter handed to HttpResponse::on_stream.
// Internal to src/http/.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/http_types.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace berth::http_internal {

class HttpSession;
struct ServerShared;

class StreamChannel {
 public:
  enum class End { kOpen, kFinished, kAbandoned };
  enum class Push { kRejected, kQueued, kQueuedWake };

  // What the session takes in one go: every queued piece, and whether the body has ended.
  struct Batch {
    std::vector<std::string> pieces;
    size_t bytes = 0;
    End end = End::kOpen;
  };

  // Producer side, any thread. kQueuedWake: the session is idle and must be woken (PumpStream).
  Push Enqueue(std::string data);
  // Finish() or abandonment; returns whether the session must be woken. Only the first counts.
  bool Close(End how);
  // Whether Enqueue() would accept data: the client is there and the body has not ended.
  bool accepting() const;
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  // Runs `callback` when the client goes away; at once (on this thread) if it already has.
  void OnGone(std::function<void()> callback);

  // Session side, on its loop. Take() empties the queue; when it returns nothing and the body
  // is still open, the next Enqueue() wakes the session again. `recycled` (a batch's pieces the
  // session is done with) becomes the queue, so its capacity is used again, not allocated anew
  // for every piece.
  Batch Take(std::vector<std::string> recycled = {});
  void Wrote(size_t bytes) { pending_.fetch_sub(bytes, std::memory_order_relaxed); }
  // The client is gone: later writes are rejected and the gone callbacks run (on this thread).
  void MarkGone();
  // The response is complete: drops the callbacks (they may hold the writer).
  void Detach();

 private:
  mutable std::mutex mu_;
  std::vector<std::string> queue_;              // guarded by mu_
  End end_ = End::kOpen;                        // guarded by mu_
  bool gone_ = false;                           // guarded by mu_
  bool detached_ = false;                       // guarded by mu_
  bool awake_ = false;                          // guarded by mu_; a wake-up is on its way
  std::vector<std::function<void()>> on_gone_;  // guarded by mu_
  std::atomic<size_t> pending_{0};
};

// The writer for one streamed response. Destroying it without Finish() abandons the stream.
// `loop` is the session's.
std::shared_ptr<HttpStreamWriter> MakeStreamWriter(boost::asio::io_context& loop,
                                                   std::shared_ptr<StreamChannel> channel,
                                                   std::weak_ptr<HttpSession> session,
                                                   std::shared_ptr<ServerShared> shared);

}  // namespace berth::http_internal
