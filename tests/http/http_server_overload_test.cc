// Connection floods: the server holds at most max_connections, refuses the rest at once (503 or
// a close), recovers when connections close, and survives running out of descriptors (EMFILE)
// without spinning. Plus PlanConnectionCap's arithmetic.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/connection_limit.h"
#include "http/http_server.h"
#include "http_test_util.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::kSimpleGet;
using testing::RoundTrip;
using testing::Start;
using testing::TestClient;
using testing::TestOptions;

TEST(ConnectionCapTest, KeepsAReserveAndHalfTheRestForEngineCalls) {
  EXPECT_EQ(PlanConnectionCap(1024, 20000).cap, 1024u);
  EXPECT_FALSE(PlanConnectionCap(1024, 20000).clamped);
  ConnectionCap small = PlanConnectionCap(1024, 1024);
  EXPECT_TRUE(small.clamped);
  EXPECT_EQ(small.cap, (1024u - kFdReserve) / 2);
  EXPECT_EQ(small.most, small.cap);
  EXPECT_EQ(PlanConnectionCap(10, 100).cap, 1u);  // never zero
  EXPECT_EQ(PlanConnectionCap(0, 20000).cap, 1u);
  EXPECT_EQ(PlanConnectionCap(5000, UINT64_MAX).cap, 5000u);
}

TEST(ConnectionCapTest, ReadFdLimitIsTheSoftLimit) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(ReadFdLimit(), limit.rlim_cur);
}

// Sockets of `clients` that the server closed (EOF, reset, or a 503 then EOF) within `wait`.
int CountClosed(std::vector<std::unique_ptr<TestClient>>& clients, milliseconds wait) {
  std::vector<bool> closed(clients.size(), false);
  const auto deadline = steady_clock::now() + wait;
  while (steady_clock::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < clients.size(); ++i) {
      if (!closed[i]) fds.push_back({clients[i]->fd(), POLLIN, 0}), which.push_back(i);
    }
    if (fds.empty() || poll(fds.data(), fds.size(), 50) < 0) break;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      std::string got = clients[which[k]]->ReadUntilClose();
      EXPECT_TRUE(got.empty() || got.starts_with("HTTP/1.1 503")) << got;
      closed[which[k]] = true;
    }
  }
  int n = 0;
  for (bool c : closed) n += c ? 1 : 0;
  return n;
}

TEST(HttpServerOverloadTest, ConnectionsOverTheCapAreRefusedAtOnce) {
  HttpServerOptions options = TestOptions();
  options.max_connections = 20;
  options.header_timeout = milliseconds(10000);  // the held connections stay idle meanwhile
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 60; ++i) {
    clients.push_back(std::make_unique<TestClient>(server->port(), milliseconds(2000)));
    ASSERT_TRUE(clients.back()->connected());
  }
  EXPECT_EQ(CountClosed(clients, milliseconds(1500)), 40);

  // While the cap is reached, a request is refused at once: a 503 with Retry-After, or (if the
  // request arrived after the server read what was there) a closed connection.
  const auto started = steady_clock::now();
  auto busy = RoundTrip(server->port(), kSimpleGet);
  if (busy) {
    EXPECT_EQ(busy->status, 503);
    EXPECT_EQ(busy->Header("Retry-After"), "1");
  }
  EXPECT_LT(steady_clock::now() - started, milliseconds(1000));

  clients.clear();  // the held connections close; their sessions end
  std::optional<testing::ClientResponse> served;
  for (int i = 0; i < 40 && !(served && served->status == 200); ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    served = RoundTrip(server->port(), kSimpleGet);
  }
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
}

// Fills every free descriptor, then connects: the server cannot accept (EMFILE). It must not
// spin meanwhile, and must serve the waiting connection once descriptors are free again.
TEST(HttpServerOverloadTest, AcceptSurvivesRunningOutOfDescriptors) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  auto client = std::make_unique<TestClient>(server->port(), milliseconds(5000));  // fd kept
  ASSERT_TRUE(client->connected());
  ASSERT_TRUE(RoundTrip(server->port(), kSimpleGet));
  client.reset();

  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  std::vector<int> fillers;
  // Whatever fails below, the limit and the descriptors are given back for the other tests.
  struct Restore {
    rlimit limit;
    std::vector<int>& fds;
    ~Restore() {
      for (int fd : fds) close(fd);
      fds.clear();
      setrlimit(RLIMIT_NOFILE, &limit);
    }
  } restore{saved, fillers};
  rlimit tight = saved;
  const int lowest_free = dup(0);
  close(lowest_free);
  tight.rlim_cur = static_cast<rlim_t>(lowest_free + 64);  // new descriptors must be below this
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  for (int fd; (fd = open("/dev/null", O_RDONLY)) >= 0;) fillers.push_back(fd);
  ASSERT_FALSE(fillers.empty());
  close(fillers.back());  // one slot: the client's socket
  fillers.pop_back();
  TestClient waiting(server->port(), milliseconds(5000));
  ASSERT_TRUE(waiting.connected());
  ASSERT_TRUE(waiting.Send(kSimpleGet));

  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  std::this_thread::sleep_for(milliseconds(500));
  getrusage(RUSAGE_SELF, &after);
  const auto cpu_us = [](const rusage& r) {
    return r.ru_utime.tv_sec * 1000000L + r.ru_utime.tv_usec + r.ru_stime.tv_sec * 1000000L +
           r.ru_stime.tv_usec;
  };
  EXPECT_LT(cpu_us(after) - cpu_us(before), 150000) << "the accept loop spins on EMFILE";

  for (int fd : fillers) close(fd);
  fillers.clear();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  auto response = waiting.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

}  // namespace
}  // namespace berth
