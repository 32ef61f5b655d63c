// ProcessRuntime placement on a unit inventory: {gpus}, no room, the placement timeout.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "process_test_util.h"
#include "runtime/process/process_runtime.h"

namespace berth {
namespace {

using testing::FakeProbe;
using testing::FastOptions;
using testing::ProcessRuns;
using testing::ShellTemplate;
using testing::Spec;
using testing::WaitUntil;

constexpr char kScript[] = "echo gpus=$CUDA_VISIBLE_DEVICES units={units}; exec sleep 30";

class PlacementRuntimeTest : public testing::ProcessRuntimeFixture {
 protected:
  std::unique_ptr<ProcessRuntime> OpenWithUnits(const std::string& units,
                                                Millis placement_timeout = Millis(600000)) {
    ProcessRuntimeOptions options = FastOptions(data_dir_);
    options.units = *ParseUnitInventory(units);
    options.placement_timeout = placement_timeout;
    return Open(ShellTemplate(kScript), options, std::make_unique<FakeProbe>());
  }
  std::string FirstLogLine(ProcessRuntime& runtime, const std::string& replica_id) {
    std::string line;
    WaitUntil([&] {
      std::ifstream in(runtime.LogPath(replica_id));
      std::string l;
      while (std::getline(in, l)) {
        if (l.starts_with("gpus=")) {
          line = l;
          return true;
        }
      }
      return false;
    });
    return line;
  }
};

TEST_F(PlacementRuntimeTest, ReplicasTakeUnitsAndGiveThemBack) {
  auto runtime = OpenWithUnits("MU1=0-3");
  ReplicaInfo a = Track(*runtime->StartReplica(Spec("u1", "MU1", 2)));
  ReplicaInfo b = Track(*runtime->StartReplica(Spec("u2", "MU1", 2)));
  EXPECT_EQ(FirstLogLine(*runtime, a.replica_id), "gpus=0,1 units=2");
  EXPECT_EQ(FirstLogLine(*runtime, b.replica_id), "gpus=2,3 units=2");

  StatusOr<ReplicaInfo> full = runtime->StartReplica(Spec("u3", "MU1", 2));
  EXPECT_EQ(full.status(),
            Unavailable("no free MU1 units: need 2, free 0 of 4 (waiting up to 10m for room)"));
  // Units come back once the process is gone, not when the stop is asked.
  ASSERT_TRUE(runtime->StopReplica(a.replica_id).ok());
  StatusOr<ReplicaInfo> c = Unavailable("not tried");
  ASSERT_TRUE(WaitUntil([&] { return (c = runtime->StartReplica(Spec("u3", "MU1", 2))).ok(); }));
  Track(*c);
  EXPECT_FALSE(ProcessRuns(a.pid));
  EXPECT_EQ(FirstLogLine(*runtime, c->replica_id), "gpus=0,1 units=2");
  runtime->StopAll();
}

TEST_F(PlacementRuntimeTest, UnplaceableAfterTheTimeoutIsAFailedReplica) {
  auto runtime = OpenWithUnits("MU1=2", Millis(300));
  Track(*runtime->StartReplica(Spec("u1", "MU1", 2)));
  EXPECT_EQ(runtime->StartReplica(Spec("u2", "MU1", 2)).status().code(), StatusCode::kUnavailable);
  std::this_thread::sleep_for(Millis(350));
  StatusOr<ReplicaInfo> failed = runtime->StartReplica(Spec("u2", "MU1", 2));
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(failed->state, ReplicaState::kFailed);
  EXPECT_EQ(failed->last_error,
            "cannot place replica: no free MU1 units: need 2, free 0 of 2 for 300ms");
  EXPECT_EQ(failed->pid, 0);
  std::vector<ReplicaInfo> listed = runtime->ListReplicas("u2").value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state, ReplicaState::kFailed);
  ASSERT_TRUE(runtime->StopReplica(failed->replica_id).ok());
  EXPECT_TRUE(runtime->ListReplicas("u2").value().empty());
  // The next attempt waits afresh.
  EXPECT_EQ(runtime->StartReplica(Spec("u2", "MU1", 2)).status().code(), StatusCode::kUnavailable);
  runtime->StopAll();
}

TEST_F(PlacementRuntimeTest, AReplicaThatCanNeverFitFailsAtOnce) {
  auto runtime = OpenWithUnits("MU1=4");
  struct Case {
    std::string spec;
    int units;
    std::string error;
  };
  const Case cases[] = {
      {"MU1", 8, "cannot place replica: a replica needs 8 MU1 units but only 4 are configured"},
      {"MU2", 1, "cannot place replica: no MU2 units are configured (--units MU1=0-3)"},
  };
  for (const Case& c : cases) {
    StatusOr<ReplicaInfo> failed = runtime->StartReplica(Spec("u-" + c.spec, c.spec, c.units));
    ASSERT_TRUE(failed.ok()) << failed.status().ToString();
    EXPECT_EQ(failed->state, ReplicaState::kFailed);
    EXPECT_EQ(failed->last_error, c.error);
  }
}

TEST_F(PlacementRuntimeTest, NoInventoryMeansUnlimited) {
  auto runtime = OpenWithUnits("");
  for (int i = 0; i < 3; ++i) {
    StatusOr<ReplicaInfo> r = runtime->StartReplica(Spec("u" + std::to_string(i), "MU1", 8));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Track(*r);
    EXPECT_EQ(FirstLogLine(*runtime, r->replica_id), "gpus= units=8");
  }
  runtime->StopAll();
}

}  // namespace
}  // namespace berth
