#include "core/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <optional>
#include <thread>
#include <vector>

namespace berth {
namespace {

constexpr int64_t kT0 = 1'000'000;  // on a second boundary

RateLimits Mu(std::optional<int64_t> rpm, std::optional<int64_t> tpm) {
  RateLimits limits;
  limits.rpm = rpm;
  limits.tpm = tpm;
  return limits;
}

RateLimits Ptu(int64_t input_tpm, int64_t output_tpm, bool overflow = true) {
  RateLimits limits;
  limits.input_tpm = input_tpm;
  limits.output_tpm = output_tpm;
  limits.overflow = overflow;
  return limits;
}

TokenCount Tokens(int64_t input, int64_t output) { return {input, output}; }

TEST(RateLimiterTest, NoLimitsAdmitsEverything) {
  RateLimiter limiter;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(limiter.Reserve(Tokens(1000, 1000), kT0).admission, Admission::kAdmitted);
  }
}

struct TpmStep {
  int64_t at;  // ms after kT0
  int64_t estimate;
  Admission admission;
  int64_t retry_after_s;
};

TEST(RateLimiterTest, TpmAdmitsUntilFullThenThrottlesUntilSlotsRollOff) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(std::nullopt, 1000));
  const TpmStep steps[] = {
      {0, 400, Admission::kAdmitted, 0},        {10'000, 400, Admission::kAdmitted, 0},
      {20'000, 300, Admission::kThrottled, 40},  // fits when the +0 s slot leaves at +60 s
      {20'000, 200, Admission::kAdmitted, 0},    // exactly 1000
      {30'000, 1, Admission::kThrottled, 30},   {59'999, 1, Admission::kThrottled, 1},
      {60'000, 400, Admission::kAdmitted, 0},   {60'000, 1, Admission::kThrottled, 10},
  };
  for (const TpmStep& step : steps) {
    const Reservation r = limiter.Reserve(Tokens(step.estimate, 0), kT0 + step.at);
    EXPECT_EQ(r.admission, step.admission) << "at +" << step.at << " estimate " << step.estimate;
    EXPECT_EQ(r.retry_after_s, step.retry_after_s) << "at +" << step.at;
    if (r.admission == Admission::kThrottled) {
      EXPECT_EQ(r.reason, "tpm_limit 1000");
      EXPECT_EQ(r.reserved, TokenCount{});
      EXPECT_FALSE(r.counted_request);
    } else {
      EXPECT_EQ(r.reserved, Tokens(step.estimate, 0));
      EXPECT_TRUE(r.counted_request);
    }
  }
}

TEST(RateLimiterTest, TpmCountsInputPlusOutput) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(std::nullopt, 100));
  EXPECT_EQ(limiter.Reserve(Tokens(30, 40), kT0).admission, Admission::kAdmitted);
  EXPECT_EQ(limiter.Reserve(Tokens(20, 11), kT0).admission, Admission::kThrottled);
  EXPECT_EQ(limiter.Reserve(Tokens(20, 10), kT0).admission, Admission::kAdmitted);
}

TEST(RateLimiterTest, RpmCountsRequests) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(3, std::nullopt));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.Reserve(Tokens(1, 1), kT0 + i * 1000).admission, Admission::kAdmitted);
  }
  const Reservation r = limiter.Reserve(Tokens(1, 1), kT0 + 30'000);
  EXPECT_EQ(r.admission, Admission::kThrottled);
  EXPECT_EQ(r.reason, "rpm_limit 3");
  EXPECT_EQ(r.retry_after_s, 30);
  EXPECT_EQ(limiter.Reserve(Tokens(1, 1), kT0 + 60'000).admission, Admission::kAdmitted);
}

TEST(RateLimiterTest, RpmAndTpmReserveBothOrNeither) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(2, 100));
  EXPECT_EQ(limiter.Reserve(Tokens(80, 0), kT0).admission, Admission::kAdmitted);
  // Over tpm: the request must not use up the rpm budget either.
  EXPECT_EQ(limiter.Reserve(Tokens(50, 0), kT0).admission, Admission::kThrottled);
  EXPECT_EQ(limiter.Reserve(Tokens(20, 0), kT0).admission, Admission::kAdmitted);
  const Reservation r = limiter.Reserve(Tokens(0, 0), kT0);
  EXPECT_EQ(r.admission, Admission::kThrottled);
  EXPECT_EQ(r.reason, "rpm_limit 2");
}

TEST(RateLimiterTest, ThrottledReasonNamesTheLimitWithTheLongestWait) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(1, 100));
  EXPECT_EQ(limiter.Reserve(Tokens(10, 0), kT0).admission, Admission::kAdmitted);
  EXPECT_EQ(limiter.Reserve(Tokens(90, 0), kT0 + 5'000).admission, Admission::kThrottled);
  // rpm frees at +60 s; tpm (10 at +0 s and nothing else) fits 95 at +60 s as well; a request
  // at +5 s over both waits 55 s.
  const Reservation r = limiter.Reserve(Tokens(95, 0), kT0 + 5'000);
  EXPECT_EQ(r.retry_after_s, 55);
}

TEST(RateLimiterTest, AnEstimateOverTheWholeLimitNeedsAnEmptyWindow) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(std::nullopt, 100));
  EXPECT_EQ(limiter.Reserve(Tokens(10, 0), kT0).admission, Admission::kAdmitted);
  const Reservation refused = limiter.Reserve(Tokens(400, 100), kT0 + 1'000);
  EXPECT_EQ(refused.admission, Admission::kThrottled);
  EXPECT_EQ(refused.retry_after_s, 59);
  const Reservation big = limiter.Reserve(Tokens(400, 100), kT0 + 60'000);
  EXPECT_EQ(big.admission, Admission::kAdmitted);
  EXPECT_EQ(big.reserved, Tokens(400, 100));
  // The window now holds 500 > 100: everything waits for it to roll off.
  const Reservation after = limiter.Reserve(Tokens(1, 0), kT0 + 70'000);
  EXPECT_EQ(after.admission, Admission::kThrottled);
  EXPECT_EQ(after.retry_after_s, 50);
}

TEST(RateLimiterTest, ALimitOfZeroAdmitsNothing) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(0, std::nullopt));
  const Reservation r = limiter.Reserve(Tokens(0, 0), kT0);
  EXPECT_EQ(r.admission, Admission::kThrottled);
  EXPECT_EQ(r.retry_after_s, 60);
}

// Concurrent reserves at one instant, each from its own thread.
int64_t AdmittedTokensInABurst(RateLimiter& limiter, int64_t estimate, int threads) {
  std::atomic<int64_t> admitted{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      const Reservation r = limiter.Reserve(Tokens(estimate, 0), kT0);
      if (r.admission == Admission::kAdmitted) admitted += r.reserved.total();
    });
  }
  for (std::thread& worker : workers) worker.join();
  return admitted;
}

TEST(RateLimiterTest, ABurstOfConcurrentRequestsAdmitsAtMostTheLimit) {
  struct Case {
    int64_t estimate;
    int64_t limit;
    int64_t admitted;
  };
  const Case cases[] = {
      {30, 1000, 990},  // 33 requests
      {100, 1000, 1000},
      {999, 1000, 999},
      {1500, 1000, 1500},  // one oversized request, admitted into the empty window
  };
  for (const Case& c : cases) {
    RateLimiter limiter;
    limiter.SetLimits(Mu(std::nullopt, c.limit));
    EXPECT_EQ(AdmittedTokensInABurst(limiter, c.estimate, 100), c.admitted)
        << "estimate " << c.estimate << " limit " << c.limit;
  }
}

TEST(RateLimiterTest, SettlingBelowTheEstimateRefundsTheWindow) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(std::nullopt, 1000));
  const Reservation first = limiter.Reserve(Tokens(100, 500), kT0);
  ASSERT_EQ(first.admission, Admission::kAdmitted);
  EXPECT_EQ(limiter.Reserve(Tokens(100, 500), kT0 + 1'000).admission, Admission::kThrottled);
  limiter.Settle(first, Tokens(100, 20), kT0 + 2'000);
  EXPECT_EQ(limiter.Reserve(Tokens(100, 500), kT0 + 2'000).admission, Admission::kAdmitted);
}

TEST(RateLimiterTest, SettlingAboveTheEstimateIsDebtLaterRequestsWaitFor) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(std::nullopt, 1000));
  const Reservation r = limiter.Reserve(Tokens(100, 100), kT0);
  limiter.Settle(r, Tokens(100, 1400), kT0 + 10'000);
  const Reservation next = limiter.Reserve(Tokens(1, 1), kT0 + 10'000);
  EXPECT_EQ(next.admission, Admission::kThrottled);
  EXPECT_EQ(next.retry_after_s, 50);  // the debt sits in the +0 s slot
  EXPECT_EQ(limiter.Reserve(Tokens(1, 1), kT0 + 60'000).admission, Admission::kAdmitted);
}

// Requests arrive every 100 ms, estimate 100 tokens, really use 150, and settle 5 s later. Over
// every window of 60 one-second slots the tokens really used stay within the limit plus the
// estimation error of the requests admitted in that window, and in fact within the limit plus
// the error of the requests in flight at once (at most 50: those of the last 5 s).
TEST(RateLimiterTest, UnderEstimatesOvershootByAtMostTheEstimationError) {
  constexpr int64_t kLimit = 10'000, kEstimate = 100, kActual = 150, kSettleMs = 5'000;
  constexpr int64_t kInFlightError = (kSettleMs / 100) * (kActual - kEstimate);
  RateLimiter limiter;
  limiter.SetLimits(Mu(std::nullopt, kLimit));
  std::multimap<int64_t, Reservation> in_flight;              // by settle time
  std::map<int64_t, std::pair<int64_t, int64_t>> per_second;  // second → (actual, error)
  for (int64_t now = kT0; now < kT0 + 240'000; now += 100) {
    while (!in_flight.empty() && in_flight.begin()->first <= now) {
      limiter.Settle(in_flight.begin()->second, Tokens(kActual, 0), now);
      in_flight.erase(in_flight.begin());
    }
    const Reservation r = limiter.Reserve(Tokens(kEstimate, 0), now);
    if (r.admission != Admission::kAdmitted) continue;
    in_flight.emplace(now + kSettleMs, r);
    auto& [actual, error] = per_second[now / 1000];
    actual += kActual;
    error += kActual - kEstimate;
  }
  int64_t total_actual = 0;
  for (int64_t s = kT0 / 1000; s < (kT0 + 240'000) / 1000; ++s) {
    int64_t actual = 0, error = 0;
    for (int64_t k = s - 59; k <= s; ++k) {
      if (auto it = per_second.find(k); it != per_second.end()) {
        actual += it->second.first;
        error += it->second.second;
      }
    }
    EXPECT_LE(actual, kLimit + error) << "window ending at second " << s;
    EXPECT_LE(actual, kLimit + kInFlightError) << "window ending at second " << s;
    total_actual += per_second.count(s) ? per_second[s].first : 0;
  }
  // Over four minutes the rate is the limit plus the in-flight error, not a multiple of it.
  EXPECT_LE(total_actual, 4 * (kLimit + kInFlightError));
  EXPECT_GE(total_actual, 3 * kLimit);
}

TEST(RateLimiterTest, SetLimitsTakesEffectAtOnceAndKeepsTheWindows) {
  RateLimiter limiter;
  limiter.SetLimits(Mu(std::nullopt, 1000));
  EXPECT_EQ(limiter.Reserve(Tokens(500, 0), kT0).admission, Admission::kAdmitted);
  limiter.SetLimits(Mu(std::nullopt, 400));
  EXPECT_EQ(limiter.limits(), Mu(std::nullopt, 400));
  const Reservation r = limiter.Reserve(Tokens(1, 0), kT0 + 1'000);
  EXPECT_EQ(r.admission, Admission::kThrottled);
  EXPECT_EQ(r.reason, "tpm_limit 400");
  limiter.SetLimits(Mu(std::nullopt, 2000));
  EXPECT_EQ(limiter.Reserve(Tokens(1500, 0), kT0 + 1'000).admission, Admission::kAdmitted);
  EXPECT_EQ(limiter.Reserve(Tokens(1, 0), kT0 + 1'000).admission, Admission::kThrottled);
  limiter.SetLimits(RateLimits());
  EXPECT_EQ(limiter.Reserve(Tokens(1, 0), kT0 + 1'000).admission, Admission::kAdmitted);
}

TEST(RateLimiterTest, LimitsUnsetBeforeStillSeeTheLastMinute) {
  RateLimiter limiter;
  EXPECT_EQ(limiter.Reserve(Tokens(900, 0), kT0).admission, Admission::kAdmitted);
  limiter.SetLimits(Mu(std::nullopt, 1000));
  EXPECT_EQ(limiter.Reserve(Tokens(200, 0), kT0 + 1'000).admission, Admission::kThrottled);
}

struct PtuCase {
  const char* what;
  bool overflow;
  TokenCount estimate;
  Admission admission;
  std::string reason;
  int64_t retry_after_s;
};

TEST(RateLimiterTest, PtuOverflowsOrThrottlesWhatDoesNotFit) {
  const PtuCase cases[] = {
      {"fits", true, {200, 100}, Admission::kAdmitted, "", 0},
      {"input over, overflow", true, {201, 0}, Admission::kOverflow, "input_tpm 1000", 0},
      {"output over, overflow", true, {0, 101}, Admission::kOverflow, "output_tpm 500", 0},
      {"input over, 429", false, {201, 0}, Admission::kThrottled, "input_tpm 1000", 60},
      {"output over, 429", false, {0, 101}, Admission::kThrottled, "output_tpm 500", 60},
  };
  for (const PtuCase& c : cases) {
    RateLimiter limiter;
    limiter.SetLimits(Ptu(1000, 500, c.overflow));
    ASSERT_EQ(limiter.Reserve(Tokens(800, 400), kT0).admission, Admission::kAdmitted);
    const Reservation r = limiter.Reserve(c.estimate, kT0);
    EXPECT_EQ(r.admission, c.admission) << c.what;
    EXPECT_EQ(r.reason, c.reason) << c.what;
    EXPECT_EQ(r.retry_after_s, c.retry_after_s) << c.what;
    if (r.admission != Admission::kAdmitted) {
      EXPECT_EQ(r.reserved, TokenCount{}) << c.what;
      EXPECT_FALSE(r.counted_request) << c.what;
    }
  }
}

TEST(RateLimiterTest, OverflowAndThrottledReserveNothingAndSettleDoesNothing) {
  RateLimiter limiter;
  limiter.SetLimits(Ptu(1000, 1000));
  ASSERT_EQ(limiter.Reserve(Tokens(900, 0), kT0).admission, Admission::kAdmitted);
  const Reservation overflow = limiter.Reserve(Tokens(500, 0), kT0);
  ASSERT_EQ(overflow.admission, Admission::kOverflow);
  limiter.Settle(overflow, Tokens(5000, 5000), kT0 + 1'000);
  EXPECT_EQ(limiter.Reserve(Tokens(100, 1000), kT0 + 1'000).admission, Admission::kAdmitted);

  RateLimiter mu;
  mu.SetLimits(Mu(std::nullopt, 100));
  ASSERT_EQ(mu.Reserve(Tokens(90, 0), kT0).admission, Admission::kAdmitted);
  const Reservation throttled = mu.Reserve(Tokens(50, 0), kT0);
  ASSERT_EQ(throttled.admission, Admission::kThrottled);
  mu.Settle(throttled, Tokens(0, 0), kT0);  // would refund 50 if it counted
  EXPECT_EQ(mu.Reserve(Tokens(50, 0), kT0).admission, Admission::kThrottled);
}

}  // namespace
}  // namespace berth
