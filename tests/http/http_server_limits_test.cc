// The requests the server rejects itself: too large (413), malformed (400), too slow (408), and
// idle keep-alive connections. After each, the server must keep serving other clients.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "http/http_server.h"
#include "http_test_util.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::ClientResponse;
using testing::kSimpleGet;
using testing::RoundTrip;
using testing::Start;
using testing::TestClient;
using testing::TestOptions;

void ExpectStillServing(const HttpServer& server) {
  auto response = RoundTrip(server.port(), kSimpleGet);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

HttpServerOptions SmallBodyOptions() {
  HttpServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  return options;
}

TEST(HttpServerLimitsTest, ContentLengthOverLimitIs413) {
  auto server = Start(SmallBodyOptions());
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.connected());
  const std::string body(2 << 20, 'x');
  // The server may answer before the body is sent; send from another thread so neither blocks.
  std::thread sender([&] {
    (void)client.Send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n");
    (void)client.Send(body);
  });
  auto response = client.ReadResponse();
  sender.join();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, "{\"code\":\"PAYLOAD_TOO_LARGE\"}");
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  ExpectStillServing(*server);
}

TEST(HttpServerLimitsTest, ChunkedBodyOverLimitIs413) {
  auto server = Start(SmallBodyOptions());
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  const std::string chunk(1000, 'y');
  ASSERT_TRUE(client.Send("POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
  for (int i = 0; i < 3; ++i) (void)client.Send("3e8\r\n" + chunk + "\r\n");
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(client.WaitForClose());
  ExpectStillServing(*server);
}

TEST(HttpServerLimitsTest, BodyAtLimitIsAccepted) {
  auto server = Start(SmallBodyOptions());
  ASSERT_NE(server, nullptr);
  const std::string body(1024, 'z');
  auto response = RoundTrip(server->port(),
                            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" + body);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, body);
}

TEST(HttpServerLimitsTest, MalformedRequestIs400) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send("this is not http\r\n\r\n"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body, "{\"code\":\"INVALID_ARGUMENT\"}");
  EXPECT_TRUE(client.WaitForClose());
  ExpectStillServing(*server);
}

TEST(HttpServerLimitsTest, WithoutErrorResponseFallsBackToPlainText) {
  HttpServerOptions options = TestOptions();
  options.error_response = nullptr;
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  auto response = RoundTrip(server->port(), "GET / HTTP/1.1\r\nBad Header\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_NE(response->body.find("malformed"), std::string::npos);
}

TEST(HttpServerLimitsTest, OversizedHeaderIs431) {
  HttpServerOptions options = TestOptions();
  options.max_header_bytes = 1024;
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  auto response = RoundTrip(
      server->port(), "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'h') + "\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  ExpectStillServing(*server);
}

// Beast counts the start line against its header limit only when the header arrives in several
// reads: in one read (here under 512 bytes, the first read's size), a 200-byte target and 150
// bytes of fields, each under the 256-byte limit, used to be served. Found by
// tests/fuzz/fuzz_http_request.
TEST(HttpServerLimitsTest, HeaderLimitCountsTheStartLineHoweverTheHeaderArrives) {
  HttpServerOptions options = TestOptions();
  options.max_header_bytes = 256;
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  auto response = RoundTrip(
      server->port(), "GET /" + std::string(200, 'p') +
                          " HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(150, 'h') + "\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_GE(response->status, 400);  // rejected as too large, not served
  EXPECT_LT(response->status, 500);
  ExpectStillServing(*server);
}

TEST(HttpServerLimitsTest, SlowHeaderIs408) {
  HttpServerOptions options = TestOptions();
  options.header_timeout = milliseconds(200);
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  const auto start = steady_clock::now();
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: t\r\n"));  // never finished
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_EQ(response->body, "{\"code\":\"DEADLINE_EXCEEDED\"}");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_LT(steady_clock::now() - start, milliseconds(3000));
  ExpectStillServing(*server);
}

TEST(HttpServerLimitsTest, SilentClientIsDropped) {
  HttpServerOptions options = TestOptions();
  options.header_timeout = milliseconds(200);
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.connected());
  EXPECT_TRUE(client.WaitForClose());  // a 408 may come first; the connection must close
  ExpectStillServing(*server);
}

TEST(HttpServerLimitsTest, SlowBodyIs408) {
  HttpServerOptions options = TestOptions();
  options.body_timeout = milliseconds(200);
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_TRUE(client.WaitForClose());
  ExpectStillServing(*server);
}

TEST(HttpServerLimitsTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions options = TestOptions();
  options.idle_timeout = milliseconds(200);
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kSimpleGet));
  ASSERT_TRUE(client.ReadResponse());
  const auto start = steady_clock::now();
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_GE(steady_clock::now() - start, milliseconds(150));
  EXPECT_LT(steady_clock::now() - start, milliseconds(3000));
}

TEST(HttpServerLimitsTest, ExpectContinueGets100First) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(
      client.Send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                  "Content-Length: 4\r\n\r\n"));
  auto interim = client.ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("data"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "data");
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

// A kept-alive connection's next request is parsed from the bytes its idle read brought in
// (no async read in between): the same rules must hold there, whether the request came whole,
// in pieces, or pipelined behind another.
TEST(HttpServerLimitsTest, AKeptAliveConnectionsNextRequestMeetsTheSameRules) {
  HttpServerOptions options = SmallBodyOptions();
  options.max_header_bytes = 512;
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  // A connection whose first request was served; its next request is the case under test.
  auto second = [&](const std::vector<std::string>& pieces) {
    TestClient client(server->port());
    EXPECT_TRUE(client.Send(kSimpleGet));
    auto first = client.ReadResponse();
    EXPECT_TRUE(first && first->status == 200);
    for (const std::string& piece : pieces) {
      EXPECT_TRUE(client.Send(piece));
      std::this_thread::sleep_for(milliseconds(20));
    }
    return client.ReadResponse();
  };
  auto big_header =
      second({"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(600, 'h') + "\r\n\r\n"});
  ASSERT_TRUE(big_header);
  EXPECT_EQ(big_header->status, 431);
  auto big_body = second(
      {"POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 2048\r\n\r\n" + std::string(2048, 'x')});
  ASSERT_TRUE(big_body);
  EXPECT_EQ(big_body->status, 413);
  auto malformed = second({"GET / HTTP/1.1\r\nBad Header\r\n\r\n"});
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  auto smuggled =
      second({"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
              "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"});
  ASSERT_TRUE(smuggled);
  EXPECT_EQ(smuggled->status, 400);
  // The head whole, the body in two later pieces; then a head split in two.
  auto split_body =
      second({"POST /s HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234", "56789"});
  ASSERT_TRUE(split_body);
  EXPECT_EQ(split_body->status, 201);
  EXPECT_EQ(split_body->body, "0123456789");
  auto split_head = second({"POST /h HTTP/1.1\r\nHost: t\r\nContent-", "Length: 2\r\n\r\nok"});
  ASSERT_TRUE(split_head);
  EXPECT_EQ(split_head->body, "ok");
  auto chunked =
      second({"POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
              "3\r\nabc\r\n",
              "2\r\nde\r\n0\r\n\r\n"});
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->body, "abcde");

  // Two requests pipelined in one write after the first: both answered, in order.
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kSimpleGet));
  ASSERT_TRUE(client.ReadResponse());
  ASSERT_TRUE(
      client.Send("POST /p1 HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\naa"
                  "POST /p2 HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nbb"));
  auto p1 = client.ReadResponse();
  auto p2 = client.ReadResponse();
  ASSERT_TRUE(p1 && p2);
  EXPECT_EQ(p1->Header("X-Path"), "/p1");
  EXPECT_EQ(p1->body, "aa");
  EXPECT_EQ(p2->Header("X-Path"), "/p2");
  EXPECT_EQ(p2->body, "bb");
  ExpectStillServing(*server);
}

}  // namespace
}  // namespace berth
