// Envoy's rule for network threads: an exception that escapes a completion handler is a bug,
// so the process crashes with a message instead of the thread silently running on.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "http/http_server.h"
#include "http/upstream_client.h"
#include "http_test_util.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using testing::Start;
using testing::TestOptions;

UpstreamHandlers ThrowingHandlers() {
  return {[](int, const HeaderList&) { throw std::runtime_error("bug in on_head"); },
          [](std::string_view, bool) {}, [](const Status&, bool) {}};
}

// Runs in the death test's child: a call whose handler throws on the upstream client's thread.
void ThrowOnUpstreamThread() {
  auto engine = Start(TestOptions());
  auto client = StartUpstreamClient();
  UpstreamRequest request;
  request.port = engine->port();
  request.method = "GET";
  client->Send(std::move(request), ThrowingHandlers());
  std::this_thread::sleep_for(milliseconds(5000));  // the crash comes first
}

// The same, with the call started from an HTTP server thread, so its handler runs on the
// server's own loop.
void ThrowOnServerThread() {
  auto engine = Start(TestOptions());
  auto client = StartUpstreamClient();
  const int engine_port = engine->port();
  auto front = Start(TestOptions([&](HttpRequest, HttpResponder respond) {
    UpstreamRequest request;
    request.port = engine_port;
    request.method = "GET";
    client->Send(std::move(request), ThrowingHandlers());
    respond(testing::TextResponse(200, "sent"));
  }));
  (void)testing::RoundTrip(front->port(), testing::kSimpleGet);
  std::this_thread::sleep_for(milliseconds(5000));
}

TEST(NetworkThreadCrashDeathTest, UpstreamThreadAbortsWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(ThrowOnUpstreamThread(),
               "upstream client: an exception escaped a network handler: bug in on_head");
}

TEST(NetworkThreadCrashDeathTest, ServerThreadAbortsWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(ThrowOnServerThread(),
               "http server: an exception escaped a network handler: bug in on_head");
}

}  // namespace
}  // namespace berth
