#include "http/http_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http_test_util.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using testing::kSimpleGet;
using testing::ResponderSlot;
using testing::RoundTrip;
using testing::Start;
using testing::TestClient;
using testing::TestOptions;
using testing::TextResponse;

TEST(HttpServerTest, GetRoundTripFillsRequest) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);
  auto response = RoundTrip(
      server->port(), "GET /api/v1/x?page_no=2&a=b HTTP/1.1\r\nHost: t\r\nX-Test: hi\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("X-Method"), "GET");
  EXPECT_EQ(response->Header("X-Path"), "/api/v1/x");
  EXPECT_EQ(response->Header("X-Query"), "page_no=2&a=b");
  EXPECT_EQ(response->Header("X-Target"), "/api/v1/x?page_no=2&a=b");
  EXPECT_EQ(response->Header("X-Echo"), "hi");
  EXPECT_EQ(response->Header("X-Remote").rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(response->Header("Server"), "berth");
  EXPECT_EQ(response->Header("Content-Type"), "text/plain");
  EXPECT_EQ(response->Header("Content-Length"), "0");
  EXPECT_EQ(response->body, "");
}

TEST(HttpServerTest, PostRoundTripWithBody) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  auto response = RoundTrip(server->port(),
                            "POST /items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                            "Content-Length: 13\r\n\r\n{\"name\":\"a\"}\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->Header("X-Method"), "POST");
  EXPECT_EQ(response->Header("X-Query"), "");
  EXPECT_EQ(response->body, "{\"name\":\"a\"}\n");
  EXPECT_EQ(response->Header("Content-Length"), "13");
}

TEST(HttpServerTest, ChunkedBodyIsReassembled) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  auto response = RoundTrip(server->port(),
                            "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "abcde");
}

TEST(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send("GET /one HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto first = client.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->Header("X-Path"), "/one");
  EXPECT_EQ(first->Header("Connection"), "");
  ASSERT_TRUE(client.Send("POST /two HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz"));
  auto second = client.ReadResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->Header("X-Path"), "/two");
  EXPECT_EQ(second->body, "xyz");
  EXPECT_EQ(first->Header("X-Remote"), second->Header("X-Remote"));
}

// Which server thread served a request: the handler answers with its id.
HttpServerOptions ThreadIdOptions() {
  return TestOptions([](HttpRequest, HttpResponder respond) {
    std::ostringstream id;
    id << std::this_thread::get_id();
    respond(TextResponse(200, id.str()));
  });
}

std::string ServingThread(TestClient& client) {
  if (!client.Send(kSimpleGet)) return "";
  std::optional<testing::ClientResponse> response = client.ReadResponse();
  return response ? response->body : "";
}

// Connections opened one at a time and kept open spread over the loops (as a client's pool
// grows), where dealing them out in turn once put every one of them on the first loop; a lone
// connection is served on the thread that accepted it.
TEST(HttpServerTest, ConnectionsOpenedOneByOneSpreadOverTheLoops) {
  HttpServerOptions options = ThreadIdOptions();
  options.threads = 2;
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<TestClient>> clients;
  std::set<std::string> threads;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<TestClient>(server->port()));
    threads.insert(ServingThread(*clients.back()));  // served before the next one connects
  }
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_FALSE(threads.contains(""));

  clients.clear();  // the server sees them close; its loops have no connection left
  std::set<std::string> lone;
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(milliseconds(20));  // the previous one's close is seen
    TestClient client(server->port());
    lone.insert(ServingThread(client));
  }
  EXPECT_EQ(lone.size(), 1u) << "lone connections moved between threads";
}

TEST(HttpServerTest, ConnectionCloseIsHonoured) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
}

TEST(HttpServerTest, ResponderCalledLaterFromAnotherThread) {
  ResponderSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kSimpleGet));
  HttpResponder respond = slot.Take();
  ASSERT_TRUE(respond);
  std::thread worker([respond] {
    std::this_thread::sleep_for(milliseconds(100));
    respond(TextResponse(202, "later"));
  });
  auto response = client.ReadResponse();
  worker.join();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, "later");
}

TEST(HttpServerTest, SecondResponderCallIsIgnored) {
  auto server = Start(TestOptions([](HttpRequest request, HttpResponder respond) {
    respond(TextResponse(200, "first " + request.path));
    respond(TextResponse(500, "second"));
  }));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  for (const char* path : {"/a", "/b"}) {
    ASSERT_TRUE(client.Send(std::string("GET ") + path + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, std::string("first ") + path);
  }
}

TEST(HttpServerTest, DroppedResponderAnswers500) {
  auto server = Start(TestOptions([](HttpRequest, HttpResponder) {}));
  ASSERT_NE(server, nullptr);
  auto response = RoundTrip(server->port(), kSimpleGet);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
}

TEST(HttpServerTest, ThrowingHandlerAnswers500) {
  auto server = Start(
      TestOptions([](HttpRequest, HttpResponder) -> void { throw std::runtime_error("boom"); }));
  ASSERT_NE(server, nullptr);
  auto response = RoundTrip(server->port(), kSimpleGet);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body, "{\"code\":\"INTERNAL\"}");
}

}  // namespace
}  // namespace berth
