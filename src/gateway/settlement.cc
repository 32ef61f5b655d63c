#include "gateway/settlement.h"

#include <utility>

#include "common/log.h"

namespace berth {

Settlement::Settlement(const SettlementDeps& deps, AdmittedRequest request)
    : deps_(deps), request_(std::move(request)), owed_(true) {}

Settlement::Settlement(Settlement&& other) noexcept
    : deps_(other.deps_),
      request_(std::move(other.request_)),
      owed_(std::exchange(other.owed_, false)) {}

Settlement& Settlement::operator=(Settlement&& other) noexcept {
  if (this != &other) {
    SettleAbandoned();
    deps_ = other.deps_;
    request_ = std::move(other.request_);
    owed_ = std::exchange(other.owed_, false);
  }
  return *this;
}

Settlement::~Settlement() { SettleAbandoned(); }

void Settlement::SettleAbandoned() noexcept {
  if (!owed_) return;
  try {
    LOG_ERROR("gateway: a request to {} ended without an answer; metered as 500",
              request_.route->deployed_model);
    Settle({500, TokenCount{}, false, false, std::chrono::nanoseconds(-1)});
  } catch (...) {
    // Nothing may escape a destructor; the reservation expires with its window anyway.
    owed_ = false;
  }
}

void Settlement::Settle(const RequestOutcome& outcome) {
  if (!owed_) return;
  owed_ = false;
  const GatewayRoute& route = *request_.route;
  SteadyTime now = deps_.clock->MonotonicNow();
  route.state->limiter.Settle(request_.reservation, outcome.tokens, SteadyMillis(now));
  if (outcome.engine_counted) route.state->outputs.Observe(outcome.tokens.output);
  if (outcome.overhead.count() >= 0) {
    deps_.metrics->overhead().Observe(std::chrono::duration<double>(outcome.overhead).count());
  }
  deps_.metrics->RecordRequest(request_.api, outcome.http_status, outcome.tokens.input,
                               outcome.tokens.output);

  // Filled on this thread's scratch record, whose strings keep their capacity from one request
  // to the next, then copied into a recycled one: no allocation per request.
  thread_local UsageRecord record;
  record.deployed_model.assign(route.deployed_model);
  record.deployment_uid.assign(route.uid);
  record.workspace_id.assign(route.workspace_id);
  record.key_id.assign(request_.key_id);
  record.time = deps_.clock->Now();
  record.input_tokens = outcome.tokens.input;
  record.output_tokens = outcome.tokens.output;
  record.ptu = route.plan == Plan::kPtu;
  record.overflow = request_.reservation.admission == Admission::kOverflow;
  record.http_status = outcome.http_status;
  record.latency_ms = std::chrono::duration_cast<Millis>(now - request_.arrived).count();
  record.streamed = request_.stream;
  record.aborted = outcome.aborted;
  record.thinking = request_.thinking;
  deps_.usage->Record(record);
}

}  // namespace berth
