#include "core/replica_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth {
namespace {

ReplicaView Ready(std::string id) { return {std::move(id), true, false}; }
ReplicaView Starting(std::string id) { return {std::move(id), false, false}; }
ReplicaView Failed(std::string id) { return {std::move(id), false, true}; }

TEST(PlanReplicasTest, Table) {
  struct Case {
    std::string label;
    int target;
    bool may_start;
    std::vector<ReplicaView> replicas;  // oldest first
    int to_start;
    std::vector<std::string> to_stop;
  };
  const Case cases[] = {
      {"create", 2, true, {}, 2, {}},
      {"scale up", 3, true, {Ready("r1")}, 2, {}},
      {"steady", 2, true, {Ready("r1"), Starting("r2")}, 0, {}},
      {"scale down newest ready first",
       2,
       true,
       {Ready("r1"), Ready("r2"), Ready("r3")},
       0,
       {"r3"}},
      {"scale down starting before ready",
       1,
       true,
       {Ready("r1"), Starting("r2"), Ready("r3"), Starting("r4")},
       0,
       {"r4", "r2", "r3"}},
      {"failed replaced", 2, true, {Ready("r1"), Failed("r2")}, 1, {"r2"}},
      {"failed not replaced", 2, false, {Ready("r1"), Failed("r2")}, 0, {"r2"}},
      {"may not start", 3, false, {Ready("r1")}, 0, {}},
      {"may not start but may shrink", 1, false, {Ready("r1"), Ready("r2")}, 0, {"r2"}},
      {"stop all", 0, false, {Ready("r1"), Starting("r2"), Failed("r3")}, 0, {"r3", "r2", "r1"}},
  };
  for (const Case& c : cases) {
    ReplicaPlan plan = PlanReplicas(c.target, c.may_start, c.replicas);
    EXPECT_EQ(plan.to_start, c.to_start) << c.label;
    EXPECT_EQ(plan.to_stop, c.to_stop) << c.label;
  }
}

}  // namespace
}  // namespace berth
