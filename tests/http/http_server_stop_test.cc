// Starting and stopping: bind failures, draining in-flight requests, and responders that outlive
// their connection or the whole server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "http/http_server.h"
#include "http_test_util.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::kSimpleGet;
using testing::ResponderSlot;
using testing::Start;
using testing::TestClient;
using testing::TestOptions;
using testing::TextResponse;

TEST(HttpServerStopTest, BindFailureIsUnavailable) {
  auto first = Start(TestOptions());
  ASSERT_NE(first, nullptr);
  HttpServerOptions options = TestOptions();
  options.port = first->port();
  auto second = StartHttpServer(std::move(options));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(
      second.status().message(),
      "cannot listen on 127.0.0.1:" + std::to_string(first->port()) + ": Address already in use");
}

TEST(HttpServerStopTest, MissingHandlerIsInvalidArgument) {
  HttpServerOptions options = TestOptions();
  options.handler = nullptr;
  auto server = StartHttpServer(std::move(options));
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpServerStopTest, StopWaitsForInFlightRequest) {
  ResponderSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  TestClient client(port);
  ASSERT_TRUE(client.Send(kSimpleGet));
  HttpResponder respond = slot.Take();
  ASSERT_TRUE(respond);

  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server->Stop();
    stopped = true;
  });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(stopped);
  EXPECT_FALSE(TestClient(port).connected());  // no longer accepting
  respond(TextResponse(200, "finished"));
  auto response = client.ReadResponse();
  stopper.join();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "finished");
  EXPECT_EQ(response->Header("Connection"), "close");
  server->Stop();  // idempotent
}

// Past the grace, a request the handler has not answered gets a 503, not a cut connection.
TEST(HttpServerStopTest, StopAnswers503AfterDrainTimeout) {
  ResponderSlot slot;
  HttpServerOptions options = TestOptions(slot.Handler());
  options.drain_timeout = milliseconds(200);
  options.abort_timeout = milliseconds(200);
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kSimpleGet));
  HttpResponder respond = slot.Take();
  ASSERT_TRUE(respond);
  const auto start = steady_clock::now();
  server->Stop();
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "{\"code\":\"UNAVAILABLE\"}");
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  respond(TextResponse(200, "too late"));  // dropped, no crash
  server.reset();
  HttpResponder copy = respond;
  copy(TextResponse(200, "even later"));  // the server is gone; still no crash
}

// on_drain_timeout lets the owner end a stream with its own last words before the server
// closes it: the client reads them and a complete chunked body.
TEST(HttpServerStopTest, DrainTimeoutHookEndsStreamsWithTheirOwnError) {
  testing::StreamSlot streams;
  HttpServerOptions options = TestOptions(streams.Handler());
  options.drain_timeout = milliseconds(200);
  std::shared_ptr<HttpStreamWriter> writer;
  std::atomic<int> hook_calls{0};
  options.on_drain_timeout = [&] {
    ++hook_calls;
    writer->Write("event: error\ndata: shutting down\n\n");
    writer->Finish();
  };
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n"));
  writer = streams.Take();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write("data: 1\n\n"));
  auto head = client.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(client.ReadChunk(), "data: 1\n\n");
  server->Stop();
  EXPECT_EQ(hook_calls, 1);
  EXPECT_EQ(client.ReadChunk(), "event: error\ndata: shutting down\n\n");
  EXPECT_EQ(client.ReadChunk(), "");  // the terminating chunk
  EXPECT_TRUE(client.WaitForClose());
}

// A drained server never calls the hook.
TEST(HttpServerStopTest, DrainTimeoutHookIsNotCalledWhenIdle) {
  HttpServerOptions options = TestOptions();
  bool called = false;
  options.on_drain_timeout = [&] { called = true; };
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(testing::RoundTrip(server->port(), kSimpleGet));
  server->Stop();
  EXPECT_FALSE(called);
}

TEST(HttpServerStopTest, ResponderOutlivesClosedConnection) {
  ResponderSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  HttpResponder respond;
  {
    TestClient client(server->port());
    ASSERT_TRUE(client.Send(kSimpleGet));
    respond = slot.Take();
    ASSERT_TRUE(respond);
  }  // the client hangs up before the answer
  respond(TextResponse(200, "nobody listens"));
  TestClient next(server->port());
  ASSERT_TRUE(next.Send(kSimpleGet));
  HttpResponder second = slot.Take();
  ASSERT_TRUE(second);
  second(TextResponse(200, "ok"));
  auto response = next.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "ok");
}

TEST(HttpServerStopTest, DestructorStopsServer) {
  int port = 0;
  {
    auto server = Start(TestOptions());
    ASSERT_NE(server, nullptr);
    port = server->port();
    auto response = testing::RoundTrip(port, kSimpleGet);
    ASSERT_TRUE(response);
  }
  TestClient client(port);
  EXPECT_FALSE(client.connected());
}

}  // namespace
}  // namespace berth
