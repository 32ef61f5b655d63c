// Gateway: admission, the rate limiter's time base and metering, driven through Handle() with a
// real key store (SQLite), routing table, upstream client and usage recorder, on a FakeClock.
#include "gateway/gateway.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store/store_test_util.h"

namespace berth {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::TempDir;

// A loopback port nothing listens on: bound, then closed, so connecting to it is refused.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_.File("berth.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auth_ = std::make_unique<AuthService>(*store_, clock_);
    ASSERT_TRUE(auth_->Load().ok());
    StatusOr<Workspace> workspace = auth_->CreateWorkspace("team");
    ASSERT_TRUE(workspace.ok()) << workspace.status().ToString();
    workspace_id_ = workspace->workspace_id;
    StatusOr<NewApiKey> key = auth_->CreateKey(workspace_id_, /*admin=*/false);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    secret_ = key->secret;
    upstream_ = StartUpstreamClient();
    UsageRecorderOptions usage_options;
    usage_options.flush_interval = Millis(3'600'000);  // written on Flush()
    usage_ = std::make_unique<UsageRecorder>(*store_, clock_, usage_options);
    gateway_ = std::make_unique<Gateway>(
        GatewayDeps{auth_.get(), &routes_, upstream_.get(), usage_.get(), &metrics_, &clock_});
  }

  // Publishes a running mu deployment "m1" with one ready replica on `port`.
  void Deploy(std::optional<int64_t> rpm, std::optional<int64_t> tpm, int port) {
    Deployment d;
    d.deployed_model = "m1";
    d.uid = "uid-m1";
    d.workspace_id = workspace_id_;
    d.model_name = "qwen3-8b";
    d.plan = Plan::kMu;
    d.status = DeploymentStatus::kRunning;
    d.rpm_limit = rpm;
    d.tpm_limit = tpm;
    ReplicaInfo replica;
    replica.replica_id = "r0";
    replica.state = ReplicaState::kReady;
    replica.port = port;
    routes_.Publish(d, {replica});
  }

  // The replica gets no requests for the next hour (of the fake clock).
  void MarkReplicaDown() {
    routes_.Find("m1")->state->MarkDown("r0", SteadyMillis(clock_.MonotonicNow()), 3'600'000);
  }

  HttpRequest Chat(int max_tokens = 16) {
    HttpRequest request;
    request.method = "POST";
    request.path = request.target = "/compatible-mode/v1/chat/completions";
    request.headers = {{"Authorization", "Bearer " + secret_}};
    request.body = R"({"model":"m1","max_tokens":)" + std::to_string(max_tokens) +
                   R"(,"messages":[{"role":"user","content":"Hello"}]})";
    return request;
  }

  // Sends `request` and waits for its answer.
  HttpResponse Send(HttpRequest request) {
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> got = answer->get_future();
    gateway_->Handle(std::move(request),
                     [answer](HttpResponse response) { answer->set_value(std::move(response)); });
    EXPECT_EQ(got.wait_for(seconds(10)), std::future_status::ready);
    return got.get();
  }

  std::vector<UsageRecord> StoredUsage() {
    usage_->Flush();
    auto got = store_->ListUsage("m1", SystemTime{}, clock_.Now() + minutes(1));
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::vector<UsageRecord>{};
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<AuthService> auth_;
  std::string workspace_id_;
  std::string secret_;
  GatewayRoutes routes_;
  GatewayMetrics metrics_;
  std::unique_ptr<UpstreamClient> upstream_;
  std::unique_ptr<UsageRecorder> usage_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(GatewayTest, RateLimitWindowsRunOnTheMonotonicClock) {
  Deploy(/*rpm=*/1, std::nullopt, ClosedPort());
  MarkReplicaDown();
  EXPECT_EQ(Send(Chat()).status, 503);  // admitted; no replica takes it
  EXPECT_EQ(Send(Chat()).status, 429);  // the minute's one request is used
  clock_.SetWallTime(clock_.Now() + std::chrono::hours(2));
  EXPECT_EQ(Send(Chat()).status, 429) << "a wall-clock step does not reopen the window";
  clock_.Advance(seconds(61));
  EXPECT_EQ(Send(Chat()).status, 503) << "a minute later (monotonic) the window has room";
}

TEST_F(GatewayTest, ARefusingReplicaIsRetriedWhenItsPenaltyEndsOnTheMonotonicClock) {
  Deploy(std::nullopt, std::nullopt, ClosedPort());
  EXPECT_EQ(Send(Chat()).status, 503);  // refused, marked down, no other replica
  EXPECT_EQ(Send(Chat()).status, 503);  // still down: not even tried
  EXPECT_NE(metrics_.Render().find("berth_gateway_upstream_retries_total 1\n"), std::string::npos);
  clock_.Advance(seconds(2));
  EXPECT_EQ(Send(Chat()).status, 503);  // tried again, refused again
  EXPECT_NE(metrics_.Render().find("berth_gateway_upstream_retries_total 2\n"), std::string::npos)
      << metrics_.Render();
}

// --- failure policy: a request that throws is still settled and metered ---

TEST_F(GatewayTest, AHandlerThatThrowsStillSettlesItsReservationAndRecordsItsUsage) {
  Deploy(std::nullopt, /*tpm=*/1000, ClosedPort());
  MarkReplicaDown();
  // 905 tokens reserved (5 prompt + 900 max_tokens); the answer (503) fails with an exception.
  gateway_->Handle(Chat(900), [](HttpResponse) { throw std::runtime_error("responder broke"); });
  // Settled at 0 tokens, so the same request fits again instead of being throttled.
  EXPECT_EQ(Send(Chat(900)).status, 503);
  std::vector<UsageRecord> usage = StoredUsage();
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(usage[0].http_status, 500);
  EXPECT_EQ(usage[0].input_tokens + usage[0].output_tokens, 0);
  EXPECT_EQ(usage[1].http_status, 503);
  EXPECT_EQ(routes_.Find("m1")->state->InFlight("r0"), 0);
}

TEST_F(GatewayTest, AStepThatThrowsOnTheUpstreamThreadStillSettlesAndMeters) {
  Deploy(std::nullopt, /*tpm=*/1000, ClosedPort());
  auto answered = std::make_shared<std::promise<void>>();
  // The replica refuses; the 503 that follows on the upstream client's thread throws.
  gateway_->Handle(Chat(900), [answered](HttpResponse) {
    answered->set_value();
    throw std::runtime_error("responder broke");
  });
  ASSERT_EQ(answered->get_future().wait_for(seconds(10)), std::future_status::ready);
  std::vector<UsageRecord> usage;
  for (int i = 0; i < 500 && usage.empty(); ++i) {
    usage = StoredUsage();  // the settlement follows the throw on the upstream thread
    if (usage.empty()) std::this_thread::sleep_for(Millis(10));
  }
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].http_status, 500);
  EXPECT_EQ(routes_.Find("m1")->state->InFlight("r0"), 0);
  EXPECT_EQ(Send(Chat(900)).status, 503);  // not 429: the 905 reserved tokens were returned
}

TEST_F(GatewayTest, ASettlementDroppedUnpaidSettlesAsA500WithNoTokens) {
  Deploy(std::nullopt, /*tpm=*/1000, ClosedPort());
  std::shared_ptr<const GatewayRoute> route = routes_.Find("m1");
  int64_t now_ms = SteadyMillis(clock_.MonotonicNow());
  {
    Reservation reservation = route->state->limiter.Reserve({5, 900}, now_ms);
    ASSERT_EQ(reservation.admission, Admission::kAdmitted);
    Settlement owed({usage_.get(), &metrics_, &clock_},
                    {InferenceApi::kCompatible, route, "key-1", reservation, clock_.MonotonicNow(),
                     /*stream=*/true, /*thinking=*/false});
    Settlement moved = std::move(owed);  // the debt moves with it, and is paid once
    clock_.Advance(Millis(250));
  }
  EXPECT_EQ(route->state->limiter.Reserve({5, 900}, now_ms).admission, Admission::kAdmitted);
  std::vector<UsageRecord> usage = StoredUsage();
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].http_status, 500);
  EXPECT_EQ(usage[0].key_id, "key-1");
  EXPECT_EQ(usage[0].latency_ms, 250);
  EXPECT_TRUE(usage[0].streamed);
  EXPECT_NE(
      metrics_.Render().find("berth_gateway_requests_total{api=\"compatible\",code=\"5xx\"} 1"),
      std::string::npos);
}

}  // namespace
}  // namespace berth
