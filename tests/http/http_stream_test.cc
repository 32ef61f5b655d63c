// Streamed responses (HttpResponse::on_stream): framing, latency, keep-alive after the stream,
// HEAD, HTTP/1.0, writers dropped without Finish(), and the head sent with the first writes.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "http/http_server.h"
#include "http_test_util.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using testing::Start;
using testing::StreamSlot;
using testing::TestClient;
using testing::TestOptions;

constexpr char kGetEvents[] = "GET /events HTTP/1.1\r\nHost: t\r\n\r\n";
constexpr char kGetPlain[] = "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n";

std::string Event(int i) { return "data: " + std::to_string(i) + "\n\n"; }

// Lets the producer wait until the client has seen a given chunk.
class Handshake {
 public:
  void Ack(int i) {
    std::lock_guard<std::mutex> lock(mu_);
    acked_ = i;
    cv_.notify_all();
  }
  bool WaitFor(int i) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, milliseconds(5000), [&] { return acked_ >= i; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int acked_ = -1;  // guarded by mu_
};

TEST(HttpStreamTest, EachChunkReachesTheClientBeforeTheNextIsProduced) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kGetEvents));
  auto head = client.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Type"), "text/event-stream");
  EXPECT_EQ(head->Header("Cache-Control"), "no-cache");
  EXPECT_EQ(head->Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(head->Header("Content-Length"), "");

  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  constexpr int kEvents = 100;
  Handshake handshake;
  bool all_written = true;
  std::thread producer([&] {
    for (int i = 0; i < kEvents; ++i) {
      // Chunk i must be readable while the producer still holds back chunk i + 1.
      all_written = writer->Write(Event(i)) && handshake.WaitFor(i) && all_written;
    }
    writer->Finish();
  });
  for (int i = 0; i < kEvents; ++i) {
    auto chunk = client.ReadChunk();
    ASSERT_TRUE(chunk) << "chunk " << i;
    EXPECT_EQ(*chunk, Event(i));
    handshake.Ack(i);
  }
  producer.join();
  EXPECT_TRUE(all_written);
  EXPECT_EQ(client.ReadChunk(), "");
  EXPECT_FALSE(writer->Write("after finish"));
}

TEST(HttpStreamTest, ConnectionIsReusedAfterAFinishedStream) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(client.Send(kGetEvents));
    std::shared_ptr<HttpStreamWriter> writer = slot.Take();
    ASSERT_NE(writer, nullptr);
    EXPECT_TRUE(writer->Write("one"));
    EXPECT_TRUE(writer->Write(""));  // sends nothing: an empty chunk would end the body
    EXPECT_TRUE(writer->Write("two"));
    writer->Finish();
    ASSERT_TRUE(client.ReadHead());
    EXPECT_EQ(client.ReadChunk(), "one");
    EXPECT_EQ(client.ReadChunk(), "two");
    EXPECT_EQ(client.ReadChunk(), "");
  }
  ASSERT_TRUE(client.Send(kGetPlain));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->Header("X-Path"), "/plain");
}

TEST(HttpStreamTest, PipelinedRequestIsServedAfterTheStream) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(std::string(kGetEvents) + kGetPlain));
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(client.ReadHead());
  EXPECT_TRUE(writer->Write("x"));
  EXPECT_EQ(client.ReadChunk(), "x");
  writer->Finish();
  EXPECT_EQ(client.ReadChunk(), "");
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->Header("X-Path"), "/plain");
}

TEST(HttpStreamTest, HeadRequestGetsOnlyTheHead) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send("HEAD /events HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = client.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Transfer-Encoding"), "chunked");
  ASSERT_TRUE(client.Send(kGetPlain));  // no body came between the two responses
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->Header("X-Path"), "/plain");
  EXPECT_EQ(slot.streams_started(), 0);
}

TEST(HttpStreamTest, Http10StreamIsRawAndEndsWithTheConnection) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send("GET /events HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  auto head = client.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->Header("Transfer-Encoding"), "");
  EXPECT_EQ(head->Header("Connection"), "");
  EXPECT_TRUE(writer->Write("ab"));
  EXPECT_TRUE(writer->Write("cd"));
  writer->Finish();
  EXPECT_EQ(client.ReadUntilClose(), "abcd");
}

TEST(HttpStreamTest, DroppedWriterClosesWithoutTheLastChunk) {
  auto server = Start(TestOptions([](HttpRequest, HttpResponder respond) {
    HttpResponse response;
    response.on_stream = [](std::shared_ptr<HttpStreamWriter> writer) { writer->Write("partial"); };
    respond(std::move(response));
  }));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kGetEvents));
  ASSERT_TRUE(client.ReadHead());
  EXPECT_EQ(client.ReadChunk(), "partial");
  EXPECT_EQ(client.ReadChunk(), std::nullopt);  // closed: the client sees a truncated body
}

// What on_stream writes within its call goes out in the head's write: a proxy starting a stream
// with the engine's first events sends one packet. One read of the client sees it all.
TEST(HttpStreamTest, WhatOnStreamWritesAtOnceGoesWithTheHead) {
  auto server = Start(TestOptions([](HttpRequest, HttpResponder respond) {
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.on_stream = [](std::shared_ptr<HttpStreamWriter> writer) {
      writer->Write(Event(0));
      writer->Write(Event(1));
      writer->Finish();
    };
    respond(std::move(response));
  }));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kGetEvents));
  pollfd readable{client.fd(), POLLIN, 0};
  ASSERT_EQ(poll(&readable, 1, 5000), 1);
  std::string first(4096, '\0');
  const ssize_t got = recv(client.fd(), first.data(), first.size(), 0);
  ASSERT_GT(got, 0);
  first.resize(static_cast<size_t>(got));
  EXPECT_TRUE(first.starts_with("HTTP/1.1 200 OK\r\n")) << first;
  EXPECT_TRUE(first.ends_with("\r\n\r\n9\r\ndata: 0\n\n\r\n9\r\ndata: 1\n\n\r\n0\r\n\r\n"))
      << first;
}

TEST(HttpStreamTest, ThrowingOnStreamClosesTheConnection) {
  auto server = Start(TestOptions([](HttpRequest, HttpResponder respond) {
    HttpResponse response;
    response.on_stream = [](std::shared_ptr<HttpStreamWriter>) { throw std::runtime_error("x"); };
    respond(std::move(response));
  }));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kGetEvents));
  ASSERT_TRUE(client.ReadHead());
  EXPECT_EQ(client.ReadChunk(), std::nullopt);
}

}  // namespace
}  // namespace berth
