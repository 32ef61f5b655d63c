#include "runtime/process/child_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace berth {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

// The child environment: berth's own minus BERTH_* (which may hold the admin key), plus `extra`.
std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string::npos || entry.starts_with("BERTH_")) continue;
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : extra) env[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

StatusOr<std::string> ResolveProgram(const std::string& program,
                                     const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return program;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& entry : env) {
    if (entry.starts_with("PATH=")) path = entry.substr(5);
  }
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return Unavailable("cannot run " + program + ": not found in PATH");
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Runs in the forked child: only async-signal-safe calls until execve.
[[noreturn]] void ExecChild(const char* path, char** argv, char** envp, int stdin_fd, int log_fd,
                            int error_fd) {
  ::setsid();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // berth blocks SIGTERM in every thread
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  ::dup2(stdin_fd, 0);
  ::dup2(log_fd, 1);
  ::dup2(log_fd, 2);
  // Listening sockets and database files of berth must not leak into the engine; the error
  // pipe is close-on-exec already and stays usable until execve.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  ::execve(path, argv, envp);
  int error = errno;
  ssize_t ignored = ::write(error_fd, &error, sizeof error);
  (void)ignored;
  ::_exit(127);
}

}  // namespace

StatusOr<SpawnedProcess> SpawnProcess(const SpawnRequest& request) {
  if (request.argv.empty()) return InvalidArgument("empty command");
  std::vector<std::string> env = ChildEnvironment(request.env);
  ASSIGN_OR_RETURN(std::string path, ResolveProgram(request.argv.front(), env));
  std::vector<std::string> args = request.argv;
  std::vector<char*> argv = CStrings(args);
  std::vector<char*> envp = CStrings(env);

  int log_fd = ::open(request.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Internal("cannot open " + request.log_path + ": " + ErrnoText(errno));
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int pipe_fds[2];
  if (null_fd < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    int error = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return Internal("cannot prepare to spawn: " + ErrnoText(error));
  }
  pid_t pid = ::fork();
  if (pid == 0) ExecChild(path.c_str(), argv.data(), envp.data(), null_fd, log_fd, pipe_fds[1]);
  int fork_error = errno;
  ::close(pipe_fds[1]);
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return Unavailable("cannot fork: " + ErrnoText(fork_error));
  }
  // The pipe closes on a successful execve; otherwise the child sends errno.
  int exec_error = 0;
  ssize_t n;
  do {
    n = ::read(pipe_fds[0], &exec_error, sizeof exec_error);
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);
  if (n == static_cast<ssize_t>(sizeof exec_error)) {
    ::waitpid(pid, nullptr, 0);
    return Unavailable("cannot run " + path + ": " + ErrnoText(exec_error));
  }
  SpawnedProcess spawned;
  spawned.pid = pid;
  spawned.start_ticks = ProcessStartTicks(pid).value_or(0);
  return spawned;
}

namespace {

enum class StatRead { kRead, kGone, kUnknown };

// Fields of /proc/<pid>/stat after the command name: state and start time. kGone only on a
// definite answer (no such process); any other failure (EMFILE, ENFILE, EAGAIN, ENOMEM, ...)
// is kUnknown with the reason in `error`.
StatRead ReadStat(int pid, char& state, uint64_t& start_ticks, std::string& error) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT || e == ESRCH) return StatRead::kGone;
    error = "cannot read " + path + ": " + ErrnoText(e);
    return StatRead::kUnknown;
  }
  char buf[4096];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf - 1);
  } while (n < 0 && errno == EINTR);
  int read_error = errno;
  ::close(fd);
  if (n == 0 || (n < 0 && read_error == ESRCH)) return StatRead::kGone;  // ended meanwhile
  if (n < 0) {
    error = "cannot read " + path + ": " + ErrnoText(read_error);
    return StatRead::kUnknown;
  }
  std::string line(buf, static_cast<size_t>(n));
  size_t paren = line.rfind(')');  // the command name may contain spaces and parentheses
  std::istringstream fields(paren == std::string::npos ? "" : line.substr(paren + 1));
  std::string field;
  // After ")": field 3 is the state; field 22 (the 20th here) the start time.
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 3) state = field.empty() ? '?' : field[0];
    if (i == 22) {
      start_ticks = std::strtoull(field.c_str(), nullptr, 10);
      return StatRead::kRead;
    }
  }
  error = "cannot parse " + path;
  return StatRead::kUnknown;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "was killed by signal " + std::to_string(sig) +
           (name ? " (" + std::string(name) + ")" : "");
  }
  return "ended";
}

}  // namespace

std::optional<uint64_t> ProcessStartTicks(int pid) {
  char state = '?';
  uint64_t ticks = 0;
  std::string error;
  if (pid <= 0 || ReadStat(pid, state, ticks, error) != StatRead::kRead) return std::nullopt;
  return ticks;
}

ProcessCheck CheckProcess(int pid, uint64_t start_ticks) {
  ProcessCheck ended{false, true, "exited", ""};
  if (pid <= 0) return ended;
  // Our own child: waitpid answers without opening anything (and cannot be fooled by pid
  // reuse: the pid stays ours until we reap it).
  int status = 0;
  pid_t waited = ::waitpid(pid, &status, WNOHANG);
  if (waited == pid) return {false, true, DescribeWaitStatus(status), ""};
  if (waited == 0) return {};
  // Not our child (adopted after a restart): ask /proc.
  char state = '?';
  uint64_t ticks = 0;
  std::string error;
  switch (ReadStat(pid, state, ticks, error)) {
    case StatRead::kGone:
      return ended;
    case StatRead::kUnknown:
      return {true, false, "", error};  // could not look: not "dead"
    case StatRead::kRead:
      break;
  }
  if (start_ticks != 0 && ticks != start_ticks) return ended;  // the pid names another process
  if (state == 'Z' || state == 'X') return ended;
  return {};
}

bool CanOpenDescriptor() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

bool SignalGroup(int pgid, int signal) {
  if (pgid <= 1) return false;  // never signal init's group or every process
  return ::kill(-pgid, signal) == 0;
}

bool SignalProcess(int pid, int signal) {
  if (pid <= 1) return false;
  return ::kill(pid, signal) == 0;
}

namespace {

// Whether /proc/<pid>/stat names a live (not zombie) member of group `pgid`.
bool LiveMemberOf(const char* pid, int pgid) {
  std::ifstream in(std::string("/proc/") + pid + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;  // gone meanwhile
  size_t paren = stat.rfind(')');             // the command name may hold spaces and parens
  if (paren == std::string::npos) return false;
  std::istringstream fields(stat.substr(paren + 1));
  char state = 0;
  int ppid = 0, pgrp = 0;
  fields >> state >> ppid >> pgrp;
  return pgrp == pgid && state != 'Z' && state != 'X';
}

}  // namespace

bool GroupAlive(int pgid) {
  if (pgid <= 1) return false;
  if (::kill(-pgid, 0) != 0 && errno == ESRCH) return false;
  // kill() also finds zombies nobody reaped yet: look at the members themselves.
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return true;
  bool alive = false;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    if (LiveMemberOf(entry->d_name, pgid)) {
      alive = true;
      break;
    }
  }
  ::closedir(dir);
  return alive;
}

std::string LastLogLine(const std::string& path, size_t max_chars) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = size > 4096 ? size - 4096 : 0;
  in.seekg(from);
  std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r' || tail.back() == ' ')) {
    tail.pop_back();
  }
  size_t newline = tail.rfind('\n');
  std::string line = newline == std::string::npos ? tail : tail.substr(newline + 1);
  if (line.size() > max_chars) line = line.substr(0, max_chars) + "...";
  return line;
}

StatusOr<LogTail> ReadLogTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return LogTail{};
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return Internal("cannot read " + path);
  std::streamoff want = static_cast<std::streamoff>(max_bytes);
  if (size <= want) want = size;
  // One byte more before the window tells whether it starts at a line.
  std::streamoff from = size - want;
  std::streamoff read_from = from > 0 ? from - 1 : 0;
  in.seekg(read_from);
  std::string text(static_cast<size_t>(size - read_from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  LogTail tail{std::move(text), from > 0};
  if (from == 0) return tail;
  // Drop the partial first line, unless the whole window is one line's end.
  size_t newline = tail.text.find('\n');
  tail.text.erase(0, newline == std::string::npos ? 1 : newline + 1);
  return tail;
}

std::string SelfExecutable() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "berth";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace berth
