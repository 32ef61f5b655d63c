#include "service/usage_summary.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace berth {
namespace {

UsageRecord At(const char* time, int64_t in, int64_t out) {
  UsageRecord r;
  r.time = *ParseApiTime(time);
  r.input_tokens = in;
  r.output_tokens = out;
  r.latency_ms = 10;
  return r;
}

TEST(UsageSummaryTest, GroupsByUtcHourAndTotals) {
  std::vector<UsageRecord> records = {At("2026-11-23T10:00:00.000", 5, 7),
                                      At("2026-11-23T10:59:59.999", 1, 2),
                                      At("2026-11-23T12:00:00.000", 3, 4)};
  records[1].http_status = 429;
  records[1].aborted = true;
  records[2].ptu = true;
  records[2].overflow = true;
  records[2].streamed = true;
  UsageSummary s = SummarizeUsage(records);
  ASSERT_EQ(s.hours.size(), 2u);
  EXPECT_EQ(FormatApiTime(s.hours[0].hour), "2026-11-23T10:00:00.000");
  EXPECT_EQ(s.hours[0].totals.requests, 2);
  EXPECT_EQ(s.hours[0].totals.input_tokens, 6);
  EXPECT_EQ(s.hours[0].totals.output_tokens, 9);
  EXPECT_EQ(s.hours[0].totals.errors, 1);
  EXPECT_EQ(s.hours[0].totals.aborted, 1);
  EXPECT_EQ(FormatApiTime(s.hours[1].hour), "2026-11-23T12:00:00.000");
  EXPECT_EQ(s.hours[1].totals.overflow_requests, 1);
  EXPECT_EQ(s.hours[1].totals.ptu_requests, 0);  // overflow is not PTU quota
  EXPECT_EQ(s.hours[1].totals.streamed, 1);
  EXPECT_EQ(s.totals.requests, 3);
  EXPECT_EQ(s.totals.input_tokens, 9);
  EXPECT_EQ(s.totals.output_tokens, 13);
  EXPECT_EQ(s.totals.latency_ms_sum, 30);
}

TEST(UsageSummaryTest, NoRecordsNoHours) {
  UsageSummary s = SummarizeUsage({});
  EXPECT_TRUE(s.hours.empty());
  EXPECT_EQ(s.totals.requests, 0);
}

}  // namespace
}  // namespace berth
