// Adoption across a berth restart: a runtime destroyed without stopping its engines, and a new
// one opened on the same data directory.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "process_test_util.h"
#include "runtime/process/process_runtime.h"
#include "runtime/process/replica_records.h"

namespace berth {
namespace {

using testing::FakeEngineTemplate;
using testing::FakeProbe;
using testing::FastOptions;
using testing::Find;
using testing::PortAnswers;
using testing::ProcessRuns;
using testing::ShellTemplate;
using testing::Spec;
using testing::WaitUntil;

class AdoptionTest : public testing::ProcessRuntimeFixture {
 protected:
  // Starts one fake engine replica, waits until ready, then destroys the runtime.
  ReplicaInfo StartAndDetach(ProcessRuntimeOptions options) {
    auto a = Open(FakeEngineTemplate(), options);
    ReplicaInfo r = Track(*a->StartReplica(Spec("u1", "MU1", 2)));
    std::optional<ReplicaInfo> ready = WaitState(*a, r.replica_id, ReplicaState::kReady);
    EXPECT_TRUE(ready && ready->state == ReplicaState::kReady);
    return *ready;
  }
};

TEST_F(AdoptionTest, AdoptsAHealthyEngineWithoutRestart) {
  ProcessRuntimeOptions options = FastOptions(data_dir_);
  options.units = *ParseUnitInventory("MU1=2");
  ReplicaInfo before = StartAndDetach(options);
  EXPECT_TRUE(ProcessRuns(before.pid));  // the destructor left it running
  EXPECT_TRUE(PortAnswers(before.port));

  auto b = Open(FakeEngineTemplate(), options);
  std::vector<ReplicaInfo> all = b->ListAllReplicas().value();  // ready at once: probed in Open
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].replica_id, before.replica_id);
  EXPECT_EQ(all[0].deployment_uid, "u1");
  EXPECT_EQ(all[0].pid, before.pid);
  EXPECT_EQ(all[0].port, before.port);
  EXPECT_EQ(all[0].state, ReplicaState::kReady);
  EXPECT_EQ(all[0].restarts, 0);
  EXPECT_EQ(all[0].started, before.started);
  // The adopted replica still holds its units.
  EXPECT_EQ(b->StartReplica(Spec("u2", "MU1", 2)).status().code(), StatusCode::kUnavailable);

  // It is supervised like any other: killed, it comes back.
  ASSERT_EQ(::kill(before.pid, SIGKILL), 0);
  std::optional<ReplicaInfo> again;
  ASSERT_TRUE(WaitUntil([&] {
    again = Find(*b, before.replica_id);
    return again && again->state == ReplicaState::kReady && again->restarts == 1;
  }));
  Track(*again);
  EXPECT_NE(again->pid, before.pid);
  b->StopAll();
  EXPECT_FALSE(ProcessRuns(again->pid));
}

TEST_F(AdoptionTest, ForgetsEnginesThatDied) {
  ReplicaInfo before = StartAndDetach(FastOptions(data_dir_));
  ASSERT_EQ(::kill(before.pid, SIGKILL), 0);
  ASSERT_TRUE(WaitUntil([&] { return !ProcessRuns(before.pid); }));
  auto b = Open(FakeEngineTemplate());
  EXPECT_TRUE(b->ListAllReplicas().value().empty());  // the reconciler starts a replacement
  EXPECT_TRUE(LoadReplicaRecords(b->ReplicasDir() + "/state.json")->empty());
}

TEST_F(AdoptionTest, DoesNotAdoptAReusedPid) {
  // A record whose pid now belongs to another process (this test) must not be adopted.
  std::filesystem::create_directories(data_dir_ + "/replicas");
  ReplicaRecord rec;
  rec.replica_id = "stale";
  rec.deployment_uid = "u1";
  rec.pid = ::getpid();
  rec.pgid = ::getpid();
  rec.start_ticks = *ProcessStartTicks(::getpid()) + 1;
  rec.port = 1;
  ASSERT_TRUE(SaveReplicaRecords(data_dir_ + "/replicas/state.json", {rec}).ok());
  auto b = Open(FakeEngineTemplate());
  EXPECT_TRUE(b->ListAllReplicas().value().empty());
  b->StopAll();  // must not signal this process's group
}

TEST_F(AdoptionTest, AnEngineThatCannotBeLookedAtIsNotTakenForDead) {
  // An adopted engine is not berth's child: its liveness is read from /proc/<pid>/stat, which
  // cannot be opened while a connection flood holds every descriptor (defect 2).
  int group = 0;
  int pid = testing::StartForeignProcess(dir_.File("foreign.log"), &group);
  ASSERT_GT(pid, 0);
  groups_.insert(group);
  std::filesystem::create_directories(data_dir_ + "/replicas");
  ReplicaRecord rec;
  rec.replica_id = "adopted";
  rec.deployment_uid = "u1";
  rec.deployed_model = "qwen3-8b-u1";
  rec.pid = pid;
  rec.pgid = group;
  rec.start_ticks = *ProcessStartTicks(pid);
  rec.port = 1;
  ASSERT_TRUE(SaveReplicaRecords(data_dir_ + "/replicas/state.json", {rec}).ok());
  auto b =
      Open(ShellTemplate("exec sleep 30"), FastOptions(data_dir_), std::make_unique<FakeProbe>());
  ASSERT_EQ(Find(*b, "adopted")->state, ReplicaState::kReady);
  {
    testing::DescriptorsExhausted flood;
    ASSERT_TRUE(flood.exhausted());
    std::this_thread::sleep_for(Millis(500));  // ~25 supervisor ticks that cannot look
  }
  std::this_thread::sleep_for(Millis(200));  // and a few that can
  std::optional<ReplicaInfo> after = Find(*b, "adopted");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->pid, pid);  // still the engine it adopted: no replacement started
  EXPECT_EQ(after->restarts, 0);
  EXPECT_EQ(after->state, ReplicaState::kReady);
  EXPECT_TRUE(ProcessRuns(pid));
  b->StopAll();
  EXPECT_FALSE(ProcessRuns(pid));
}

TEST_F(AdoptionTest, FinishesStoppingWhatWasBeingStopped) {
  ProcessRuntimeOptions slow = FastOptions(data_dir_);
  slow.drain_grace = Millis(60000);
  ReplicaInfo r;
  {
    auto a = Open(FakeEngineTemplate(), slow);
    r = Track(*a->StartReplica(Spec("u1")));
    ASSERT_EQ(WaitState(*a, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
    ASSERT_TRUE(a->StopReplica(r.replica_id).ok());  // draining for a minute...
  }                                                  // ...when berth goes away
  EXPECT_TRUE(ProcessRuns(r.pid));
  auto b = Open(FakeEngineTemplate());
  EXPECT_TRUE(b->ListAllReplicas().value().empty());
  EXPECT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid); }, Millis(4000)));
}

TEST_F(AdoptionTest, BerthsExitFinishesWhatItWasDraining) {
  ProcessRuntimeOptions slow = FastOptions(data_dir_);
  slow.drain_grace = Millis(60000);
  auto a = Open(FakeEngineTemplate(), slow);
  a->SetInFlightProbe([](const std::string&) { return 1; });  // a request that runs on
  ReplicaInfo r = Track(*a->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*a, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  ASSERT_TRUE(a->StopReplica(r.replica_id).ok());  // deleted: draining for up to a minute...
  std::this_thread::sleep_for(Millis(200));
  ASSERT_TRUE(ProcessRuns(r.pid));
  auto exit_at = std::chrono::steady_clock::now();
  a->FinishStopping(Millis(3000));  // ...when berth stops
  EXPECT_LT(std::chrono::steady_clock::now() - exit_at, Millis(3000));
  EXPECT_FALSE(ProcessRuns(r.pid));
  a.reset();
  EXPECT_TRUE(LoadReplicaRecords(data_dir_ + "/replicas/state.json")->empty());
}

TEST_F(AdoptionTest, AnEngineStillExitingWhenBerthStopsIsFinishedByTheNextStart) {
  ProcessRuntimeOptions slow = FastOptions(data_dir_);
  slow.drain_grace = Millis(60000);
  ReplicaInfo r;
  {
    auto a = Open(FakeEngineTemplate({"--ignore-term"}), slow);
    r = Track(*a->StartReplica(Spec("u1")));
    ASSERT_EQ(WaitState(*a, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
    ASSERT_TRUE(a->StopReplica(r.replica_id).ok());
    a->FinishStopping(Millis(300));  // SIGTERM is ignored; SIGKILL would be 1.5 s later
    EXPECT_TRUE(ProcessRuns(r.pid));
  }
  std::vector<ReplicaRecord> records = *LoadReplicaRecords(data_dir_ + "/replicas/state.json");
  ASSERT_EQ(records.size(), 1u);  // still recorded: not forgotten, so not left running
  EXPECT_EQ(records[0].pid, r.pid);
  EXPECT_TRUE(records[0].stopping);
  auto b = Open(FakeEngineTemplate());
  EXPECT_TRUE(b->ListAllReplicas().value().empty());
  EXPECT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid); }, Millis(5000)));
  EXPECT_TRUE(
      WaitUntil([&] { return LoadReplicaRecords(data_dir_ + "/replicas/state.json")->empty(); }));
}

TEST_F(AdoptionTest, AnAdoptedEngineThatDoesNotAnswerGetsItsStartupTime) {
  auto healthy = std::make_unique<FakeProbe>();
  ReplicaInfo r;
  {
    auto a = Open(ShellTemplate("exec sleep 30"), FastOptions(data_dir_), std::move(healthy));
    r = Track(*a->StartReplica(Spec("u1")));
    ASSERT_EQ(WaitState(*a, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  }
  auto silent = std::make_unique<FakeProbe>();
  FakeProbe* probe = silent.get();
  probe->healthy = false;
  auto b = Open(ShellTemplate("exec sleep 30"), FastOptions(data_dir_), std::move(silent));
  std::optional<ReplicaInfo> adopted = Find(*b, r.replica_id);
  ASSERT_TRUE(adopted.has_value());
  EXPECT_EQ(adopted->state, ReplicaState::kStarting);
  EXPECT_EQ(adopted->pid, r.pid);
  probe->healthy = true;
  EXPECT_EQ(WaitState(*b, r.replica_id, ReplicaState::kReady)->pid, r.pid);
  b->StopAll();
}

TEST_F(AdoptionTest, UnreadableStateFileIsSetAside) {
  std::filesystem::create_directories(data_dir_ + "/replicas");
  std::ofstream(data_dir_ + "/replicas/state.json") << "{torn";
  auto b = Open(FakeEngineTemplate());
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->ListAllReplicas().value().empty());
  int set_aside = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir_ + "/replicas")) {
    if (entry.path().filename().string().starts_with("state.json.unreadable-")) ++set_aside;
  }
  EXPECT_EQ(set_aside, 1);
}

}  // namespace
}  // namespace berth
