// ProcessRuntime with real child processes: the fake engine (tests/runtime/fake_engine.py)
// answering /health over HTTP, or shell commands with a FakeProbe for liveness-only cases.
#include "runtime/process/process_runtime.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "process_test_util.h"

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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The pids a shell template printed as "pid=N" lines.
std::vector<int> LoggedPids(const std::string& log) {
  std::vector<int> pids;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("pid=")) pids.push_back(std::stoi(line.substr(4)));
  }
  return pids;
}

class ProcessRuntimeTest : public testing::ProcessRuntimeFixture {
 protected:
  // A liveness-only engine whose health the test decides.
  std::unique_ptr<ProcessRuntime> OpenShell(const std::string& script, FakeProbe*& probe,
                                            ProcessRuntimeOptions options) {
    auto owned = std::make_unique<FakeProbe>();
    probe = owned.get();
    return Open(ShellTemplate(script), std::move(options), std::move(owned));
  }
};

TEST_F(ProcessRuntimeTest, StartsAnEngineThatBecomesReady) {
  std::vector<std::string> changed;  // declared first: outlives the runtime's callback
  std::mutex changed_mu;
  auto runtime = Open(FakeEngineTemplate({"--startup-ms", "300"}));
  runtime->OnReplicaChange([&](const std::string& deployed_model) {
    std::lock_guard lock(changed_mu);
    changed.push_back(deployed_model);
  });
  StatusOr<ReplicaInfo> started = runtime->StartReplica(Spec("u1"));
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  Track(*started);
  EXPECT_EQ(started->state, ReplicaState::kStarting);
  EXPECT_GT(started->pid, 0);
  EXPECT_GT(started->port, 0);
  EXPECT_TRUE(ProcessRuns(started->pid));

  std::optional<ReplicaInfo> ready = WaitState(*runtime, started->replica_id, ReplicaState::kReady);
  ASSERT_TRUE(ready && ready->state == ReplicaState::kReady);
  EXPECT_EQ(ready->pid, started->pid);
  EXPECT_EQ(ready->restarts, 0);
  EXPECT_TRUE(PortAnswers(ready->port));
  EXPECT_EQ(runtime->ListReplicas("u1").value().size(), 1u);
  EXPECT_TRUE(runtime->ListReplicas("other").value().empty());
  std::string log = ReadFile(runtime->LogPath(started->replica_id));
  EXPECT_NE(log.find("fake engine listening on 127.0.0.1:" + std::to_string(ready->port)),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("MODEL=qwen3-8b-u1"), std::string::npos) << log;  // {served_model_name}
  {
    std::lock_guard lock(changed_mu);
    EXPECT_NE(std::find(changed.begin(), changed.end(), "qwen3-8b-u1"), changed.end());
  }
  std::string state = ReadFile(runtime->ReplicasDir() + "/state.json");
  EXPECT_NE(state.find("\"pid\": " + std::to_string(ready->pid)), std::string::npos) << state;

  runtime->StopAll();
  EXPECT_FALSE(ProcessRuns(ready->pid));
  EXPECT_FALSE(PortAnswers(ready->port));
  EXPECT_TRUE(runtime->ListAllReplicas().value().empty());
  EXPECT_EQ(ReadFile(runtime->ReplicasDir() + "/state.json").find("\"pid\""), std::string::npos);
}

TEST_F(ProcessRuntimeTest, RestartsAnEngineKilledWithSigkill) {
  auto runtime = Open(FakeEngineTemplate());
  ReplicaInfo first = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, first.replica_id, ReplicaState::kReady)->state,
            ReplicaState::kReady);
  ASSERT_EQ(::kill(first.pid, SIGKILL), 0);

  std::optional<ReplicaInfo> again;
  ASSERT_TRUE(WaitUntil([&] {
    again = Find(*runtime, first.replica_id);
    return again && again->state == ReplicaState::kReady && again->restarts == 1;
  }));
  Track(*again);
  EXPECT_NE(again->pid, first.pid);
  EXPECT_FALSE(ProcessRuns(first.pid));  // reaped, not a zombie
  EXPECT_NE(again->last_error.find("was killed by signal 9"), std::string::npos)
      << again->last_error;
  runtime->StopAll();
  EXPECT_FALSE(ProcessRuns(again->pid));
}

TEST_F(ProcessRuntimeTest, StopDrainsThenTerminates) {
  ProcessRuntimeOptions options = FastOptions(data_dir_);
  options.drain_grace = Millis(600);
  auto runtime = Open(FakeEngineTemplate(), options);
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);

  auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(runtime->StopReplica(r.replica_id).ok());
  EXPECT_TRUE(runtime->ListAllReplicas().value().empty());  // no new requests from now on
  EXPECT_TRUE(PortAnswers(r.port));                         // in-flight requests still served
  ASSERT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid); }, Millis(5000)));
  auto took = std::chrono::steady_clock::now() - stopped_at;
  EXPECT_GE(took, Millis(550));
  EXPECT_LT(took, options.drain_grace + options.term_timeout);  // SIGTERM was enough
  EXPECT_FALSE(PortAnswers(r.port));
  EXPECT_TRUE(runtime->StopReplica(r.replica_id).ok());  // already gone: fine
}

TEST_F(ProcessRuntimeTest, AnIdleReplicaIsTerminatedAtOnce) {
  ProcessRuntimeOptions options = FastOptions(data_dir_);
  options.drain_grace = Millis(30000);
  auto runtime = Open(FakeEngineTemplate(), options);
  std::atomic<int> in_flight{0};
  runtime->SetInFlightProbe([&](const std::string&) { return in_flight.load(); });
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(runtime->StopReplica(r.replica_id).ok());
  ASSERT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid); }, Millis(5000)));
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, Millis(2000));  // not the 30 s grace
}

TEST_F(ProcessRuntimeTest, ABusyReplicaDrainsUntilItsRequestsEnd) {
  ProcessRuntimeOptions options = FastOptions(data_dir_);
  options.drain_grace = Millis(30000);
  auto runtime = Open(FakeEngineTemplate(), options);
  std::atomic<int> in_flight{2};
  std::mutex asked_mu;
  std::set<std::string> asked;
  runtime->SetInFlightProbe([&](const std::string& id) {
    std::lock_guard lock(asked_mu);
    asked.insert(id);
    return in_flight.load();
  });
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  ASSERT_TRUE(runtime->StopReplica(r.replica_id).ok());
  std::this_thread::sleep_for(Millis(500));  // many ticks with requests still running
  EXPECT_TRUE(ProcessRuns(r.pid));
  EXPECT_TRUE(PortAnswers(r.port));
  in_flight = 0;
  auto idle_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid); }, Millis(5000)));
  EXPECT_LT(std::chrono::steady_clock::now() - idle_at, Millis(2000));
  std::lock_guard lock(asked_mu);
  EXPECT_EQ(asked, std::set<std::string>{r.replica_id});
}

TEST_F(ProcessRuntimeTest, StopKillsAnEngineThatIgnoresSigterm) {
  auto runtime = Open(FakeEngineTemplate({"--ignore-term"}));
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  ASSERT_TRUE(runtime->StopReplica(r.replica_id).ok());
  std::this_thread::sleep_for(Millis(900));  // past the grace: SIGTERM sent and ignored
  EXPECT_TRUE(ProcessRuns(r.pid));
  ASSERT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid); }, Millis(4000)));
  EXPECT_FALSE(PortAnswers(r.port));
}

TEST_F(ProcessRuntimeTest, BadCommandFailsAfterBoundedTries) {
  EngineTemplate engine = FakeEngineTemplate();
  engine.command = {"/nonexistent/engine", "--port", "{port}"};
  auto runtime = Open(engine);
  ReplicaInfo r = *runtime->StartReplica(Spec("u1"));
  std::optional<ReplicaInfo> failed = WaitState(*runtime, r.replica_id, ReplicaState::kFailed);
  ASSERT_TRUE(failed && failed->state == ReplicaState::kFailed);
  EXPECT_EQ(failed->last_error,
            "cannot start engine: cannot run /nonexistent/engine: No such file or directory "
            "(gave up after 3 tries; log: " +
                runtime->LogPath(r.replica_id) + ")");
  EXPECT_EQ(failed->restarts, 2);
  EXPECT_EQ(failed->pid, 0);
  ASSERT_TRUE(runtime->StopReplica(r.replica_id).ok());
  EXPECT_TRUE(runtime->ListAllReplicas().value().empty());
}

TEST_F(ProcessRuntimeTest, EngineExitingAtOnceFailsWithItsLastWords) {
  FakeProbe* probe = nullptr;
  auto runtime = OpenShell(
      "echo loading; echo 'error: model path /models/x not found' >&2; "
      "exit 127",
      probe, FastOptions(data_dir_));
  // This engine never serves. A probe that answered "healthy" could win the race against the
  // exit and make it an engine that served once, which is (rightly) never given up on.
  probe->healthy = false;
  ReplicaInfo r = *runtime->StartReplica(Spec("u1"));
  std::optional<ReplicaInfo> failed = WaitState(*runtime, r.replica_id, ReplicaState::kFailed);
  ASSERT_TRUE(failed && failed->state == ReplicaState::kFailed);
  EXPECT_TRUE(failed->last_error.starts_with(
      "engine exited with code 127 before becoming healthy: error: model path /models/x not "
      "found (gave up after 3 tries"))
      << failed->last_error;
}

TEST_F(ProcessRuntimeTest, EngineNeverHealthyTimesOutAndLeavesNothing) {
  EngineTemplate engine = ShellTemplate("echo pid=$$; exec sleep 30");
  engine.startup_timeout = Millis(300);
  auto probe = std::make_unique<FakeProbe>();
  probe->healthy = false;
  auto runtime = Open(engine, FastOptions(data_dir_), std::move(probe));

  ReplicaInfo r = *runtime->StartReplica(Spec("u1"));
  std::optional<ReplicaInfo> failed =
      WaitState(*runtime, r.replica_id, ReplicaState::kFailed, Millis(10000));
  ASSERT_TRUE(failed && failed->state == ReplicaState::kFailed);
  EXPECT_TRUE(failed->last_error.starts_with("engine not healthy after 300ms (GET /health on port"))
      << failed->last_error;
  std::vector<int> pids = LoggedPids(ReadFile(runtime->LogPath(r.replica_id)));
  EXPECT_EQ(pids.size(), 3u);
  for (int pid : pids) groups_.insert(pid);
  EXPECT_TRUE(WaitUntil(
      [&] {
        for (int pid : pids) {
          if (ProcessRuns(pid)) return false;
        }
        return true;
      },
      Millis(5000)));
}

TEST_F(ProcessRuntimeTest, ReadyEngineThatStopsAnsweringIsRestarted) {
  FakeProbe* probe = nullptr;
  auto runtime = OpenShell("exec sleep 30", probe, FastOptions(data_dir_));
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  probe->healthy = false;
  std::optional<ReplicaInfo> restarted;
  ASSERT_TRUE(WaitUntil([&] {
    restarted = Find(*runtime, r.replica_id);
    return restarted && restarted->restarts == 1 && restarted->pid > 0;
  }));
  Track(*restarted);
  EXPECT_EQ(restarted->state, ReplicaState::kStarting);
  EXPECT_NE(restarted->last_error.find("stopped answering GET /health"), std::string::npos);
  EXPECT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid); }, Millis(4000)));
  probe->healthy = true;
  EXPECT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  runtime->StopAll();
}

TEST_F(ProcessRuntimeTest, AHealthCheckBerthCannotSendIsNotAFailedOne) {
  // The real HTTP probe; berth out of descriptors (a connection flood) for many probe rounds.
  auto runtime = Open(FakeEngineTemplate());
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  {
    testing::DescriptorsExhausted flood;
    ASSERT_TRUE(flood.exhausted());
    EXPECT_FALSE(CanOpenDescriptor());
    std::this_thread::sleep_for(Millis(600));  // ~12 probe intervals, 3 failures restart
  }
  EXPECT_TRUE(CanOpenDescriptor());
  std::this_thread::sleep_for(Millis(200));
  std::optional<ReplicaInfo> after = Find(*runtime, r.replica_id);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->pid, r.pid);  // not restarted: its health was never known to be bad
  EXPECT_EQ(after->restarts, 0);
  EXPECT_EQ(after->state, ReplicaState::kReady);
  runtime->StopAll();
}

TEST_F(ProcessRuntimeTest, AnEngineThatServedIsNeverGivenUp) {
  EngineTemplate engine = ShellTemplate("exec sleep 30");
  engine.startup_timeout = Millis(200);
  auto owned = std::make_unique<FakeProbe>();
  FakeProbe* probe = owned.get();
  auto runtime = Open(engine, FastOptions(data_dir_), std::move(owned));
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  probe->healthy = false;  // from now on every start times out
  std::optional<ReplicaInfo> looping;
  ASSERT_TRUE(WaitUntil([&] {
    looping = Find(*runtime, r.replica_id);
    if (looping) Track(*looping);
    return looping && looping->restarts >= 4;  // more than max_start_tries
  }));
  EXPECT_NE(looping->state, ReplicaState::kFailed);
  probe->healthy = true;
  EXPECT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  runtime->StopAll();
}

TEST_F(ProcessRuntimeTest, StopOfUnknownReplicaIsOk) {
  auto runtime = Open(FakeEngineTemplate());
  EXPECT_TRUE(runtime->StopReplica("nope").ok());
}

// Deadlines follow the clock's monotonic time, never the wall clock. The fake clock moves only
// when the test says; the supervisor's (real) ticks look at it.
class ProcessRuntimeClockTest : public testing::ProcessRuntimeFixture {
 protected:
  std::unique_ptr<ProcessRuntime> OpenOnFakeClock(const std::string& script) {
    auto runtime =
        ProcessRuntime::Open(FastOptions(data_dir_), EnginesConfig(ShellTemplate(script)),
                             std::make_unique<FakeProbe>(), fake_clock_);
    EXPECT_TRUE(runtime.ok()) << runtime.status().ToString();
    return runtime.ok() ? std::move(*runtime) : nullptr;
  }
  FakeClock fake_clock_;
};

TEST_F(ProcessRuntimeClockTest, WallClockSetBackDoesNotStallARestart) {
  auto runtime = OpenOnFakeClock("exec sleep 30");
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  ASSERT_EQ(::kill(r.pid, SIGKILL), 0);
  ASSERT_TRUE(WaitUntil([&] {  // seen dead: waiting backoff_base (100 ms) to restart
    std::optional<ReplicaInfo> seen = Find(*runtime, r.replica_id);
    return seen && seen->pid == 0;
  }));
  fake_clock_.SetWallTime(fake_clock_.Now() - std::chrono::hours(1));  // NTP steps back
  fake_clock_.Advance(Millis(100));
  std::optional<ReplicaInfo> again;
  EXPECT_TRUE(WaitUntil(
      [&] {
        again = Find(*runtime, r.replica_id);
        return again && again->restarts == 1 && again->pid > 0;
      },
      Millis(5000)));
  if (again) Track(*again);
  runtime->StopAll();
}

TEST_F(ProcessRuntimeClockTest, WallClockSetForwardDoesNotFireSigkillEarly) {
  // Survives SIGTERM (its sleep does not), and says so in its log.
  auto runtime = OpenOnFakeClock("trap 'echo got-term' TERM; while :; do sleep 0.05; done");
  ReplicaInfo r = Track(*runtime->StartReplica(Spec("u1")));
  ASSERT_EQ(WaitState(*runtime, r.replica_id, ReplicaState::kReady)->state, ReplicaState::kReady);
  ASSERT_TRUE(runtime->StopReplica(r.replica_id).ok());
  fake_clock_.Advance(Millis(200));  // the drain grace is over: SIGTERM
  ASSERT_TRUE(WaitUntil([&] {
    return ReadFile(runtime->LogPath(r.replica_id)).find("got-term") != std::string::npos;
  }));
  fake_clock_.SetWallTime(fake_clock_.Now() + std::chrono::hours(1));  // NTP steps forward
  std::this_thread::sleep_for(Millis(300));                            // many supervisor ticks
  EXPECT_TRUE(ProcessRuns(r.pid));  // SIGKILL is due term_timeout after SIGTERM
  fake_clock_.Advance(Millis(1500));
  EXPECT_TRUE(WaitUntil([&] { return !ProcessRuns(r.pid); }, Millis(5000)));
}

}  // namespace
}  // namespace berth
