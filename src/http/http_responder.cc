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
    if (!called_.exchange(true)) Deliver(std::nullopt, /*may_run_now=*/false);
  }
  ResponderState(const ResponderState&) = delete;
  ResponderState& operator=(const ResponderState&) = delete;

  void Respond(HttpResponse response) {
    if (called_.exchange(true)) {
      LOG_WARN("http: responder called more than once; ignoring the extra response");
      return;
    }
    Deliver(std::move(response), /*may_run_now=*/true);
  }

 private:
  // A response given on the session's own loop (the gateway answers there, from the engine
  // call's completion) is written now, saving a turn of the loop; one given inside the session's
  // handler call, or by a responder dropped unanswered, is posted as before, so the session
  // never runs its write inside its own handler call or a destructor.
  void Deliver(std::optional<HttpResponse> response, bool may_run_now) noexcept {
    if (may_run_now && CurrentIoLoop() == &loop_) {
      std::shared_ptr<HttpSession> session = session_.lock();
      if (!session) return;
      if (!session->in_handler()) return session->OnResponse(std::move(response));
    }
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
