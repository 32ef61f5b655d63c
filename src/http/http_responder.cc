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
  ResponderState(asio::io_context& loop, std::weak_ptr<HttpSession> session,
                 std::shared_ptr<ServerShared> shared)
      : loop_(loop), session_(std::move(session)), shared_(std::move(shared)) {}
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
  void Deliver(std::optional<HttpResponse> response) noexcept {
    try {
      PostToSession(*shared_, loop_, session_,
                    [response = std::move(response)](HttpSession& session) mutable {
                      session.OnResponse(std::move(response));
                    });
    } catch (const std::exception& e) {
      LOG_ERROR("http: dropping a response: {}", e.what());
    }
  }

  asio::io_context& loop_;
  const std::weak_ptr<HttpSession> session_;
  const std::shared_ptr<ServerShared> shared_;
  std::atomic<bool> called_{false};
};

}  // namespace

HttpResponder MakeResponder(asio::io_context& loop, std::weak_ptr<HttpSession> session,
                            std::shared_ptr<ServerShared> shared) {
  auto state = std::make_shared<ResponderState>(loop, std::move(session), std::move(shared));
  return [state = std::move(state)](HttpResponse response) { state->Respond(std::move(response)); };
}

}  // namespace berth::http_internal
