// MergeUsage: records alike but for their tokens and latency, in one millisecond, become one
// row that counts and sums them; every other difference, and a record out of time order, keeps
// a row apart; the counts of a batch are kept whatever the merging.
#include "gateway/usage_merge.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "store/store_test_util.h"

namespace berth {
namespace {

using std::chrono::microseconds;
using testing::At;

UsageRecord Request(const std::string& key, SystemTime time, int64_t tokens) {
  UsageRecord u;
  u.deployed_model = "m1";
  u.deployment_uid = "uid-1";
  u.workspace_id = "llm-aaaaaaaaaaaaaaaa";
  u.key_id = key;
  u.time = time;
  u.input_tokens = tokens;
  u.output_tokens = 2 * tokens;
  u.latency_ms = tokens;
  return u;
}

TEST(MergeUsageTest, AlikeRecordsOfOneMillisecondBecomeOneRow) {
  std::vector<UsageRecord> records;
  for (int i = 1; i <= 5; ++i) records.push_back(Request("k1", At(1) + microseconds(150 * i), i));
  std::vector<UsageRecord> rows;
  MergeUsage(records, rows);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].requests, 5);
  EXPECT_EQ(rows[0].input_tokens, 15);
  EXPECT_EQ(rows[0].output_tokens, 30);
  EXPECT_EQ(rows[0].latency_ms, 15);
  EXPECT_EQ(rows[0].time, records[0].time);
}

TEST(MergeUsageTest, AnyOtherDifferenceKeepsARowApart) {
  const UsageRecord base = Request("k1", At(1), 1);
  std::vector<UsageRecord> records(12, base);
  records[1].key_id = "k2";
  records[2].deployment_uid = "uid-2";
  records[3].deployed_model = "m2";
  records[4].workspace_id = "llm-bbbbbbbbbbbbbbbb";
  records[5].http_status = 500;
  records[6].ptu = true;
  records[7].overflow = true;
  records[8].thinking = true;
  records[9].streamed = true;
  records[10].aborted = true;
  records[11].time += std::chrono::milliseconds(1);
  std::vector<UsageRecord> rows;
  MergeUsage(records, rows);
  ASSERT_EQ(rows.size(), 12u);
  for (const UsageRecord& row : rows) EXPECT_EQ(row.requests, 1);
}

// Keys interleaved within a millisecond merge per key; a record that comes back to an earlier
// millisecond (another thread's, settled a little later) is a row of its own.
TEST(MergeUsageTest, InterleavedKeysMergeAndALateRecordStandsApart) {
  std::vector<UsageRecord> records = {
      Request("k1", At(1), 1),
      Request("k2", At(1), 2),
      Request("k1", At(1) + microseconds(500), 3),
      Request("k2", At(1) + microseconds(900), 4),
      Request("k1", At(1) + microseconds(1200), 5),  // the next millisecond
      Request("k1", At(1) + microseconds(700), 6),   // late: back to the first
  };
  std::vector<UsageRecord> rows;
  MergeUsage(records, rows);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].key_id, "k1");
  EXPECT_EQ(rows[0].requests, 2);
  EXPECT_EQ(rows[0].input_tokens, 1 + 3);
  EXPECT_EQ(rows[1].key_id, "k2");
  EXPECT_EQ(rows[1].input_tokens, 2 + 4);
  EXPECT_EQ(rows[2].input_tokens, 5);
  EXPECT_EQ(rows[3].input_tokens, 6);
  EXPECT_EQ(rows[3].requests, 1);
}

// The rows' sums are the records' sums, whatever the mix; rows reused from the batch before
// keep nothing of it.
TEST(MergeUsageTest, RowsKeepEveryCountAndNothingOfTheBatchBefore) {
  std::mt19937 random(7);
  std::vector<UsageRecord> rows(300, Request(std::string(50, 'x'), At(9), 99));
  for (int round = 0; round < 20; ++round) {
    std::vector<UsageRecord> records;
    int64_t requests = 0, input = 0, latency = 0;
    SystemTime t = At(round);
    for (int i = 0; i < 200; ++i) {
      t += microseconds(random() % 400);
      UsageRecord r = Request("k" + std::to_string(random() % 3), t, 1 + random() % 50);
      r.http_status = random() % 4 == 0 ? 429 : 200;
      r.requests = 1 + random() % 2;
      requests += r.requests;
      input += r.input_tokens;
      latency += r.latency_ms;
      records.push_back(r);
    }
    MergeUsage(records, rows);
    int64_t got_requests = 0, got_input = 0, got_latency = 0;
    for (const UsageRecord& row : rows) {
      got_requests += row.requests;
      got_input += row.input_tokens;
      got_latency += row.latency_ms;
      EXPECT_EQ(row.key_id.size(), 2u);
      EXPECT_GE(row.time, At(round));
    }
    EXPECT_LT(rows.size(), records.size());
    EXPECT_EQ(got_requests, requests);
    EXPECT_EQ(got_input, input);
    EXPECT_EQ(got_latency, latency);
  }
}

}  // namespace
}  // namespace berth
