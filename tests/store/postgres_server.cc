#include "postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "store/postgres/pg_connection.h"

namespace berth::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Forks `argv` with output appended to `log`, as the postgres user when we are root.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  const passwd* pg_user = ::geteuid() == 0 ? ::getpwnam("postgres") : nullptr;
  const uid_t uid = pg_user ? pg_user->pw_uid : 0;
  const gid_t gid = pg_user ? pg_user->pw_gid : 0;
  // Everything the child needs is built before fork: it only makes system calls.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ::dup2(out, 1);
  ::dup2(out, 2);
  if (pg_user && (::setgid(gid) != 0 || ::setuid(uid) != 0)) _exit(126);
  // Set after setuid, which clears it: a test killed mid-run still stops its server.
  ::prctl(PR_SET_PDEATHSIG, SIGINT);
  ::execv(args[0], args.data());
  _exit(127);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::string pattern = (std::filesystem::temp_directory_path() / "berth-pg-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return Internal("mkdtemp failed");
  std::unique_ptr<PostgresServer> server(new PostgresServer(pattern, FreeLoopbackPort()));
  if (const passwd* pg_user = ::geteuid() == 0 ? ::getpwnam("postgres") : nullptr) {
    if (::chown(pattern.c_str(), pg_user->pw_uid, pg_user->pw_gid) != 0) {
      return Internal("cannot chown " + pattern + " to postgres");
    }
  }
  std::string log = server->dir_ + "/server.log";
  pid_t initdb = Spawn({std::string(kBin) + "initdb", "-D", server->dir_ + "/data", "-U",
                        "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"},
                       log);
  int status = 0;
  ::waitpid(initdb, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Unavailable("initdb failed (is postgresql-15 installed? scripts/deps.sh): " +
                       ReadFile(log));
  }
  RETURN_IF_ERROR(server->Launch());
  return server;
}

Status PostgresServer::Launch() {
  // fsync off: a test database need not survive a power cut, and the disk is shared.
  pid_ = Spawn({std::string(kBin) + "postgres", "-D", dir_ + "/data", "-p", std::to_string(port_),
                "-k", dir_, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                "full_page_writes=off", "-c", "max_connections=200"},
               dir_ + "/server.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pg::Connection::Open(Url("postgres")).ok()) return Status::Ok();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Unavailable("postgres did not start: " + ReadFile(dir_ + "/server.log"));
}

Status PostgresServer::Stop() {
  if (pid_ <= 0) return Status::Ok();
  ::kill(pid_, SIGINT);  // fast shutdown: disconnects clients, then exits
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return Status::Ok();
}

Status PostgresServer::Restart() {
  RETURN_IF_ERROR(Stop());
  return Launch();
}

PostgresServer::~PostgresServer() {
  (void)Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresServer::Url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

StatusOr<std::string> PostgresServer::CreateDatabase() {
  ASSIGN_OR_RETURN(std::unique_ptr<pg::Connection> admin, pg::Connection::Open(Url("postgres")));
  std::string name = "test_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
  RETURN_IF_ERROR(admin->ExecScript("CREATE DATABASE " + name));
  return Url(name);
}

namespace {

// Stops the shared server when the test program ends (gtest calls TearDown before exit).
class SharedPostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { server.reset(); }
  std::unique_ptr<PostgresServer> server;
};

SharedPostgresEnvironment* const environment = static_cast<SharedPostgresEnvironment*>(
    ::testing::AddGlobalTestEnvironment(new SharedPostgresEnvironment));

}  // namespace

PostgresServer& SharedPostgres() {
  if (!environment->server) {
    StatusOr<std::unique_ptr<PostgresServer>> started = PostgresServer::Start();
    if (!started.ok()) {
      std::fprintf(stderr, "cannot start PostgreSQL: %s\n", started.status().ToString().c_str());
      std::abort();
    }
    environment->server = std::move(*started);
  }
  return *environment->server;
}

}  // namespace berth::testing
