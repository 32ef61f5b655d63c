#include "core/lifecycle.h"

#include <gtest/gtest.h>

#include <string>

namespace berth {
namespace {

using S = DeploymentStatus;
using D = DesiredState;

Deployment With(S status, D desired = D::kRunning, int capacity = 4, int base = 2) {
  Deployment d;
  d.deployed_model = "qwen-plus-12345678";
  d.status = status;
  d.desired = desired;
  d.capacity = capacity;
  d.base_capacity = base;
  return d;
}

const Operation kAllOps[] = {Operation::kScale,          Operation::kUpdateLimits,
                             Operation::kUpdateOverflow, Operation::kStop,
                             Operation::kStart,          Operation::kDelete};

TEST(CheckOperationTest, EverythingAllowedUntilDeleteRequested) {
  for (D desired : {D::kRunning, D::kStopped}) {
    for (S status : AllStatuses()) {
      for (Operation op : kAllOps) {
        EXPECT_TRUE(CheckOperation(op, With(status, desired)).ok())
            << OperationName(op) << " on " << StatusName(status);
      }
    }
  }
}

TEST(CheckOperationTest, OnlyDeleteOnceDeleteRequested) {
  for (Operation op : kAllOps) {
    Status s = CheckOperation(op, With(S::kDeleting, D::kDeleted));
    if (op == Operation::kDelete) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      continue;
    }
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << OperationName(op);
    EXPECT_EQ(s.message(), "Deployment qwen-plus-12345678 is DELETING; " +
                               std::string(OperationName(op)) + " is not allowed");
  }
}

TEST(ApplyScaledTest, StatusTable) {
  struct Case {
    S before;
    int old_capacity, new_capacity;
    S after;
  };
  const Case cases[] = {
      {S::kRunning, 4, 6, S::kUpdating},        {S::kRunning, 4, 2, S::kUpdating},
      {S::kRunning, 4, 4, S::kRunning},         {S::kPending, 4, 6, S::kPending},
      {S::kUpdating, 4, 6, S::kUpdating},       {S::kFailed, 4, 6, S::kPending},
      {S::kFailed, 4, 4, S::kPending},          {S::kStopped, 4, 6, S::kStopped},
      {S::kUpdatingFailed, 4, 4, S::kUpdating}, {S::kUpdatingFailed, 6, 4, S::kUpdating},
  };
  for (const Case& c : cases) {
    Deployment d = With(c.before, D::kRunning, c.new_capacity);
    d.fail_reason = "earlier failure";
    ApplyScaled(d, c.old_capacity);
    EXPECT_EQ(d.status, c.after) << StatusName(c.before) << " " << c.old_capacity << "->"
                                 << c.new_capacity << " gave " << StatusName(d.status);
    EXPECT_EQ(d.fail_reason, "");
  }
}

TEST(ApplyStopStartDeleteTest, Transitions) {
  Deployment d = With(S::kFailed);
  d.fail_reason = "engine exited";
  ApplyStop(d);
  EXPECT_EQ(d.desired, D::kStopped);
  EXPECT_EQ(d.status, S::kStopped);
  EXPECT_EQ(d.fail_reason, "");

  ApplyStart(d);
  EXPECT_EQ(d.desired, D::kRunning);
  EXPECT_EQ(d.status, S::kPending);

  Deployment failed = With(S::kFailed);
  failed.fail_reason = "engine exited";
  ApplyStart(failed);
  EXPECT_EQ(failed.status, S::kPending);
  EXPECT_EQ(failed.fail_reason, "");

  Deployment running = With(S::kRunning);
  ApplyStart(running);  // nothing to start
  EXPECT_EQ(running.status, S::kRunning);

  ApplyDelete(running);
  EXPECT_EQ(running.desired, D::kDeleted);
  EXPECT_EQ(running.status, S::kDeleting);
  EXPECT_EQ(running.DesiredReplicas(), 0);
}

TEST(ApplyObservationTest, StatusTable) {
  // Plain C strings, no std::string in the table: g++ 12 at -O3 reports a false
  // -Wmaybe-uninitialized for an array of aggregates holding strings.
  struct Seen {
    int ready_replicas, live_replicas;
    const char* failure;
  };
  struct Case {
    const char* label;
    S before;
    D desired;
    Seen seen;
    S after;
    int ready_capacity;
    const char* fail_reason;
  };
  // capacity 4, base 2: two replicas wanted.
  const Case cases[] = {
      {"pending, all ready", S::kPending, D::kRunning, {2, 2, ""}, S::kRunning, 4, ""},
      {"pending, partly ready", S::kPending, D::kRunning, {1, 2, ""}, S::kPending, 2, ""},
      {"pending, none yet", S::kPending, D::kRunning, {0, 0, ""}, S::kPending, 0, ""},
      {"pending, surplus", S::kPending, D::kRunning, {3, 3, ""}, S::kPending, 6, ""},
      {"pending, failure", S::kPending, D::kRunning, {0, 1, "exit 1"}, S::kFailed, 0, "exit 1"},
      {"updating, all ready", S::kUpdating, D::kRunning, {2, 2, ""}, S::kRunning, 4, ""},
      {"updating, partly", S::kUpdating, D::kRunning, {1, 2, ""}, S::kUpdating, 2, ""},
      {"updating, failure",
       S::kUpdating,
       D::kRunning,
       {1, 1, "no room"},
       S::kUpdatingFailed,
       2,
       "no room"},
      {"updating failed, ready again",
       S::kUpdatingFailed,
       D::kRunning,
       {2, 2, ""},
       S::kRunning,
       4,
       ""},
      {"running, dip", S::kRunning, D::kRunning, {1, 2, ""}, S::kRunning, 2, ""},
      {"running, replica died", S::kRunning, D::kRunning, {1, 1, "crash"}, S::kRunning, 2, ""},
      {"failed stays failed", S::kFailed, D::kRunning, {0, 0, ""}, S::kFailed, 0, ""},
      {"stop requested", S::kRunning, D::kStopped, {1, 1, ""}, S::kStopped, 2, ""},
      {"stopped", S::kStopped, D::kStopped, {0, 0, ""}, S::kStopped, 0, ""},
      {"delete requested", S::kRunning, D::kDeleted, {2, 2, ""}, S::kDeleting, 4, ""},
  };
  for (const Case& c : cases) {
    Deployment d = With(c.before, c.desired);
    ApplyObservation(Observation{c.seen.ready_replicas, c.seen.live_replicas, c.seen.failure}, d);
    EXPECT_EQ(d.status, c.after) << c.label << ": got " << StatusName(d.status);
    EXPECT_EQ(d.ready_capacity, c.ready_capacity) << c.label;
    EXPECT_EQ(d.fail_reason, c.fail_reason) << c.label;
  }
}

TEST(ApplyObservationTest, ZeroCapacityIsRunningWithNoReplicas) {
  Deployment d = With(S::kPending, D::kRunning, 0);
  ApplyObservation(Observation{0, 0, ""}, d);
  EXPECT_EQ(d.status, S::kRunning);
}

TEST(ApplyObservationTest, RecoveryClearsFailReason) {
  Deployment d = With(S::kUpdatingFailed);
  d.fail_reason = "no room";
  ApplyObservation(Observation{2, 2, ""}, d);
  EXPECT_EQ(d.status, S::kRunning);
  EXPECT_EQ(d.fail_reason, "");
}

TEST(TargetReplicasTest, Table) {
  struct Case {
    S status;
    D desired;
    int target;
    bool may_start;
  };
  const Case cases[] = {
      {S::kPending, D::kRunning, 2, true},   {S::kRunning, D::kRunning, 2, true},
      {S::kUpdating, D::kRunning, 2, true},  {S::kUpdatingFailed, D::kRunning, 2, false},
      {S::kFailed, D::kRunning, 0, false},   {S::kStopped, D::kStopped, 0, false},
      {S::kDeleting, D::kDeleted, 0, false},
  };
  for (const Case& c : cases) {
    Deployment d = With(c.status, c.desired);
    EXPECT_EQ(TargetReplicas(d), c.target) << StatusName(c.status);
    EXPECT_EQ(MayStartReplicas(d), c.may_start) << StatusName(c.status);
  }
}

}  // namespace
}  // namespace berth
