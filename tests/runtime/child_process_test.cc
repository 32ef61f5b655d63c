#include "runtime/process/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/temp_dir.h"
#include "process_test_util.h"

namespace berth {
namespace {

using testing::ScopedTempDir;
using testing::WaitUntil;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Waits until the child has ended and is reaped; returns how.
std::string WaitEnded(const SpawnedProcess& p) {
  ProcessCheck check;
  WaitUntil([&] { return !(check = CheckProcess(p.pid, p.start_ticks)).alive; });
  return check.how_it_ended;
}

TEST(SpawnProcessTest, NewSessionLogAndExitCode) {
  ScopedTempDir dir;
  std::string log = dir.File("child.log");
  StatusOr<SpawnedProcess> p =
      SpawnProcess({{"sh", "-c", "echo out; echo err >&2; sleep 0.3; exit 3"}, {}, log});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_GT(p->start_ticks, 0u);
  EXPECT_EQ(::getpgid(p->pid), p->pid);  // its own process group...
  EXPECT_EQ(::getsid(p->pid), p->pid);   // ...and session: it outlives berth
  EXPECT_TRUE(CheckProcess(p->pid, p->start_ticks).alive);
  EXPECT_EQ(WaitEnded(*p), "exited with code 3");
  EXPECT_EQ(ReadFile(log), "out\nerr\n");
  EXPECT_EQ(LastLogLine(log), "err");
}

TEST(SpawnProcessTest, EnvironmentIsBerthsMinusSecretsPlusTemplate) {
  ScopedTempDir dir;
  std::string log = dir.File("env.log");
  ::setenv("BERTH_API_KEY", "sk-secret", 1);
  ::setenv("SOME_USER_VAR", "kept", 1);
  StatusOr<SpawnedProcess> p = SpawnProcess(
      {{"sh", "-c", "echo key=$BERTH_API_KEY user=$SOME_USER_VAR gpus=$CUDA_VISIBLE_DEVICES"},
       {{"CUDA_VISIBLE_DEVICES", "2,3"}},
       log});
  ::unsetenv("BERTH_API_KEY");
  ASSERT_TRUE(p.ok());
  WaitEnded(*p);
  EXPECT_EQ(ReadFile(log), "key= user=kept gpus=2,3\n");
}

TEST(SpawnProcessTest, NoInheritedDescriptorsAndDefaultSignals) {
  ScopedTempDir dir;
  std::string log = dir.File("fds.log");
  int leaky = ::socket(AF_INET, SOCK_STREAM, 0);  // no CLOEXEC, like an Asio listener
  ASSERT_GE(leaky, 3);
  // berth serve blocks SIGTERM in every thread; the engine must still die of it.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  StatusOr<SpawnedProcess> p = SpawnProcess({{"sleep", "30"}, {}, log});
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(leaky);
  ASSERT_TRUE(p.ok());
  // SpawnProcess returns after the exec, so nothing of berth's can still arrive. The engine may
  // open files of its own meanwhile (sleep reads the locale archive while it starts), so the
  // check is that no socket or pipe beyond stdio reached it.
  std::set<std::string> leaked;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(p->pid) + "/fd")) {
    std::string fd = entry.path().filename().string();
    std::error_code ec;
    std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    bool stdio = fd == "0" || fd == "1" || fd == "2";
    if (!stdio && (target.starts_with("socket:") || target.starts_with("pipe:"))) {
      leaked.insert(fd + " -> " + target);
    }
  }
  EXPECT_TRUE(leaked.empty()) << *leaked.begin();
  EXPECT_TRUE(SignalGroup(p->pid, SIGTERM));
  EXPECT_EQ(WaitEnded(*p), "was killed by signal 15 (Terminated)");
  EXPECT_FALSE(SignalGroup(p->pid, 0));  // the group is gone
}

TEST(SpawnProcessTest, CannotRun) {
  ScopedTempDir dir;
  StatusOr<SpawnedProcess> p = SpawnProcess({{"/nonexistent/engine"}, {}, dir.File("a.log")});
  EXPECT_EQ(p.status(), Unavailable("cannot run /nonexistent/engine: No such file or directory"));
  p = SpawnProcess({{"no-such-engine-xyz"}, {}, dir.File("b.log")});
  EXPECT_EQ(p.status(), Unavailable("cannot run no-such-engine-xyz: not found in PATH"));
  std::ofstream(dir.File("not-executable")) << "#!/bin/sh\n";  // mode 0644
  p = SpawnProcess({{dir.File("not-executable")}, {}, dir.File("c.log")});
  EXPECT_EQ(p.status(),
            Unavailable("cannot run " + dir.File("not-executable") + ": Permission denied"));
  p = SpawnProcess({{"sh"}, {}, "/nonexistent/dir/x.log"});
  EXPECT_EQ(p.status().code(), StatusCode::kInternal);
}

TEST(CheckProcessTest, ReusedPidOrForeignProcess) {
  EXPECT_FALSE(CheckProcess(0, 0).alive);
  EXPECT_FALSE(CheckProcess(999999999, 1).alive);
  std::optional<uint64_t> mine = ProcessStartTicks(::getpid());
  ASSERT_TRUE(mine.has_value());
  EXPECT_TRUE(CheckProcess(::getpid(), *mine).alive);
  EXPECT_FALSE(CheckProcess(::getpid(), *mine + 1).alive);  // same pid, another process
}

TEST(CheckProcessTest, CouldNotLookIsNotDead) {
  ScopedTempDir dir;
  int group = 0;
  int pid = testing::StartForeignProcess(dir.File("foreign.log"), &group);
  ASSERT_GT(pid, 0);
  std::optional<uint64_t> ticks = ProcessStartTicks(pid);
  ASSERT_TRUE(ticks.has_value());
  {
    testing::DescriptorsExhausted flood;  // /proc/<pid>/stat cannot be opened now
    ASSERT_TRUE(flood.exhausted());
    ProcessCheck check = CheckProcess(pid, *ticks);
    EXPECT_TRUE(check.alive);
    EXPECT_FALSE(check.looked);
    EXPECT_EQ(check.why_unknown,
              "cannot read /proc/" + std::to_string(pid) + "/stat: Too many open files");
    EXPECT_FALSE(ProcessStartTicks(pid).has_value());
  }
  ProcessCheck check = CheckProcess(pid, *ticks);
  EXPECT_TRUE(check.alive && check.looked);
  ASSERT_TRUE(SignalGroup(group, SIGKILL));
  EXPECT_TRUE(WaitUntil([&] { return !CheckProcess(pid, *ticks).alive; }));  // a definite "gone"
  EXPECT_TRUE(CheckProcess(pid, *ticks).looked);
  WaitUntil([&] { return !CheckProcess(group, 0).alive; });  // reap the shell
}

TEST(CheckProcessTest, OwnChildIsAskedWithoutDescriptors) {
  ScopedTempDir dir;
  StatusOr<SpawnedProcess> p = SpawnProcess({{"sleep", "30"}, {}, dir.File("l")});
  ASSERT_TRUE(p.ok());
  {
    testing::DescriptorsExhausted flood;
    EXPECT_TRUE(CheckProcess(p->pid, p->start_ticks).alive);
    EXPECT_TRUE(CheckProcess(p->pid, p->start_ticks).looked);
  }
  ASSERT_TRUE(SignalGroup(p->pid, SIGKILL));
  EXPECT_EQ(WaitEnded(*p), "was killed by signal 9 (Killed)");
}

TEST(LastLogLineTest, Table) {
  ScopedTempDir dir;
  struct Case {
    std::string text, want;
  };
  const Case cases[] = {
      {"", ""},
      {"one", "one"},
      {"one\ntwo\n", "two"},
      {"one\ntwo\n\n  \n", "two"},
      {std::string(5000, 'x') + "\nlast\r\n", "last"},
      {std::string(400, 'y'), std::string(300, 'y') + "..."},
  };
  for (const Case& c : cases) {
    std::ofstream(dir.File("log")) << c.text;
    EXPECT_EQ(LastLogLine(dir.File("log")), c.want);
  }
  EXPECT_EQ(LastLogLine(dir.File("absent")), "");
}

TEST(SelfExecutableTest, IsAbsolute) { EXPECT_TRUE(SelfExecutable().starts_with("/")); }

TEST(ReadLogTailTest, Table) {
  ScopedTempDir dir;
  struct Case {
    std::string text;
    size_t max_bytes;
    std::string want;
    bool truncated;
  };
  const Case cases[] = {
      {"", 100, "", false},
      {"one\ntwo\n", 100, "one\ntwo\n", false},
      {"one\ntwo\n", 8, "one\ntwo\n", false},
      {"one\ntwo\n", 6, "two\n", true},         // "e\ntwo\n": the partial line goes
      {"one\ntwo\n", 4, "two\n", true},         // starts exactly at a line
      {"one\nlonglongline", 5, "gline", true},  // one line's end only: kept
      {std::string(100000, 'x') + "\nlast\n", 10, "last\n", true},
  };
  for (const Case& c : cases) {
    std::ofstream(dir.File("log")) << c.text;
    StatusOr<LogTail> tail = ReadLogTail(dir.File("log"), c.max_bytes);
    ASSERT_TRUE(tail.ok());
    EXPECT_EQ(tail->text, c.want) << c.max_bytes;
    EXPECT_EQ(tail->truncated, c.truncated) << c.max_bytes;
    EXPECT_LE(tail->text.size(), c.max_bytes);
  }
  StatusOr<LogTail> absent = ReadLogTail(dir.File("absent"), 10);
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent->text, "");
}

}  // namespace
}  // namespace berth
