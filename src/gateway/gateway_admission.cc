// Gateway's admission (declared in gateway.h): the rate-limit reservation, the wait for a shared
// limit's lease, and the start of the ProxyCall.
#include "common/log.h"
#include "gateway/gateway.h"
#include "http/loop_timer.h"

namespace berth {
namespace {

// The longest a request waits for its instance's lease of a shared limit: up to three leases
// (a burst can outrun one), each given a third of it.
constexpr std::chrono::milliseconds kLeaseWait{60};
constexpr std::chrono::milliseconds kLeaseTryWait = kLeaseWait / 3;
// How often a parked request looks whether its lease was answered.
constexpr std::chrono::milliseconds kLeasePoll{2};
constexpr int kLeaseTries = 3;

}  // namespace

// A request parked for a lease: what it needs to be admitted or refused later.
struct Gateway::LeaseWait {
  ProxyPlan plan;
  HttpResponder respond;
  Reservation reservation;  // the last answer: lease_pending, throttled for now
  int tries = 0;            // leases waited for so far
  int64_t give_up_ms = 0;   // when the current try runs out
};

void Gateway::Admit(ProxyPlan plan, HttpResponder respond) {
  Reservation reservation = plan.route->state->limiter.Reserve(plan.estimate, NowMs());
  if (!reservation.lease_pending) {
    return Proceed(std::move(plan), std::move(respond), std::move(reservation));
  }
  // Shared limits: an instance that has no budget yet while its lease is under way (the start of
  // traffic, a burst past the prefetch) waits for the lease, one database round trip, rather
  // than refuse a request the limit has room for. Bounded (kLeaseWait), only while a lease is
  // really under way, and after a wait that ran out not again for a second
  // (RateLimiter::LeaseWaitRanOut; docs/operations.md).
  auto wait = std::make_shared<LeaseWait>();
  wait->plan = std::move(plan);
  wait->respond = std::move(respond);
  wait->reservation = std::move(reservation);
  wait->give_up_ms = NowMs() + kLeaseTryWait.count();
  ParkForLease(std::move(wait));
}

// On a network thread the request waits on its event loop, so the loop's other connections go
// on; elsewhere (a caller without one) the calling thread waits.
void Gateway::ParkForLease(std::shared_ptr<LeaseWait> wait) {
  if (RunOnThisLoopAfter(kLeasePoll, [this, wait] { PollLease(wait); })) return;
  WaitForLeaseBlocking(*wait);  // `wait` still holds it: the timer's copy is gone already
}

void Gateway::PollLease(const std::shared_ptr<LeaseWait>& wait) {
  try {
    RateLimiter& limiter = wait->plan.route->state->limiter;
    const int64_t now = NowMs();
    if (limiter.LeaseAnsweredSince(wait->reservation.lease_answers)) {
      Reservation again = limiter.Reserve(wait->plan.estimate, now);
      if (!again.lease_pending || ++wait->tries >= kLeaseTries) {
        return Proceed(std::move(wait->plan), std::move(wait->respond), std::move(again));
      }
      wait->reservation = std::move(again);
      wait->give_up_ms = now + kLeaseTryWait.count();
    } else if (now >= wait->give_up_ms) {
      limiter.LeaseWaitRanOut(now);
      return Proceed(std::move(wait->plan), std::move(wait->respond), std::move(wait->reservation));
    }
    ParkForLease(wait);
  } catch (const std::exception& e) {
    // As in Handle: a bug must not take the server down; the HTTP layer answers 500.
    LOG_ERROR("gateway: request {} threw while waiting for a lease: {}", wait->plan.request_id,
              e.what());
  }
}

void Gateway::WaitForLeaseBlocking(LeaseWait& wait) {
  RateLimiter& limiter = wait.plan.route->state->limiter;
  Reservation reservation = std::move(wait.reservation);
  for (int tries = 0; reservation.lease_pending && tries < kLeaseTries; ++tries) {
    if (!limiter.AwaitLease(reservation.lease_answers, kLeaseTryWait, NowMs())) break;
    reservation = limiter.Reserve(wait.plan.estimate, NowMs());
  }
  Proceed(std::move(wait.plan), std::move(wait.respond), std::move(reservation));
}

void Gateway::Proceed(ProxyPlan plan, HttpResponder respond, Reservation reservation) {
  if (reservation.admission == Admission::kThrottled) {
    return Refuse(plan,
                  RateLimited(static_cast<int>(reservation.retry_after_s), reservation.reason),
                  respond);
  }
  // From here on the request owes a settlement, whatever happens to it.
  plan.settlement = Settlement({deps_.usage, deps_.metrics, deps_.clock},
                               {plan.api, plan.route, plan.caller.key_id, std::move(reservation),
                                plan.arrived, plan.stream, plan.thinking});
  if (plan.settlement.admission() == Admission::kOverflow) deps_.metrics->RecordOverflow();
  ProxyCall::Start(proxy_deps_, std::move(plan), std::move(respond));
}

}  // namespace berth
