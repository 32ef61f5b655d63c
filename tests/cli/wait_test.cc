// The wait rules: when a deployment has reached, or can no longer reach, what is waited for;
// and the progress line.
#include "cli/wait.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

Json Deployment(const char* status, int ready, int capacity) {
  return Json{{"deployed_model", "m-1"},
              {"status", status},
              {"capacity", capacity},
              {"ready_capacity", ready}};
}

TEST(JudgeTest, Running) {
  struct Case {
    const char* status;
    int ready, capacity;
    Verdict want;
  } cases[] = {
      {"PENDING", 0, 4, Verdict::kWaiting},        {"RUNNING", 2, 4, Verdict::kWaiting},
      {"RUNNING", 4, 4, Verdict::kDone},           {"RUNNING", 0, 0, Verdict::kDone},
      {"UPDATING", 4, 8, Verdict::kWaiting},       {"FAILED", 0, 4, Verdict::kFailed},
      {"UPDATING_FAILED", 4, 8, Verdict::kFailed}, {"STOPPED", 0, 4, Verdict::kFailed},
      {"DELETING", 0, 4, Verdict::kFailed},
  };
  for (const Case& c : cases) {
    Json d = Deployment(c.status, c.ready, c.capacity);
    EXPECT_EQ(Judge(WaitFor::kRunning, &d), c.want) << c.status << " " << c.ready;
  }
  EXPECT_EQ(Judge(WaitFor::kRunning, nullptr), Verdict::kFailed);
}

TEST(JudgeTest, StoppedAndDeleted) {
  Json stopping = Deployment("STOPPED", 2, 4);
  Json stopped = Deployment("STOPPED", 0, 4);
  Json deleting = Deployment("DELETING", 0, 4);
  EXPECT_EQ(Judge(WaitFor::kStopped, &stopping), Verdict::kWaiting);
  EXPECT_EQ(Judge(WaitFor::kStopped, &stopped), Verdict::kDone);
  EXPECT_EQ(Judge(WaitFor::kStopped, &deleting), Verdict::kFailed);
  EXPECT_EQ(Judge(WaitFor::kStopped, nullptr), Verdict::kFailed);
  EXPECT_EQ(Judge(WaitFor::kDeleted, &deleting), Verdict::kWaiting);
  EXPECT_EQ(Judge(WaitFor::kDeleted, nullptr), Verdict::kDone);
}

TEST(ProgressLineTest, PlainColouredAndGone) {
  Json d = Deployment("PENDING", 2, 4);
  EXPECT_EQ(ProgressLine("m-1", &d, std::chrono::seconds(65), false),
            "m-1  PENDING  ready 2/4  1m05s");
  EXPECT_EQ(ProgressLine("m-1", &d, std::chrono::seconds(3), true),
            "m-1  \033[33mPENDING\033[0m  ready 2/4  3s");
  Json failed = Deployment("FAILED", 0, 4);
  failed["fail_reason"] = "engine exited";
  EXPECT_EQ(ProgressLine("m-1", &failed, std::chrono::seconds(1), false),
            "m-1  FAILED  ready 0/4  1s  (engine exited)");
  EXPECT_EQ(ProgressLine("m-1", nullptr, std::chrono::seconds(2), false), "m-1  gone  2s");
}

TEST(ParseWaitOptionsTest, ParsesAndRejects) {
  StatusOr<WaitOptions> ok = ParseWaitOptions(WaitFor::kStopped, "2m", "250ms");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->target, WaitFor::kStopped);
  EXPECT_EQ(ok->timeout, std::chrono::minutes(2));
  EXPECT_EQ(ok->interval, std::chrono::milliseconds(250));
  EXPECT_FALSE(ParseWaitOptions(WaitFor::kRunning, "soon", "1s").ok());
  EXPECT_FALSE(ParseWaitOptions(WaitFor::kRunning, "1m", "0s").ok());
  EXPECT_FALSE(ParseWaitFor("gone").ok());
  EXPECT_EQ(*ParseWaitFor("deleted"), WaitFor::kDeleted);
}

}  // namespace
}  // namespace berth::cli
