#include "http/http_responder.h"

#include <exception>
#include <optional>
#include <utility>

#include "common/log.h"

namespace berth::http_internal {
namespace {

// Shared by every copy of one responder (std::function copies its target).
class ResponderState {
 public:
  ResponderState(std::weak_ptr<HttpSession> session, std::shared_ptr<ServerShared> shared)
      : session_(std::move(session)), shared_(std::move(shared)) {}
  ~ResponderState() {
    if (!called_.exchange(true)) Deliver(std::nullopt);
  }
  ResponderState(const ResponderState&) = delete;
  ResponderState& operator=(const ResponderState&) = delete;

  void Respond(HttpResponse response) {
    if (called_.exchange(true)) {
      LOG_WARN("http: responder called more than once; ignoring the extra response");
      return;
    }
    Deliver(std::move(response));
  }

 private:
  // Holding mu while posting keeps the io_context alive: the server clears io_alive under mu
  // before it stops and destroys the io_context.
  void Deliver(std::optional<HttpResponse> response) noexcept {
    try {
      std::lock_guard<std::mutex> lock(shared_->mu);
      if (!shared_->io_alive) return;
      std::shared_ptr<HttpSession> session = session_.lock();
      if (!session) return;
      auto executor = session->executor();
      asio::post(executor,
                 [session = std::move(session), response = std::move(response)]() mutable {
                   session->OnResponse(std::move(response));
                 });
    } catch (const std::exception& e) {
      LOG_ERROR("http: dropping a response: {}", e.what());
    }
  }

  const std::weak_ptr<HttpSession> session_;
  const std::shared_ptr<ServerShared> shared_;
  std::atomic<bool> called_{false};
};

}  // namespace

HttpResponder MakeResponder(std::weak_ptr<HttpSession> session,
                            std::shared_ptr<ServerShared> shared) {
  auto state = std::make_shared<ResponderState>(std::move(session), std::move(shared));
  return [state = std::move(state)](HttpResponse response) { state->Respond(std::move(response)); };
}

}  // namespace berth::http_internal
