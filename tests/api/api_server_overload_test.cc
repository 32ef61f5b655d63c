// ApiServer under load: the worker queue is bounded (a full queue answers 503 with Retry-After
// at once, and the server keeps serving), and latencies are measured on the monotonic clock.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "api/api_server.h"
#include "service/service_env.h"

namespace berth {
namespace {

using std::chrono::seconds;

// A responder that blocks the worker calling it until Release(), so a test can fill the pool.
class Gate {
 public:
  HttpResponder Responder() {
    return [this](HttpResponse response) {
      std::unique_lock lock(mu_);
      status_ = response.status;
      entered_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return released_; });
    };
  }
  bool WaitEntered() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, seconds(10), [this] { return entered_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int status_ = 0;         // guarded by mu_
  bool entered_ = false;   // guarded by mu_
  bool released_ = false;  // guarded by mu_
};

class ApiServerOverloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.Init().ok());
    // One worker, one queued request.
    server_ = std::make_unique<ApiServer>(ApiDeps{env_.auth.get(),
                                                  env_.models.get(),
                                                  env_.deployments.get(),
                                                  env_.billing.get(),
                                                  env_.admin.get(),
                                                  "cn-beijing",
                                                  {},
                                                  &env_.clock},
                                          1, 1);
  }

  void TearDown() override {
    gate_.Release();
    server_.reset();
  }

  static HttpRequest Get(const std::string& path) {
    HttpRequest request;
    request.method = "GET";
    request.target = request.path = path;
    return request;
  }

  std::future<HttpResponse> Send(const std::string& path) {
    auto promise = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> future = promise->get_future();
    server_->Handle(Get(path), [promise](HttpResponse r) { promise->set_value(std::move(r)); });
    return future;
  }

  // Occupies the only worker: its responder blocks until the gate opens.
  void BlockTheWorker() {
    server_->Handle(Get("/healthz"), gate_.Responder());
    ASSERT_TRUE(gate_.WaitEntered());
  }

  testing::ServiceEnv env_;
  Gate gate_;
  std::unique_ptr<ApiServer> server_;
};

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST_F(ApiServerOverloadTest, FullQueueAnswers503WithRetryAfterAtOnce) {
  BlockTheWorker();
  std::future<HttpResponse> queued = Send("/healthz");
  std::future<HttpResponse> shed = Send("/healthz");
  // Answered on the calling thread, before any worker is free.
  ASSERT_EQ(shed.wait_for(seconds(0)), std::future_status::ready);
  HttpResponse busy = shed.get();
  EXPECT_EQ(busy.status, 503);
  nlohmann::json body = nlohmann::json::parse(busy.body);
  EXPECT_EQ(body["code"], "ServiceUnavailable");
  EXPECT_EQ(HeaderOf(busy, "Retry-After"), "1");
  EXPECT_FALSE(HeaderOf(busy, "X-Request-Id").empty());
  EXPECT_EQ(queued.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);

  gate_.Release();
  ASSERT_EQ(queued.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(queued.get().status, 200);
  // Once the queue drains, requests are served again.
  std::future<HttpResponse> after = Send("/healthz");
  ASSERT_EQ(after.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(after.get().status, 200);
}

TEST_F(ApiServerOverloadTest, UnmatchedRoutesAreAnsweredWithoutAWorker) {
  BlockTheWorker();
  std::future<HttpResponse> queued = Send("/healthz");
  std::future<HttpResponse> missing = Send("/nope");
  ASSERT_EQ(missing.wait_for(seconds(0)), std::future_status::ready);
  EXPECT_EQ(missing.get().status, 404);
  gate_.Release();
  EXPECT_EQ(queued.get().status, 200);
}

// The latency of a request is what the monotonic clock says, not the wall clock or the real
// steady clock: a request that waits 3 s of fake time is recorded as exactly 3 s.
TEST_F(ApiServerOverloadTest, LatencyIsMeasuredOnTheMonotonicClock) {
  BlockTheWorker();
  std::future<HttpResponse> queued = Send("/healthz");
  env_.clock.Advance(seconds(3));
  env_.clock.SetWallTime(env_.clock.Now() - std::chrono::hours(5));  // a step back: ignored
  gate_.Release();
  ASSERT_EQ(queued.get().status, 200);
  std::future<HttpResponse> metrics = Send("/metrics");
  ASSERT_EQ(metrics.wait_for(seconds(10)), std::future_status::ready);
  const std::string text = metrics.get().body;
  // The blocked request was measured (0 s) before its responder blocked.
  EXPECT_NE(text.find("berth_http_request_duration_seconds_sum{route=\"/healthz\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("berth_http_request_duration_seconds_count{route=\"/healthz\"} 2\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace berth
