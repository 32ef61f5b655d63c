// OS access for engine processes: spawning one into its own session (so it outlives berth),
// liveness checks that are safe against pid reuse, signalling process groups, free loopback
// ports and log tails. Stateless functions; safe from any thread (Linux only: uses /proc).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "runtime/runtime_adapter.h"

namespace berth {

struct SpawnRequest {
  std::vector<std::string> argv;           // argv[0] without a '/' is looked up in PATH
  std::map<std::string, std::string> env;  // set on top of berth's environment (minus BERTH_*)
  std::string log_path;                    // stdout and stderr are appended here
};

struct SpawnedProcess {
  int pid = 0;  // also its process group and session id
  uint64_t start_ticks = 0;
};

// Forks and execs `request` as the leader of a new session, with stdin from /dev/null, no
// inherited descriptors, default signal handling and an empty signal mask. Unavailable with
// "cannot run X: <reason>" when the program cannot be found or executed.
StatusOr<SpawnedProcess> SpawnProcess(const SpawnRequest& request);

// The start time of `pid` in clock ticks since boot (/proc/<pid>/stat field 22), or nullopt
// when there is no such process or it could not be read. Together with the pid it names one
// process for good.
std::optional<uint64_t> ProcessStartTicks(int pid);

struct ProcessCheck {
  // False only on a definite answer: the pid is gone, the child was reaped, it is a zombie, or
  // the pid now names another process. A check that could not look leaves it true.
  bool alive = true;
  bool looked = true;        // false: could not look (out of descriptors, ...): unknown, not dead
  std::string how_it_ended;  // when !alive: "exited with code 3", "was killed by signal 9 ..."
  std::string why_unknown;   // when !looked: "cannot read /proc/41822/stat: Too many open files"
};

// Whether the process `pid` started at `start_ticks` still runs. A child of this process is
// asked with waitpid (which needs no descriptor, and reaps it: no zombies); other processes
// (adopted after a restart) are checked through /proc, so a zombie or a reused pid counts as
// ended. `start_ticks` 0 (it could not be read at spawn) matches any start time.
ProcessCheck CheckProcess(int pid, uint64_t start_ticks);

// Whether this process can open a descriptor now (false under EMFILE, ENFILE and the like):
// tells a check that could not look from one that got an answer.
bool CanOpenDescriptor();

// Sends `signal` to every process of the group; false when the group no longer exists.
bool SignalGroup(int pgid, int signal);

// Sends `signal` to the one process `pid` (an engine's main process, before its group).
bool SignalProcess(int pid, int signal);

// Whether any process of group `pgid` still runs (zombies do not count: they hold no memory
// and no GPU). Scans /proc; a scan that cannot look answers true, never "gone" unseen.
bool GroupAlive(int pgid);

// The last non-empty line of a text file (at most `max_chars`), or "" when there is none.
std::string LastLogLine(const std::string& path, size_t max_chars = 300);

// The last `max_bytes` (at most) of a file, starting after a newline unless the file's start
// is included; reads only that much. A line longer than max_bytes yields its end. An absent
// file is an empty tail; NotFound is never returned (the log appears with the first output).
StatusOr<LogTail> ReadLogTail(const std::string& path, size_t max_bytes);

// The absolute path of the running executable (/proc/self/exe).
std::string SelfExecutable();

}  // namespace berth
