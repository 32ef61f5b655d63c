// The stores' usage sums: the per-hour totals of GET .../usage and the per-hour token sums of
// billing are computed by SQL (GROUP BY), so many records come back as a few rows.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store_backends.h"

namespace berth {
namespace {

using std::chrono::hours;
using testing::At;

class StoreUsageSumsTest : public testing::StoreBackendTest {};

UsageRecord Record(const std::string& uid, SystemTime time, int64_t i) {
  UsageRecord u;
  u.deployed_model = "m1";
  u.deployment_uid = uid;
  u.workspace_id = "llm-aaaaaaaaaaaaaaaa";
  u.key_id = "key-000000000001";
  u.time = time;
  u.requests = 1 + i % 4;  // a stored row may stand for several requests (MergeUsage)
  u.input_tokens = 10 + i % 7;
  u.output_tokens = 20 + i % 11;
  u.ptu = i % 3 == 0;
  u.overflow = i % 9 == 0;
  u.http_status = i % 13 == 0 ? 500 : 200;
  u.latency_ms = 5 + i % 17;
  u.streamed = i % 2 == 0;
  u.aborted = i % 19 == 0;
  u.thinking = i % 5 == 0;
  return u;
}

// A row's flags and status hold for each of its requests; its tokens and latency are sums.
void Add(const UsageRecord& r, UsageTotals& t) {
  t.requests += r.requests;
  t.input_tokens += r.input_tokens;
  t.output_tokens += r.output_tokens;
  t.streamed += r.streamed * r.requests;
  t.ptu_requests += (r.ptu && !r.overflow) * r.requests;
  t.overflow_requests += r.overflow * r.requests;
  t.errors += (r.http_status >= 400) * r.requests;
  t.aborted += r.aborted * r.requests;
  t.latency_ms_sum += r.latency_ms;
}

void ExpectTotals(const UsageTotals& got, const UsageTotals& want) {
  EXPECT_EQ(got.requests, want.requests);
  EXPECT_EQ(got.input_tokens, want.input_tokens);
  EXPECT_EQ(got.output_tokens, want.output_tokens);
  EXPECT_EQ(got.streamed, want.streamed);
  EXPECT_EQ(got.ptu_requests, want.ptu_requests);
  EXPECT_EQ(got.overflow_requests, want.overflow_requests);
  EXPECT_EQ(got.errors, want.errors);
  EXPECT_EQ(got.aborted, want.aborted);
  EXPECT_EQ(got.latency_ms_sum, want.latency_ms_sum);
}

TEST_P(StoreUsageSumsTest, ManyRecordsComeBackAsOneRowPerHour) {
  // 30,000 records of incarnation "uid-a" over 3 hours from At(0), in batches; plus records the
  // query must leave out: another incarnation of the same name, and times outside the range.
  const SystemTime start = At(0);
  const SystemTime end = At(3 * 3600);
  std::map<SystemTime, UsageTotals> want;
  std::vector<UsageRecord> batch;
  for (int64_t i = 0; i < 30000; ++i) {
    UsageRecord r = Record("uid-a", start + std::chrono::milliseconds(i * 360), i);
    Add(r, want[std::chrono::floor<hours>(r.time)]);
    batch.push_back(std::move(r));
    if (batch.size() == 5000) {
      ASSERT_TRUE(store_->AppendUsage(batch).ok());
      batch.clear();
    }
  }
  ASSERT_TRUE(store_
                  ->AppendUsage({Record("uid-b", At(10), 1), Record("uid-a", At(-1), 2),
                                 Record("uid-a", end, 3)})
                  .ok());

  StatusOr<std::vector<UsageHour>> got = store_->SumUsageByHour({"m1", "uid-a", start, end});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), want.size());  // At(0) is not on the hour: 4 hours are touched
  size_t i = 0;
  for (const auto& [hour, totals] : want) {
    SCOPED_TRACE(i);
    EXPECT_EQ((*got)[i].hour, hour);
    ExpectTotals((*got)[i].totals, totals);
    ++i;
  }
  EXPECT_TRUE(store_->SumUsageByHour({"m1", "uid-c", start, end})->empty());
}

TEST_P(StoreUsageSumsTest, HoursBefore1970AreFlooredToo) {
  const SystemTime epoch = FromUnixMillis(0);
  UsageRecord late = Record("uid-a", epoch - std::chrono::milliseconds(1), 1);
  UsageRecord early = Record("uid-a", epoch - hours(1) - std::chrono::milliseconds(1), 2);
  ASSERT_TRUE(store_->AppendUsage({late, early}).ok());
  auto got = store_->SumUsageByHour({"m1", "uid-a", epoch - hours(3), epoch});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].hour, epoch - hours(2));
  EXPECT_EQ((*got)[1].hour, epoch - hours(1));
}

TEST_P(StoreUsageSumsTest, TokensAreSummedPerHourThinkingAndOverflow) {
  const SystemTime hour = std::chrono::floor<hours>(At(0)) + hours(1);
  auto at = [&](int minute) { return hour + std::chrono::minutes(minute); };
  auto tokens = [&](int minute, int64_t in, int64_t out, bool thinking, bool overflow) {
    UsageRecord r = Record("uid-a", at(minute), 0);
    r.input_tokens = in;
    r.output_tokens = out;
    r.thinking = thinking;
    r.overflow = overflow;
    return r;
  };
  ASSERT_TRUE(store_
                  ->AppendUsage({tokens(50, 1, 2, false, false), tokens(10, 3, 4, false, false),
                                 tokens(20, 5, 6, true, false), tokens(30, 7, 8, false, true),
                                 tokens(40, 9, 10, false, true), tokens(70, 11, 12, false, false),
                                 tokens(-5, 100, 100, false, false)})  // before the range
                  .ok());
  auto got = store_->SumTokensByHour({"m1", "uid-a", at(5), at(120)});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 4u);
  auto expect = [&](const TokenUsage& u, int minute, int64_t in, int64_t out, bool thinking,
                    bool overflow) {
    EXPECT_EQ(u.time, at(minute));  // the group's earliest record
    EXPECT_EQ(u.input_tokens, in);
    EXPECT_EQ(u.output_tokens, out);
    EXPECT_EQ(u.thinking, thinking);
    EXPECT_EQ(u.overflow, overflow);
  };
  expect((*got)[0], 10, 1 + 3, 2 + 4, false, false);
  expect((*got)[1], 20, 5, 6, true, false);
  expect((*got)[2], 30, 7 + 9, 8 + 10, false, true);
  expect((*got)[3], 70, 11, 12, false, false);
}

BERTH_STORE_BACKENDS(StoreUsageSumsTest);

}  // namespace
}  // namespace berth
