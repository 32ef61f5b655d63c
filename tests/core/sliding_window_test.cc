#include "core/sliding_window.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

namespace berth {
namespace {

constexpr int64_t kT0 = 1'000'000;  // on a second boundary

TEST(SlidingWindowTest, AmountRollsOffExactlySixtySecondsLater) {
  SlidingWindow window;
  window.Add(kT0, 10, kT0);
  EXPECT_EQ(window.Used(kT0), 10);
  EXPECT_EQ(window.Used(kT0 + 59'999), 10);
  EXPECT_EQ(window.Used(kT0 + 60'000), 0);
}

TEST(SlidingWindowTest, MidSecondAmountLeavesWithItsSlot) {
  SlidingWindow window;
  window.Add(kT0 + 500, 10, kT0 + 500);
  EXPECT_EQ(window.Used(kT0 + 59'999), 10);
  EXPECT_EQ(window.Used(kT0 + 60'000), 0);
}

TEST(SlidingWindowTest, SlotsAreReusedAfterAMinute) {
  SlidingWindow window;
  window.Add(kT0, 10, kT0);
  window.Add(kT0 + 60'000, 3, kT0 + 60'000);  // the same slot index, a new second
  EXPECT_EQ(window.Used(kT0 + 60'000), 3);
  window.Add(kT0 + 120'500, 4, kT0 + 180'000);  // long idle: everything rolled off
  EXPECT_EQ(window.Used(kT0 + 180'000), 0);
}

TEST(SlidingWindowTest, NegativeAmountRefundsItsSlot) {
  SlidingWindow window;
  window.Add(kT0, 100, kT0);
  window.Add(kT0 + 5'000, 50, kT0 + 5'000);
  window.Add(kT0, -70, kT0 + 20'000);  // settled later, into the slot it was reserved in
  EXPECT_EQ(window.Used(kT0 + 20'000), 80);
  EXPECT_EQ(window.Used(kT0 + 60'000), 50);  // the refunded slot left with its refund
}

TEST(SlidingWindowTest, AddToARolledOffSlotIsIgnored) {
  SlidingWindow window;
  window.Add(kT0 + 61'000, 5, kT0 + 61'000);
  window.Add(kT0, -100, kT0 + 60'000);       // exactly 60 s old
  window.Add(kT0 + 1'500, 7, kT0 + 61'000);  // 59.5 s old, but its second's slot is gone
  EXPECT_EQ(window.Used(kT0 + 61'000), 5);
}

TEST(SlidingWindowTest, AStaleNowUsesTheLatestTimeSeen) {
  SlidingWindow window;
  window.Add(kT0, 10, kT0);
  EXPECT_EQ(window.Used(kT0 + 60'000), 0);
  // A caller that read the clock earlier must not bring the old slot back.
  EXPECT_EQ(window.Used(kT0 + 59'000), 0);
  window.Add(kT0 + 59'000, 2, kT0 + 59'000);
  EXPECT_EQ(window.Used(kT0 + 60'000), 2);
}

struct WhenFitsCase {
  const char* what;
  int64_t amount;
  int64_t limit;
  int64_t expected;  // relative to kT0
};

TEST(SlidingWindowTest, WhenFitsIsWhenEnoughOldSlotsRollOff) {
  // 40 at +0 s, 30 at +10 s, 20 at +20.5 s; asked at +30 s.
  const WhenFitsCase cases[] = {
      {"fits now", 5, 100, 30'000},
      {"exactly fits now", 10, 100, 30'000},
      {"after the first slot", 40, 100, 60'000},
      {"after the second slot", 60, 100, 70'000},
      {"after the third slot", 100, 100, 80'000},
      {"never: the last roll-off", 101, 100, 80'000},
  };
  for (const WhenFitsCase& c : cases) {
    SlidingWindow window;
    window.Add(kT0, 40, kT0);
    window.Add(kT0 + 10'000, 30, kT0 + 10'000);
    window.Add(kT0 + 20'500, 20, kT0 + 20'500);
    EXPECT_EQ(window.WhenFits(c.amount, c.limit, kT0 + 30'000), kT0 + c.expected) << c.what;
  }
}

TEST(SlidingWindowTest, WhenFitsCountsARefundedSlotAsItLeaves) {
  SlidingWindow window;
  window.Add(kT0, 50, kT0);
  window.Add(kT0 + 1'000, -20, kT0 + 1'000);  // a net refund slot
  window.Add(kT0 + 2'000, 60, kT0 + 2'000);
  // Used 90. Dropping slot 0 → 40; dropping slot 1 → 60; dropping slot 2 → 0.
  EXPECT_EQ(window.WhenFits(50, 100, kT0 + 3'000), kT0 + 60'000);
  EXPECT_EQ(window.WhenFits(60, 100, kT0 + 3'000), kT0 + 60'000);
  EXPECT_EQ(window.WhenFits(70, 100, kT0 + 3'000), kT0 + 62'000);
}

// Used() keeps a running total; it must always equal the plain sum of what was added within the
// window, whatever the steps of time (sub-second, a few seconds, over a minute, stale nows).
TEST(SlidingWindowTest, TheRunningTotalIsTheSumOfWhatIsInTheWindow) {
  std::mt19937_64 random(12);
  for (int round = 0; round < 20; ++round) {
    SlidingWindow window;
    std::vector<std::pair<int64_t, int64_t>> added;  // (second it counts in, amount)
    int64_t now = kT0 + static_cast<int64_t>(random() % 1000);
    int64_t latest = now;
    for (int step = 0; step < 2000; ++step) {
      const uint64_t pick = random() % 100;
      if (pick < 60) {
        now += static_cast<int64_t>(random() % 300);
      } else if (pick < 90) {
        now += static_cast<int64_t>(random() % 5000);
      } else if (pick < 95) {
        now += 60'000 + static_cast<int64_t>(random() % 70'000);
      } else {
        now -= static_cast<int64_t>(random() % 50);  // a thread that read the clock earlier
      }
      latest = std::max(latest, now);
      const int64_t latest_s = latest / 1000;
      if (random() % 2 == 0) {
        const int64_t at = now - static_cast<int64_t>(random() % 70'000);
        const int64_t amount = static_cast<int64_t>(random() % 200) - 40;  // refunds too
        window.Add(at, amount, now);
        const int64_t at_s = std::min(at / 1000, latest_s);
        if (at_s > latest_s - SlidingWindow::kSlots) added.emplace_back(at_s, amount);
      }
      int64_t expected = 0;
      for (const auto& [second, amount] : added) {
        if (second > latest_s - SlidingWindow::kSlots) expected += amount;
      }
      ASSERT_EQ(window.Used(now), expected) << "round " << round << " step " << step;
    }
  }
}

}  // namespace
}  // namespace berth
