// Settlement: what one admitted inference request owes when it ends: its rate-limit reservation
// settled with the tokens really used, its metrics, and exactly one usage record. It owns the
// reservation from admission on, so every path pays: Settle() on the ordinary ones, and the
// destructor when the request is dropped unsettled (a handler threw before anything was sent to
// an engine), as a 500 with no tokens. Move-only; one owner at a time, which calls it from
// whichever thread ends the request (not thread-safe itself). Internal to src/gateway/.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "core/rate_limiter.h"
#include "core/token_count.h"
#include "gateway/gateway_errors.h"
#include "gateway/gateway_metrics.h"
#include "gateway/route_table.h"
#include "gateway/usage_recorder.h"

namespace berth {

struct SettlementDeps {
  UsageRecorder* usage = nullptr;
  GatewayMetrics* metrics = nullptr;
  const Clock* clock = nullptr;  // wall time of the record; monotonic time for the rest
};

// What the usage record says about the request besides its outcome.
struct AdmittedRequest {
  InferenceApi api = InferenceApi::kCompatible;
  std::shared_ptr<const GatewayRoute> route;
  std::string key_id;
  Reservation reservation;
  SteadyTime arrived;
  bool stream = false;
  bool thinking = false;
};

// How the request ended.
struct RequestOutcome {
  int http_status = 500;
  TokenCount tokens;            // what to settle and record
  bool engine_counted = false;  // `tokens` is the engine's own count (teaches the estimator)
  bool aborted = false;         // the client left mid-stream
  std::chrono::nanoseconds overhead{-1};  // the gateway's own time; negative: unknown
};

class Settlement {
 public:
  Settlement() = default;  // owes nothing
  Settlement(const SettlementDeps& deps, AdmittedRequest request);
  Settlement(Settlement&& other) noexcept;
  Settlement& operator=(Settlement&& other) noexcept;
  Settlement(const Settlement&) = delete;
  Settlement& operator=(const Settlement&) = delete;
  ~Settlement();

  // Pays what is owed, once; later calls do nothing.
  void Settle(const RequestOutcome& outcome);
  bool owed() const { return owed_; }
  Admission admission() const { return request_.reservation.admission; }

 private:
  void SettleAbandoned() noexcept;

  SettlementDeps deps_;
  AdmittedRequest request_;
  bool owed_ = false;
};

}  // namespace berth
