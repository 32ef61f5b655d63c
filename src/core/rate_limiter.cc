#include "core/rate_limiter.h"

#include <algorithm>
#include <utility>

namespace berth {
namespace {

constexpr int64_t kNeverMs = SlidingWindow::kWindowMs;  // a limit <= 0: retry in a minute

int64_t CeilSeconds(int64_t ms) { return (ms + 999) / 1000; }

}  // namespace

void RateLimiter::SetLimits(const RateLimits& limits) {
  std::lock_guard lock(mu_);
  limits_ = limits;
}

RateLimits RateLimiter::limits() const {
  std::lock_guard lock(mu_);
  return limits_;
}

bool RateLimiter::Fits(SlidingWindow& window, int64_t amount, const std::optional<int64_t>& limit,
                       const char* name, int64_t now_ms, std::optional<Miss>& miss) {
  if (!limit) return true;
  int64_t fits_at;
  if (*limit <= 0) {
    fits_at = now_ms + kNeverMs;
  } else {
    // An estimate over the whole limit counts as the limit: it fits an empty window only.
    const int64_t counted = std::min(std::max<int64_t>(amount, 0), *limit);
    fits_at = window.WhenFits(counted, *limit, now_ms);
    if (fits_at <= now_ms) return true;
  }
  if (!miss || fits_at > miss->fits_at_ms) {
    miss = Miss{fits_at, std::string(name) + " " + std::to_string(*limit)};
  }
  return false;
}

bool RateLimiter::FitsMu(const TokenCount& estimate, int64_t now_ms, std::optional<Miss>& miss) {
  const bool rpm_fits = Fits(requests_, 1, limits_.rpm, "rpm_limit", now_ms, miss);
  const bool tpm_fits = Fits(tokens_, estimate.total(), limits_.tpm, "tpm_limit", now_ms, miss);
  return rpm_fits && tpm_fits;
}

bool RateLimiter::FitsPtu(const TokenCount& estimate, int64_t now_ms, std::optional<Miss>& miss) {
  const bool in_fits = Fits(input_, estimate.input, limits_.input_tpm, "input_tpm", now_ms, miss);
  const bool out_fits =
      Fits(output_, estimate.output, limits_.output_tpm, "output_tpm", now_ms, miss);
  return in_fits && out_fits;
}

Reservation RateLimiter::Admit(const TokenCount& estimate, int64_t now_ms) {
  requests_.Add(now_ms, 1, now_ms);
  tokens_.Add(now_ms, estimate.total(), now_ms);
  input_.Add(now_ms, estimate.input, now_ms);
  output_.Add(now_ms, estimate.output, now_ms);
  Reservation reservation;
  reservation.at_ms = now_ms;
  reservation.reserved = estimate;
  reservation.counted_request = true;
  return reservation;
}

Reservation RateLimiter::Reserve(const TokenCount& estimate, int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::optional<Miss> miss;
  Admission refusal = Admission::kThrottled;
  if (FitsMu(estimate, now_ms, miss) &&
      (!shared_ || FitsShared(Needs(estimate, false), now_ms, miss))) {
    if (FitsPtu(estimate, now_ms, miss) &&
        (!shared_ || FitsShared(Needs(estimate, true), now_ms, miss))) {
      if (shared_) TakeShared(estimate, now_ms);
      return Admit(estimate, now_ms);
    }
    if (limits_.overflow) refusal = Admission::kOverflow;
  }
  Reservation reservation;
  reservation.admission = refusal;
  reservation.at_ms = now_ms;
  reservation.reason = std::move(miss->reason);
  reservation.lease_pending = miss->lease_pending;
  reservation.lease_answers = lease_answers_;
  if (refusal == Admission::kThrottled) {
    reservation.retry_after_s = std::max<int64_t>(1, CeilSeconds(miss->fits_at_ms - now_ms));
  }
  return reservation;
}

void RateLimiter::Settle(const Reservation& reservation, const TokenCount& actual, int64_t now_ms) {
  if (reservation.admission != Admission::kAdmitted) return;
  std::lock_guard lock(mu_);
  const TokenCount& reserved = reservation.reserved;
  tokens_.Add(reservation.at_ms, actual.total() - reserved.total(), now_ms);
  input_.Add(reservation.at_ms, actual.input - reserved.input, now_ms);
  output_.Add(reservation.at_ms, actual.output - reserved.output, now_ms);
  if (shared_) SettleShared(reservation, actual, now_ms);
}

}  // namespace berth
