#include "http/http_stream.h"

#include <exception>
#include <iterator>
#include <utility>

#include "common/log.h"
#include "http/http_session.h"

namespace berth::http_internal {

StreamChannel::Push StreamChannel::Enqueue(std::string data) {
  const size_t size = data.size();
  std::lock_guard<std::mutex> lock(mu_);
  if (gone_ || end_ != End::kOpen) return Push::kRejected;
  queue_.push_back(std::move(data));
  pending_.fetch_add(size, std::memory_order_relaxed);
  return std::exchange(awake_, true) ? Push::kQueued : Push::kQueuedWake;
}

bool StreamChannel::Close(End how) {
  std::lock_guard<std::mutex> lock(mu_);
  if (gone_ || end_ != End::kOpen) return false;
  end_ = how;
  return !std::exchange(awake_, true);
}

bool StreamChannel::accepting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !gone_ && end_ == End::kOpen;
}

void StreamChannel::OnGone(std::function<void()> callback) {
  if (!callback) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (detached_) return;
    if (!gone_) {
      on_gone_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

StreamChannel::Batch StreamChannel::Take(std::vector<std::string> recycled) {
  Batch batch;
  recycled.clear();
  batch.pieces = std::move(recycled);
  std::lock_guard<std::mutex> lock(mu_);
  batch.pieces.swap(queue_);
  for (const std::string& piece : batch.pieces) batch.bytes += piece.size();
  batch.end = end_;
  if (batch.pieces.empty() && end_ == End::kOpen) awake_ = false;
  return batch;
}

void StreamChannel::MarkGone() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (gone_ || detached_) return;
    gone_ = true;
    queue_.clear();
    pending_.store(0, std::memory_order_relaxed);
    callbacks.swap(on_gone_);
  }
  for (std::function<void()>& callback : callbacks) {
    try {
      callback();
    } catch (const std::exception& e) {
      LOG_ERROR("http: an OnClientGone callback threw: {}", e.what());
    } catch (...) {
      LOG_ERROR("http: an OnClientGone callback threw a non-standard exception");
    }
  }
}

void StreamChannel::Detach() {
  std::vector<std::function<void()>> callbacks;
  std::lock_guard<std::mutex> lock(mu_);
  detached_ = true;
  callbacks.swap(on_gone_);  // destroyed after the lock is released (declared first)
}

namespace {

class SessionStreamWriter final : public HttpStreamWriter {
 public:
  SessionStreamWriter(asio::io_context& loop, std::shared_ptr<StreamChannel> channel,
                      std::weak_ptr<HttpSession> session, std::shared_ptr<ServerShared> shared)
      : loop_(loop),
        channel_(std::move(channel)),
        session_(std::move(session)),
        shared_(std::move(shared)) {}
  ~SessionStreamWriter() override {
    if (channel_->Close(StreamChannel::End::kAbandoned)) Wake();
  }
  SessionStreamWriter(const SessionStreamWriter&) = delete;
  SessionStreamWriter& operator=(const SessionStreamWriter&) = delete;

  bool Write(std::string data) override {
    if (data.empty()) return channel_->accepting();
    switch (channel_->Enqueue(std::move(data))) {
      case StreamChannel::Push::kRejected:
        return false;
      case StreamChannel::Push::kQueuedWake:
        Wake();
        return true;
      case StreamChannel::Push::kQueued:
        return true;
    }
    return false;
  }

  void Finish() override { FinishWith({}); }

  void FinishWith(std::string last) override {
    // One wake-up for both: the session takes the data and the end in one batch.
    bool wake =
        !last.empty() && channel_->Enqueue(std::move(last)) == StreamChannel::Push::kQueuedWake;
    wake = channel_->Close(StreamChannel::End::kFinished) || wake;
    if (wake) Wake();
  }

  size_t Pending() const override { return channel_->pending(); }

  void OnClientGone(std::function<void()> callback) override {
    channel_->OnGone(std::move(callback));
  }

 private:
  void Wake() noexcept {
    // On the session's own loop (the gateway's engine calls run there) the batch is written now,
    // within the producer's call: no turn of the loop in between. Nothing the session does here
    // calls back into the producer (a write's error is reported later, by the loop).
    if (CurrentIoLoop() == &loop_) {
      if (std::shared_ptr<HttpSession> session = session_.lock()) session->PumpStream();
      return;
    }
    try {
      PostToSession(*shared_, loop_, session_, [](HttpSession& session) { session.PumpStream(); });
    } catch (const std::exception& e) {
      LOG_ERROR("http: cannot wake a streaming connection: {}", e.what());
    }
  }

  asio::io_context& loop_;
  const std::shared_ptr<StreamChannel> channel_;
  const std::weak_ptr<HttpSession> session_;
  const std::shared_ptr<ServerShared> shared_;
};

}  // namespace

std::shared_ptr<HttpStreamWriter> MakeStreamWriter(asio::io_context& loop,
                                                   std::shared_ptr<StreamChannel> channel,
                                                   std::weak_ptr<HttpSession> session,
                                                   std::shared_ptr<ServerShared> shared) {
  return std::make_shared<SessionStreamWriter>(loop, std::move(channel), std::move(session),
                                               std::move(shared));
}

}  // namespace berth::http_internal
