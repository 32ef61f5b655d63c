// Helpers for the process runtime's tests: fast options, engine templates for the fake engine
// (tests/runtime/fake_engine.py) and for shell commands, a fake EngineClient, waiting, and a
// fixture that kills every process group a test created. Single test thread only.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "runtime/process/child_process.h"
#include "runtime/process/process_runtime.h"

namespace berth::testing {

// Answers what the test sets; counts calls. Shared with the runtime through a raw pointer.
class FakeProbe : public EngineClient {
 public:
  bool Healthy(int, const std::string&, Millis) override {
    ++calls;
    return healthy.load();
  }
  Status EnsureAdapter(EngineAddress, const std::string& name, const std::string& path,
                       Millis) override {
    std::lock_guard lock(mu);
    if (!adapters_load.load()) return FailedPrecondition("refused by the fake");
    loads.push_back(name + "@" + path);
    return Status::Ok();
  }
  Status RemoveAdapter(EngineAddress, const std::string& name, Millis) override {
    std::lock_guard lock(mu);
    unloads.push_back(name);
    return Status::Ok();
  }
  std::vector<std::string> Loads() {
    std::lock_guard lock(mu);
    return loads;
  }
  std::vector<std::string> Unloads() {
    std::lock_guard lock(mu);
    return unloads;
  }
  std::atomic<bool> adapters_load{true};
  std::mutex mu;
  std::vector<std::string> loads;    // "name@path" per successful load; guarded by mu
  std::vector<std::string> unloads;  // guarded by mu
  std::atomic<bool> healthy{true};
  std::atomic<int> calls{0};
};

inline ProcessRuntimeOptions FastOptions(const std::string& data_dir) {
  ProcessRuntimeOptions o;
  o.data_dir = data_dir;
  o.probe_interval = Millis(50);
  o.probe_timeout = Millis(500);
  o.liveness_budget = Millis(300);
  o.backoff_base = Millis(100);
  o.backoff_max = Millis(400);
  o.drain_grace = Millis(200);
  o.term_timeout = Millis(1500);
  o.tick = Millis(20);
  return o;
}

inline EngineTemplate FakeEngineTemplate(std::vector<std::string> extra = {}) {
  EngineTemplate t;
  t.match = "fake";
  t.command = {BERTH_PYTHON, BERTH_FAKE_ENGINE,     "--port",
               "{port}",     "--served-model-name", "{served_model_name}"};
  t.command.insert(t.command.end(), extra.begin(), extra.end());
  t.env = {{"CUDA_VISIBLE_DEVICES", "{gpus}"}};
  t.startup_timeout = Millis(15000);
  return t;
}

inline EngineTemplate ShellTemplate(const std::string& script) {
  EngineTemplate t;
  t.match = "shell";
  t.command = {"/bin/sh", "-c", script};
  t.env = {{"CUDA_VISIBLE_DEVICES", "{gpus}"}};
  t.startup_timeout = Millis(15000);
  return t;
}

inline ReplicaSpec Spec(const std::string& uid, const std::string& unit_spec = "", int units = 1) {
  ReplicaSpec spec;
  spec.deployment_uid = uid;
  spec.deployed_model = "qwen3-8b-" + uid;
  spec.model_name = "qwen3-8b";
  spec.base_model = "qwen3-8b";
  spec.unit_spec = unit_spec;
  spec.units = units;
  return spec;
}

inline bool WaitUntil(const std::function<bool()>& done, Millis timeout = Millis(15000)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(Millis(20));
  }
  return true;
}

// Alive and not a zombie.
inline bool ProcessRuns(int pid) {
  std::optional<uint64_t> ticks = ProcessStartTicks(pid);
  return ticks && CheckProcess(pid, *ticks).alive;
}

inline std::optional<ReplicaInfo> Find(RuntimeAdapter& runtime, const std::string& replica_id) {
  std::vector<ReplicaInfo> all = runtime.ListAllReplicas().value();
  for (const ReplicaInfo& r : all) {
    if (r.replica_id == replica_id) return r;
  }
  return std::nullopt;
}

inline bool PortAnswers(int port) {
  return MakeHttpEngineClient()->Healthy(port, "/health", Millis(300));
}

// While it lives, this process can open no descriptor (EMFILE), as under a connection flood:
// the soft RLIMIT_NOFILE is lowered and every descriptor left under it is taken.
class DescriptorsExhausted {
 public:
  DescriptorsExhausted() {
    ::getrlimit(RLIMIT_NOFILE, &old_);
    rlimit low = old_;
    low.rlim_cur = std::min<rlim_t>(old_.rlim_cur, 256);
    ::setrlimit(RLIMIT_NOFILE, &low);
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) held_.push_back(fd);
    exhausted_ = errno == EMFILE;
  }
  ~DescriptorsExhausted() {
    for (int fd : held_) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &old_);
  }
  bool exhausted() const { return exhausted_; }

 private:
  rlimit old_{};
  std::vector<int> held_;
  bool exhausted_ = false;
};

// A process that is not this process's child (as an engine adopted after a berth restart is
// not): a shell's background sleep. Returns its pid, or 0; kill the group `*group` afterwards.
inline int StartForeignProcess(const std::string& log, int* group) {
  StatusOr<SpawnedProcess> sh =
      SpawnProcess({{"sh", "-c", "sleep 30 & echo pid=$!; wait"}, {}, log});
  if (!sh.ok()) return 0;
  *group = sh->pid;
  int pid = 0;
  WaitUntil([&] {
    std::ifstream in(log);
    std::string line;
    if (std::getline(in, line) && line.starts_with("pid=")) pid = std::stoi(line.substr(4));
    return pid > 0;
  });
  return pid;
}

class ProcessRuntimeFixture : public ::testing::Test {
 protected:
  // Opens a runtime on the test's data dir; `probe` null: the real HTTP probe.
  std::unique_ptr<ProcessRuntime> Open(EngineTemplate engine, ProcessRuntimeOptions options,
                                       std::unique_ptr<EngineClient> probe = nullptr) {
    if (!probe) probe = MakeHttpEngineClient();
    auto runtime = ProcessRuntime::Open(std::move(options), EnginesConfig(std::move(engine)),
                                        std::move(probe), clock_);
    EXPECT_TRUE(runtime.ok()) << runtime.status().ToString();
    return runtime.ok() ? std::move(*runtime) : nullptr;
  }
  std::unique_ptr<ProcessRuntime> Open(EngineTemplate engine) {
    return Open(std::move(engine), FastOptions(data_dir_));
  }

  // Remembers the replica's process group so TearDown can kill it whatever happens.
  ReplicaInfo Track(const ReplicaInfo& r) {
    if (r.pid > 0) groups_.insert(r.pid);
    return r;
  }
  std::optional<ReplicaInfo> WaitState(RuntimeAdapter& runtime, const std::string& id,
                                       ReplicaState state, Millis timeout = Millis(15000)) {
    std::optional<ReplicaInfo> seen;
    WaitUntil(
        [&] {
          seen = Find(runtime, id);
          if (seen) Track(*seen);
          return seen && seen->state == state;
        },
        timeout);
    return seen;
  }

  void TearDown() override {
    for (int pgid : groups_) ::kill(-pgid, SIGKILL);
    for (int pgid : groups_) ::waitpid(pgid, nullptr, WNOHANG);
    WaitUntil([] { return ::waitpid(-1, nullptr, WNOHANG) <= 0; }, Millis(2000));
  }

  ScopedTempDir dir_;
  std::string data_dir_ = dir_.File("data");
  RealClock clock_;
  std::set<int> groups_;
};

}  // namespace berth::testing
