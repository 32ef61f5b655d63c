// Streamed responses over time: clients that leave or stall, streams longer than body_timeout,
// Stop() while streaming, and many streams at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/http_server.h"
#include "http_test_util.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::Start;
using testing::StreamSlot;
using testing::TestClient;
using testing::TestOptions;

constexpr char kGetEvents[] = "GET /events HTTP/1.1\r\nHost: t\r\n\r\n";

// A promise fulfilled by the writer's OnClientGone callback.
std::future<void> WatchGone(HttpStreamWriter& writer) {
  auto gone = std::make_shared<std::promise<void>>();
  writer.OnClientGone([gone] { gone->set_value(); });
  return gone->get_future();
}

TEST(HttpStreamLifecycleTest, ClientDisconnectFiresOnClientGone) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kGetEvents));
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  std::future<void> gone = WatchGone(*writer);
  EXPECT_TRUE(writer->Write("hello"));
  ASSERT_TRUE(client.ReadHead());
  EXPECT_EQ(client.ReadChunk(), "hello");
  client.Close();  // the producer is quiet: only the outstanding read can notice
  ASSERT_EQ(gone.wait_for(milliseconds(3000)), std::future_status::ready);
  EXPECT_FALSE(writer->Write("anyone there?"));
  EXPECT_EQ(writer->Pending(), 0u);
  bool late_callback_ran = false;
  writer->OnClientGone([&] { late_callback_ran = true; });  // already gone: runs at once
  EXPECT_TRUE(late_callback_ran);
  writer->Finish();  // ignored
}

TEST(HttpStreamLifecycleTest, ClientThatStopsReadingIsDroppedAfterTheWriteTimeout) {
  StreamSlot slot;
  HttpServerOptions options = TestOptions(slot.Handler());
  options.body_timeout = milliseconds(300);
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kGetEvents));
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  std::future<void> gone = WatchGone(*writer);
  const std::string megabyte(1 << 20, 'x');
  size_t most_pending = 0;  // seen while writing: on a loaded machine the timeout may come first
  for (int i = 0; i < 64 && writer->Write(megabyte); ++i) {
    most_pending = std::max(most_pending, writer->Pending());
  }
  EXPECT_GT(most_pending, 0u);  // more than the socket buffers hold
  ASSERT_EQ(gone.wait_for(milliseconds(5000)), std::future_status::ready);
  EXPECT_FALSE(writer->Write("x"));
}

TEST(HttpStreamLifecycleTest, QuietStreamOutlivesBodyTimeout) {
  StreamSlot slot;
  HttpServerOptions options = TestOptions(slot.Handler());
  options.body_timeout = milliseconds(100);
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kGetEvents));
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(client.ReadHead());
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(milliseconds(250));  // the producer thinks; no clock to fake
    ASSERT_TRUE(writer->Write(std::to_string(i)));
    EXPECT_EQ(client.ReadChunk(), std::to_string(i));
  }
  writer->Finish();
  EXPECT_EQ(client.ReadChunk(), "");
}

TEST(HttpStreamLifecycleTest, StopLetsARunningStreamFinish) {
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kGetEvents));
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(client.ReadHead());
  std::thread stopper([&] { server->Stop(); });
  EXPECT_TRUE(writer->Write("last words"));
  writer->Finish();
  EXPECT_EQ(client.ReadChunk(), "last words");
  EXPECT_EQ(client.ReadChunk(), "");
  EXPECT_TRUE(client.WaitForClose());  // no keep-alive while stopping
  stopper.join();
}

TEST(HttpStreamLifecycleTest, StopClosesStreamsAfterDrainTimeout) {
  StreamSlot slot;
  HttpServerOptions options = TestOptions(slot.Handler());
  options.drain_timeout = milliseconds(200);
  auto server = Start(std::move(options));
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(kGetEvents));
  std::shared_ptr<HttpStreamWriter> writer = slot.Take();
  ASSERT_NE(writer, nullptr);
  std::future<void> gone = WatchGone(*writer);
  ASSERT_TRUE(client.ReadHead());
  const auto start = steady_clock::now();
  server->Stop();
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  EXPECT_EQ(gone.wait_for(milliseconds(0)), std::future_status::ready);
  EXPECT_FALSE(writer->Write("too late"));
  EXPECT_EQ(client.ReadChunk(), std::nullopt);
  server.reset();
  writer.reset();  // outliving the server is fine
}

TEST(HttpStreamLifecycleTest, ManyConcurrentStreamsComplete) {
  constexpr int kStreams = 512;
  constexpr int kChunks = 20;
  constexpr int kReaders = 4;
  StreamSlot slot;
  auto server = Start(TestOptions(slot.Handler()));
  ASSERT_NE(server, nullptr);
  const auto start = steady_clock::now();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kStreams; ++i) {
    clients.push_back(std::make_unique<TestClient>(server->port(), milliseconds(20000)));
    ASSERT_TRUE(clients.back()->connected());
    ASSERT_TRUE(clients.back()->Send(kGetEvents));
  }
  std::vector<std::shared_ptr<HttpStreamWriter>> writers;
  for (int i = 0; i < kStreams; ++i) {
    writers.push_back(slot.Take(milliseconds(20000)));
    ASSERT_NE(writers.back(), nullptr) << "stream " << i;
  }
  std::thread producer([&] {  // all streams open at once, one chunk each per round
    for (int chunk = 0; chunk < kChunks; ++chunk) {
      for (auto& writer : writers) writer->Write("chunk " + std::to_string(chunk) + "\n");
    }
    for (auto& writer : writers) writer->Finish();
  });
  std::atomic<int> complete{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      for (int i = r; i < kStreams; i += kReaders) {
        TestClient& client = *clients[i];
        bool ok = client.ReadHead().has_value();
        for (int chunk = 0; ok && chunk < kChunks; ++chunk) {
          ok = client.ReadChunk() == "chunk " + std::to_string(chunk) + "\n";
        }
        if (ok && client.ReadChunk() == "") ++complete;
      }
    });
  }
  producer.join();
  for (std::thread& reader : readers) reader.join();
  const auto elapsed = steady_clock::now() - start;
  EXPECT_EQ(complete.load(), kStreams);
  EXPECT_LT(elapsed, std::chrono::seconds(30));
  std::printf("%d streams x %d chunks in %lld ms\n", kStreams, kChunks,
              static_cast<long long>(std::chrono::duration_cast<milliseconds>(elapsed).count()));
}

}  // namespace
}  // namespace berth
