// ProcessRuntime's readiness and liveness (a slow engine leaves routing, only a dead one is
// restarted; per-engine probe timeouts) and its process-group handling (main process first,
// then the group; what a dead engine leaves in its group is killed before its units are free).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "process_test_util.h"
#include "runtime/process/process_runtime.h"

namespace berth {
namespace {

using testing::FakeEngineTemplate;
using testing::FakeProbe;
using testing::FastOptions;
using testing::Find;
using testing::ProcessRuns;
using testing::ShellTemplate;
using testing::Spec;
using testing::WaitUntil;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first "pid=N" line of a log, or 0.
int LoggedPid(const std::string& log) {
  size_t at = log.find("\npid=");
  return at == std::string::npos ? 0 : std::stoi(log.substr(at + 5));
}

class ProcessHealthTest : public testing::ProcessRuntimeFixture {};

TEST_F(ProcessHealthTest, ASlowEngineLeavesRoutingButIsNotRestarted) {
  EngineTemplate engine = ShellTemplate("exec sleep 30");
  engine.health.restart_after = Millis(60000);
  auto owned = std::make_unique<FakeProbe>();
  FakeProbe* probe = owned.get();
  auto runtime = Open(engine, FastOptions(data_dir_), std::move(owned));
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);

  probe->healthy = false;  // a saturated engine answering /health late
  std::optional<ReplicaInfo> slow = WaitState(*runtime, r.replica_id, ReplicaState::kStarting);
  ASSERT_TRUE(slow && slow->state == ReplicaState::kStarting);  // out of routing
  EXPECT_NE(slow->last_error.find("out of routing"), std::string::npos) << slow->last_error;
  std::this_thread::sleep_for(Millis(600));  // twice FastOptions' liveness budget
  std::optional<ReplicaInfo> still = Find(*runtime, r.replica_id);
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->pid, r.pid);  // the engine's own budget (60 s) is not spent
  EXPECT_EQ(still->restarts, 0);

  probe->healthy = true;
  std::optional<ReplicaInfo> back = WaitState(*runtime, r.replica_id, ReplicaState::kReady);
  ASSERT_TRUE(back && back->state == ReplicaState::kReady);
  EXPECT_EQ(back->pid, r.pid);
  EXPECT_EQ(back->last_error, "");
  runtime->StopAll();
}

TEST_F(ProcessHealthTest, ASlowHealthCheckNeedsTheEnginesOwnTimeout) {
  // SGLang's /health generates a token: over a one-second probe, the engine never gets ready.
  ProcessRuntimeOptions options = FastOptions(data_dir_);
  options.probe_timeout = Millis(300);
  EngineTemplate too_short = FakeEngineTemplate({"--health-delay-ms", "700"});
  too_short.startup_timeout = Millis(2500);
  {
    auto runtime = Open(too_short, options);
    ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
    std::optional<ReplicaInfo> seen = Find(*runtime, r.replica_id);
    ASSERT_TRUE(WaitUntil([&] {
      seen = Find(*runtime, r.replica_id);
      return seen && !seen->last_error.empty();
    }));
    EXPECT_NE(seen->last_error.find("engine not healthy after"), std::string::npos);
    runtime->StopAll();
  }
  EngineTemplate sglang_like = too_short;
  sglang_like.health.timeout = Millis(3000);
  auto runtime = Open(sglang_like, options);
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u2")));
  std::optional<ReplicaInfo> ready = WaitState(*runtime, r.replica_id, ReplicaState::kReady);
  ASSERT_TRUE(ready && ready->state == ReplicaState::kReady);
  EXPECT_EQ(ready->restarts, 0);
  runtime->StopAll();
}

// A leader that logs SIGTERM and keeps running, and one worker in its group that exits on it.
constexpr char kLeaderAndWorker[] =
    "sh -c 'trap \"echo worker-term; exit 0\" TERM; while :; do sleep 0.05; done' & "
    "echo pid=$!; trap 'echo leader-term' TERM; while :; do sleep 0.05; done";

TEST_F(ProcessHealthTest, StopSignalsTheMainProcessFirstThenTheGroupAfterItsGrace) {
  EngineTemplate engine = ShellTemplate(kLeaderAndWorker);
  engine.health.stop_grace = Millis(800);
  auto runtime = Open(engine, FastOptions(data_dir_), std::make_unique<FakeProbe>());
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  std::string log_path = runtime->LogPath(r.replica_id);
  ASSERT_TRUE(WaitUntil([&] { return LoggedPid(ReadFile(log_path)) > 0; }));
  int worker = LoggedPid(ReadFile(log_path));

  // (The log's first line is the command, which names both words: only whole lines count.)
  ASSERT_TRUE(runtime->StopReplica(r.replica_id).ok());
  auto leader_term = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(log_path).find("\nleader-term") != std::string::npos; },
                        Millis(3000)));
  EXPECT_EQ(ReadFile(log_path).find("\nworker-term"), std::string::npos);  // only the main one
  EXPECT_TRUE(ProcessRuns(worker));
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(log_path).find("\nworker-term") != std::string::npos; },
                        Millis(4000)));
  EXPECT_GE(std::chrono::steady_clock::now() - leader_term, Millis(600));  // the grace, then all
  // The leader ignores SIGTERM: SIGKILL after term_timeout ends it.
  EXPECT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid) && !ProcessRuns(worker); }, Millis(5000)));
}

TEST_F(ProcessHealthTest, ADeadEnginesWorkersAreKilledBeforeItRestartsOnItsUnits) {
  // The worker ignores SIGTERM, like a GPU worker stuck in a collective.
  EngineTemplate engine = ShellTemplate(
      "sh -c 'trap \"\" TERM; while :; do sleep 0.05; done' & echo pid=$!; exec sleep 30");
  ProcessRuntimeOptions options = FastOptions(data_dir_);
  options.units = *ParseUnitInventory("MU1=1");
  auto runtime = Open(engine, options, std::make_unique<FakeProbe>());
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1", "MU1", 1)));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  std::string log_path = runtime->LogPath(r.replica_id);
  ASSERT_TRUE(WaitUntil([&] { return LoggedPid(ReadFile(log_path)) > 0; }));
  int worker = LoggedPid(ReadFile(log_path));

  ASSERT_EQ(::kill(r.pid, SIGKILL), 0);  // the API server crashes; its worker lives on
  std::optional<ReplicaInfo> again;
  ASSERT_TRUE(WaitUntil([&] {
    again = Find(*runtime, r.replica_id);
    return again && again->restarts == 1 && again->pid > 0;
  }));
  Track(*again);
  EXPECT_FALSE(ProcessRuns(worker));  // gone before the new engine got the unit
  EXPECT_NE(again->last_error.find("was killed by signal 9"), std::string::npos);
  runtime->StopAll();
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

TEST_F(ProcessHealthTest, AtAdoptionADeadEnginesWorkersAreKilledBeforeItsUnitsAreFree) {
  EngineTemplate engine = ShellTemplate(
      "sh -c 'trap \"\" TERM; while :; do sleep 0.05; done' & echo pid=$!; exec sleep 30");
  ProcessRuntimeOptions options = FastOptions(data_dir_);
  options.units = *ParseUnitInventory("MU1=1");
  ReplicaInfo r;
  std::string log_path;
  {
    auto a = Open(engine, options, std::make_unique<FakeProbe>());
    r = Track(*a->StartReplica(Spec("u1", "MU1", 1)));
    ASSERT_EQ(WaitState(*a, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
    log_path = a->LogPath(r.replica_id);
  }  // berth goes away; the engine stays
  ASSERT_TRUE(WaitUntil([&] { return LoggedPid(ReadFile(log_path)) > 0; }));
  int worker = LoggedPid(ReadFile(log_path));
  ASSERT_EQ(::kill(r.pid, SIGKILL), 0);  // its API server dies while berth is away
  ASSERT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid); }));
  ASSERT_TRUE(ProcessRuns(worker));

  auto b = Open(engine, options, std::make_unique<FakeProbe>());
  EXPECT_TRUE(b->ListAllReplicas().value().empty());  // the reconciler starts a replacement
  // ... which gets the unit once the worker is gone.
  std::optional<ReplicaInfo> next;
  ASSERT_TRUE(WaitUntil([&] {
    StatusOr<ReplicaInfo> started = b->StartReplica(Spec("u2", "MU1", 1));
    if (started.ok()) next = Track(*started);
    return next.has_value();
  }));
  EXPECT_FALSE(ProcessRuns(worker));
  b->StopAll();
}

}  // namespace
}  // namespace berth
