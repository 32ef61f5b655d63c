// HttpRequestBlocking against a real HttpServer on port 0: round trips, chunked bodies, and the
// status codes of each failure.
#include "http/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>

#include "http/http_server.h"
#include "http_test_util.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::ResponderSlot;
using testing::Start;
using testing::StreamSlot;
using testing::TestOptions;
using testing::TextResponse;

HttpClientRequest Request(int port, std::string method, std::string target) {
  HttpClientRequest request;
  request.port = port;
  request.method = std::move(method);
  request.target = std::move(target);
  request.timeout = milliseconds(5000);
  return request;
}

TEST(HttpClientTest, GetRoundTrip) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  auto response = HttpGet("127.0.0.1", server->port(), "/health?verbose=1");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("x-method"), "GET");
  EXPECT_EQ(response->Header("X-Target"), "/health?verbose=1");
  EXPECT_EQ(response->Header("Content-Type"), "text/plain");
  EXPECT_EQ(response->body, "");
}

TEST(HttpClientTest, PostRoundTripWithHeadersAndBody) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClientRequest request = Request(server->port(), "POST", "/v1/chat/completions");
  request.headers = {{"X-Test", "hello"}, {"Content-Type", "application/json"}};
  request.body = R"({"model":"m"})";
  auto response = HttpRequestBlocking(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->Header("X-Echo"), "hello");
  EXPECT_EQ(response->body, R"({"model":"m"})");
}

TEST(HttpClientTest, NonSuccessStatusIsAResponseNotAnError) {
  auto server = Start(TestOptions(
      [](HttpRequest, HttpResponder respond) { respond(TextResponse(503, "warming up")); }));
  ASSERT_NE(server, nullptr);
  auto response = HttpGet("localhost", server->port(), "/health");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "warming up");
}

TEST(HttpClientTest, HeadReadsNoBody) {
  auto server = Start(TestOptions([](HttpRequest, HttpResponder respond) {
    respond(TextResponse(200, "a body HEAD does not get"));
  }));
  ASSERT_NE(server, nullptr);
  auto response = HttpRequestBlocking(Request(server->port(), "HEAD", "/"));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
}

TEST(HttpClientTest, ChunkedResponseIsReassembled) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  auto pending = std::async(std::launch::async, [port = server->port()] {
    return HttpGet("127.0.0.1", port, "/events");
  });
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  for (const char* piece : {"data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"}) {
    EXPECT_TRUE(writer->Write(piece));
  }
  writer->Finish();
  auto response = pending.get();
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(response->body, "data: 1\n\ndata: 2\n\ndata: [DONE]\n\n");
}

// on_body sees each piece before the server sends the next: the read really streams.
TEST(HttpClientTest, StreamingReadDeliversPiecesAsTheyArrive) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  std::promise<std::string> first_piece;
  std::string rest;
  int head_status = 0;
  HttpClientRequest request = Request(server->port(), "POST", "/events");
  request.on_body = [&, got_first = false](const HttpClientResponse& head,
                                           std::string_view data) mutable {
    head_status = head.status;
    if (!got_first) {
      got_first = true;
      first_piece.set_value(std::string(data));
    } else {
      rest += data;
    }
    return true;
  };
  auto pending = std::async(std::launch::async, [&] { return HttpRequestBlocking(request); });
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  EXPECT_TRUE(writer->Write("data: 1\n\n"));
  auto first = first_piece.get_future();
  ASSERT_EQ(first.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(first.get(), "data: 1\n\n");
  EXPECT_TRUE(writer->Write("data: [DONE]\n\n"));
  writer->Finish();
  auto response = pending.get();
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(head_status, 200);
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(rest, "data: [DONE]\n\n");
}

TEST(HttpClientTest, StreamingReadStopsWhenTheCallbackSaysSo) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  HttpClientRequest request = Request(server->port(), "GET", "/events");
  int calls = 0;
  request.on_body = [&](const HttpClientResponse&, std::string_view) {
    ++calls;
    return false;
  };
  auto pending = std::async(std::launch::async, [&] { return HttpRequestBlocking(request); });
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  writer->Write("never ending");  // no Finish(): the client must stop on its own
  auto response = pending.get();
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(calls, 1);
  writer->Finish();
}

TEST(HttpClientTest, TruncatedResponseIsUnavailable) {
  auto server = Start(TestOptions([](HttpRequest, HttpResponder respond) {
    HttpResponse response;
    response.on_stream = [](std::shared_ptr<HttpStreamWriter> writer) { writer->Write("half"); };
    respond(std::move(response));
  }));
  ASSERT_NE(server, nullptr);
  auto response = HttpGet("127.0.0.1", server->port(), "/");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  int port = 0;
  {
    auto server = Start(TestOptions());
    ASSERT_NE(server, nullptr);
    port = server->port();
  }  // nothing listens there any more
  auto response = HttpGet("127.0.0.1", port, "/health");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("connect"), std::string::npos)
      << response.status().message();
}

TEST(HttpClientTest, SilentServerIsDeadlineExceeded) {
  ResponderSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  const auto start = steady_clock::now();
  auto response = HttpGet("127.0.0.1", server->port(), "/health", milliseconds(300));
  const auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, milliseconds(1500));
  HttpResponder respond = slot.Take();
  ASSERT_TRUE(respond);
  respond(TextResponse(200, "too late"));  // the client is gone; the server shrugs
}

TEST(HttpClientTest, BadRequestIsInvalidArgument) {
  for (HttpClientRequest request : {Request(0, "GET", "/"), Request(80, "GE T", "/"),
                                    Request(80, "GET", "/a b"), Request(80, "GET", "")}) {
    auto response = HttpRequestBlocking(request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument) << request.method;
  }
  HttpClientRequest request = Request(80, "GET", "/");
  request.headers = {{"X-Evil", "a\r\nInjected: 1"}};
  EXPECT_EQ(HttpRequestBlocking(request).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth
