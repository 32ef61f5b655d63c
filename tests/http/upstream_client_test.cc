// UpstreamClient against a real berth HttpServer on loopback: whole and streamed answers,
// connection reuse, refused ports, cancellation, the read timeout, and pooled connections to
// engines that went away (counted in open descriptors).
#include "http/upstream_client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http/http_server.h"
#include "http_test_util.h"

namespace berth {
namespace {

using std::chrono::milliseconds;
using testing::Start;
using testing::TestOptions;

// What one call delivered, for the test thread to wait on.
class Collector {
 public:
  UpstreamHandlers Handlers() {
    return {[this](int status, const HeaderList& headers) {
              std::lock_guard lock(mu_);
              this->status = status;
              this->headers = headers;
            },
            [this](std::string_view data, bool last) {
              std::lock_guard lock(mu_);
              pieces.emplace_back(data);
              lasts.push_back(last);
              cv_.notify_all();
            },
            [this](const Status& s, bool nothing) {
              std::lock_guard lock(mu_);
              result = s;
              nothing_sent = nothing;
              ++done_calls;
              cv_.notify_all();
            }};
  }
  bool WaitDone(milliseconds timeout = milliseconds(5000)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done_calls > 0; });
  }
  bool WaitPieces(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, milliseconds(5000), [&] { return pieces.size() >= n; });
  }
  std::string Body() {
    std::lock_guard lock(mu_);
    std::string all;
    for (const std::string& p : pieces) all += p;
    return all;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  int status = 0;
  HeaderList headers;
  std::vector<std::string> pieces;
  std::vector<bool> lasts;  // each piece's `last`
  Status result;
  bool nothing_sent = false;
  int done_calls = 0;
};

// Event i of /burst (small) or /big (1 KB each: 200 of them are many times the read buffer).
std::string BigEvent(int i, bool big) {
  return "data: " + std::to_string(i) + (big ? std::string(1024, 'x') : "") + "\n\n";
}

// The upstream: /json answers at once; /stream sends three events 30 ms apart; /hold sends one
// event and then waits for the client to leave (and says so); /burst and /big send all their
// events at once; /echo answers after 5 ms with the request's body in X-Echo; /late answers
// after 600 ms.
class Upstream {
 public:
  Upstream() {
    server_ = Start(TestOptions([this](HttpRequest request, HttpResponder respond) {
      Handle(std::move(request), std::move(respond));
    }));
  }
  ~Upstream() {
    if (server_) server_->Stop();
    std::lock_guard lock(mu_);
    for (std::thread& t : threads_) t.join();
  }
  int port() const { return server_->port(); }
  std::atomic<bool> client_left{false};
  std::atomic<int> requests{0};
  std::string last_body;

 private:
  void Handle(HttpRequest request, HttpResponder respond) {
    ++requests;
    HttpResponse response;
    if (request.path == "/json") {
      last_body = request.body;
      response.body = R"({"ok":1})";
    } else if (request.path == "/stream" || request.path == "/hold") {
      bool hold = request.path == "/hold";
      response.content_type = "text/event-stream";
      response.on_stream = [this, hold](std::shared_ptr<HttpStreamWriter> writer) {
        if (hold) {
          writer->OnClientGone([this] { client_left = true; });
          writer->Write("data: 0\n\n");
          Spawn([writer] {  // keeps the writer until the client leaves
            for (int i = 0; i < 250 && writer->Write(""); ++i) {
              std::this_thread::sleep_for(milliseconds(20));
            }
          });
          return;
        }
        Spawn([writer] {
          for (int i = 0; i < 3; ++i) {
            writer->Write("data: " + std::to_string(i) + "\n\n");
            std::this_thread::sleep_for(milliseconds(30));
          }
          writer->Finish();
        });
      };
    } else if (request.path == "/burst" || request.path == "/big") {
      // Every event written within on_stream: they reach the client in one write.
      const int events = request.path == "/burst" ? 3 : 200;
      response.content_type = "text/event-stream";
      response.on_stream = [events](std::shared_ptr<HttpStreamWriter> writer) {
        for (int i = 0; i < events; ++i) writer->Write(BigEvent(i, events > 3));
        writer->Finish();
      };
    } else if (request.path == "/echo") {
      // Answers a little later (so the head is read after the call started waiting for it),
      // with the request's body in a header.
      Spawn([respond, body = request.body] {
        std::this_thread::sleep_for(milliseconds(5));
        HttpResponse later;
        later.headers = {{"X-Echo", body}};
        respond(std::move(later));
      });
      return;
    } else if (request.path == "/late") {
      Spawn([respond] {
        std::this_thread::sleep_for(milliseconds(600));
        respond(HttpResponse{});
      });
      return;
    } else {
      response.status = 404;
    }
    respond(std::move(response));
  }

  // Handlers run on several server threads at once.
  void Spawn(std::function<void()> work) {
    std::lock_guard lock(mu_);
    threads_.emplace_back(std::move(work));
  }

  std::mutex mu_;
  std::vector<std::thread> threads_;  // guarded by mu_
  std::unique_ptr<HttpServer> server_;
};

UpstreamRequest Post(int port, std::string target, std::string body = "{}") {
  UpstreamRequest r;
  r.port = port;
  r.target = std::move(target);
  r.headers = {{"Content-Type", "application/json"}};
  r.body = std::move(body);
  return r;
}

TEST(UpstreamClientTest, WholeAnswerAndConnectionReuse) {
  Upstream upstream;
  auto client = StartUpstreamClient();
  for (int i = 0; i < 3; ++i) {
    Collector c;
    client->Send(Post(upstream.port(), "/json", R"({"n":)" + std::to_string(i) + "}"),
                 c.Handlers());
    ASSERT_TRUE(c.WaitDone());
    EXPECT_TRUE(c.result.ok()) << c.result.ToString();
    EXPECT_EQ(c.status, 200);
    EXPECT_EQ(c.Body(), R"({"ok":1})");
    EXPECT_EQ(c.lasts, std::vector<bool>{true});  // the Content-Length body ends with its piece
    EXPECT_EQ(upstream.last_body, R"({"n":)" + std::to_string(i) + "}");
    EXPECT_EQ(client->IdleConnections(), 1u);  // the same kept-alive connection every time
  }
}

TEST(UpstreamClientTest, StreamPiecesArriveAsTheyAreSent) {
  Upstream upstream;
  auto client = StartUpstreamClient();
  Collector c;
  auto start = std::chrono::steady_clock::now();
  client->Send(Post(upstream.port(), "/stream"), c.Handlers());
  ASSERT_TRUE(c.WaitPieces(1));
  // The first event is here long before the stream ends (3 × 30 ms).
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(60));
  ASSERT_TRUE(c.WaitDone());
  EXPECT_TRUE(c.result.ok()) << c.result.ToString();
  EXPECT_EQ(c.Body(), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  EXPECT_GE(c.pieces.size(), 3u);
  // Only a piece that ends the chunked body says so: the events before it were sent apart.
  for (size_t i = 0; i + 1 < c.lasts.size(); ++i) EXPECT_FALSE(c.lasts[i]) << i;
}

// Chunks that arrive together are parsed in one go and handed on as one piece (one write to
// the client, where one piece per chunk cost a posted completion and a write each).
TEST(UpstreamClientTest, EventsThatArriveTogetherAreHandedOnTogether) {
  Upstream upstream;
  auto client = StartUpstreamClient();
  Collector c;
  client->Send(Post(upstream.port(), "/burst"), c.Handlers());
  ASSERT_TRUE(c.WaitDone());
  EXPECT_TRUE(c.result.ok()) << c.result.ToString();
  EXPECT_EQ(c.Body(), BigEvent(0, false) + BigEvent(1, false) + BigEvent(2, false));
  EXPECT_EQ(c.pieces.size(), 1u);
  EXPECT_EQ(c.lasts, std::vector<bool>{true});  // the events and the body's end came together
}

// An answer many times the read buffers (16 KB each) arrives whole, and the connection is kept.
TEST(UpstreamClientTest, AnAnswerLargerThanTheReadBuffersArrivesWhole) {
  Upstream upstream;
  auto client = StartUpstreamClient();
  std::string expected;
  for (int i = 0; i < 200; ++i) expected += BigEvent(i, true);
  for (int round = 0; round < 2; ++round) {
    Collector c;
    client->Send(Post(upstream.port(), "/big"), c.Handlers());
    ASSERT_TRUE(c.WaitDone());
    EXPECT_TRUE(c.result.ok()) << c.result.ToString();
    EXPECT_EQ(c.Body(), expected);
    EXPECT_EQ(client->IdleConnections(), 1u);
  }
}

// A socket listening on 127.0.0.1 on a free port; `addr` gets its address.
int ListenOnLoopback(int backlog, sockaddr_in& addr) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  listen(fd, backlog);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return fd;
}

// Reads from `fd` until a request's head is whole (true), the peer stops, or 5 s pass.
bool ReadRequestHead(int fd) {
  timeval five_seconds{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    request.append(buf, static_cast<size_t>(n));
  }
  return true;
}

// An engine written by hand: it accepts one connection, reads a request head, sends `answer` as
// it is and closes the connection; for answers a well-behaved server would not send.
class RawEngine {
 public:
  explicit RawEngine(std::string answer) {
    sockaddr_in addr;
    fd_ = ListenOnLoopback(4, addr);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, answer = std::move(answer)] {
      pollfd ready{fd_, POLLIN, 0};
      if (poll(&ready, 1, 5000) != 1) return;
      const int fd = accept(fd_, nullptr, nullptr);
      ReadRequestHead(fd);  // answered either way: the answer is the test
      send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      close(fd);
    });
  }
  ~RawEngine() {
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// A body framed by the end of the stream (neither a length nor chunks) ends there, whole, even
// when it is larger than the read buffers; the connection is not kept.
TEST(UpstreamClientTest, ABodyThatEndsWithTheConnectionArrivesWhole) {
  const std::string body(40000, 'b');
  RawEngine engine("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body);
  auto client = StartUpstreamClient();
  Collector c;
  client->Send(Post(engine.port(), "/"), c.Handlers());
  ASSERT_TRUE(c.WaitDone());
  EXPECT_TRUE(c.result.ok()) << c.result.ToString();
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.Body(), body);
  for (size_t i = 0; i < c.lasts.size(); ++i) EXPECT_FALSE(c.lasts[i]) << i;  // learnt at EOF
  EXPECT_EQ(client->IdleConnections(), 0u);
}

// An engine that closes before its answer is whole: what came is handed on, and the call fails
// saying the answer broke off, whether the body was cut short or the head was.
TEST(UpstreamClientTest, AnAnswerCutShortFails) {
  struct Case {
    std::string answer;
    std::string said;
  };
  const Case cases[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345", "the answer broke off"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n3",
       "the answer broke off"},
      {"HTTP/1.1 200 OK\r\nContent-Le", "no answer"},
      {"", "no answer"},
  };
  auto client = StartUpstreamClient();
  for (const Case& k : cases) {
    RawEngine engine(k.answer);
    Collector c;
    client->Send(Post(engine.port(), "/"), c.Handlers());
    ASSERT_TRUE(c.WaitDone()) << k.answer;
    EXPECT_EQ(c.result.code(), StatusCode::kUnavailable) << k.answer;
    EXPECT_NE(c.result.message().find(k.said), std::string::npos) << c.result.ToString();
    EXPECT_FALSE(c.nothing_sent) << k.answer;
    if (k.said == "the answer broke off") {
      EXPECT_EQ(c.Body(), "12345");
    }
  }
}

// A head larger than the read buffer (16 KB) is refused, not read on without bound.
TEST(UpstreamClientTest, AHeadLargerThanTheReadBufferFails) {
  RawEngine engine("HTTP/1.1 200 OK\r\nX-Big: " + std::string(20000, 'h') +
                   "\r\nContent-Length: 0\r\n\r\n");
  auto client = StartUpstreamClient();
  Collector c;
  client->Send(Post(engine.port(), "/"), c.Handlers());
  ASSERT_TRUE(c.WaitDone());
  EXPECT_EQ(c.result.code(), StatusCode::kUnavailable) << c.result.ToString();
  EXPECT_NE(c.result.message().find("no answer"), std::string::npos) << c.result.ToString();
  EXPECT_EQ(c.status, 0);
}

// A loopback listener whose accept queue is full (backlog 0 and one connection waiting): the
// kernel drops a new connection's SYN, so that connection is not up when connect() returns and
// only comes up on the SYN's retransmission (after ~1 s) once the queue has room.
class FullListener {
 public:
  FullListener() {
    sockaddr_in addr;
    fd_ = ListenOnLoopback(0, addr);
    port_ = ntohs(addr.sin_port);
    filler_ = socket(AF_INET, SOCK_STREAM, 0);
    connect(filler_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  ~FullListener() {
    for (int fd : {fd_, filler_, accepted_filler_, accepted_}) {
      if (fd >= 0) close(fd);
    }
  }
  int port() const { return port_; }
  // Waits until a connection to the listener is in SYN_SENT (/proc/net/tcp: its SYN was
  // dropped); false after 5 s.
  bool WaitForADroppedSyn() const {
    char remote[16];
    std::snprintf(remote, sizeof remote, ":%04X", port_);
    for (int i = 0; i < 500; ++i) {
      std::ifstream table("/proc/net/tcp");
      std::string line;
      while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, local, peer, state;
        fields >> slot >> local >> peer >> state;
        if (peer.ends_with(remote) && state == "02") return true;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
  // Takes the waiting connection, which makes room in the queue.
  void MakeRoom() { accepted_filler_ = accept(fd_, nullptr, nullptr); }
  // Accepts the next connection, reads one request and answers it with `body`; gives up after
  // 5 s without a connection or a request (the test then fails on the call).
  void Answer(const std::string& body) {
    pollfd ready{fd_, POLLIN, 0};
    if (poll(&ready, 1, 5000) != 1) return;
    accepted_ = accept(fd_, nullptr, nullptr);
    if (!ReadRequestHead(accepted_)) return;
    const std::string answer =
        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    send(accepted_, answer.data(), answer.size(), MSG_NOSIGNAL);
  }

 private:
  int fd_ = -1;
  int filler_ = -1;
  int accepted_filler_ = -1;
  int accepted_ = -1;
  int port_ = 0;
};

// The request is written right after connect() when the connection is up (the usual loopback
// case); when it is not, the write waits for it rather than failing.
TEST(UpstreamClientTest, AConnectionNotUpAtOnceGetsTheRequestWhenItIs) {
  FullListener listener;
  auto client = StartUpstreamClient();
  Collector c;
  client->Send(Post(listener.port(), "/json"), c.Handlers());
  ASSERT_TRUE(listener.WaitForADroppedSyn());  // connect() has returned; the request waits
  listener.MakeRoom();
  listener.Answer(R"({"late":true})");
  ASSERT_TRUE(c.WaitDone());
  EXPECT_TRUE(c.result.ok()) << c.result.ToString();
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.Body(), R"({"late":true})");
}

// A connection that never comes up ends at the connect timeout, and nothing was sent: the
// gateway may try another replica.
TEST(UpstreamClientTest, AConnectionThatNeverComesUpTimesOutWithNothingSent) {
  FullListener listener;
  auto client = StartUpstreamClient();
  Collector c;
  UpstreamRequest request = Post(listener.port(), "/json");
  request.connect_timeout = milliseconds(300);
  client->Send(std::move(request), c.Handlers());
  ASSERT_TRUE(c.WaitDone());
  EXPECT_EQ(c.result.code(), StatusCode::kDeadlineExceeded) << c.result.ToString();
  EXPECT_NE(c.result.message().find("cannot connect"), std::string::npos) << c.result.ToString();
  EXPECT_TRUE(c.nothing_sent);
}

TEST(UpstreamClientTest, RefusedPortSaysNothingWasSent) {
  int port = 0;
  {
    Upstream gone;
    port = gone.port();
  }
  auto client = StartUpstreamClient();
  Collector c;
  client->Send(Post(port, "/json"), c.Handlers());
  ASSERT_TRUE(c.WaitDone());
  EXPECT_EQ(c.result.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(c.nothing_sent);
  EXPECT_EQ(c.status, 0);
}

TEST(UpstreamClientTest, CancelClosesTheUpstreamConnection) {
  Upstream upstream;
  auto client = StartUpstreamClient();
  Collector c;
  auto call = client->Send(Post(upstream.port(), "/hold"), c.Handlers());
  ASSERT_TRUE(c.WaitPieces(1));
  call->Cancel();
  ASSERT_TRUE(c.WaitDone());
  EXPECT_EQ(c.result.code(), StatusCode::kAborted);
  EXPECT_EQ(c.done_calls, 1);
  auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);
  while (!upstream.client_left && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(upstream.client_left);
  EXPECT_EQ(client->IdleConnections(), 0u);
}

TEST(UpstreamClientTest, QuietEngineHitsTheReadTimeout) {
  Upstream upstream;
  auto client = StartUpstreamClient();
  Collector c;
  UpstreamRequest r = Post(upstream.port(), "/late");
  r.read_timeout = milliseconds(100);
  client->Send(r, c.Handlers());
  ASSERT_TRUE(c.WaitDone());
  EXPECT_EQ(c.result.code(), StatusCode::kDeadlineExceeded) << c.result.ToString();
  EXPECT_FALSE(c.nothing_sent);
}

// From a server's loop the deadline is kept by that loop's sweep instead of a timer per read.
TEST(UpstreamClientTest, QuietEngineHitsTheReadTimeoutFromAServerLoop) {
  Upstream upstream;
  auto client = StartUpstreamClient();
  HttpServerOptions options = TestOptions([&](HttpRequest, HttpResponder respond) {
    UpstreamRequest r = Post(upstream.port(), "/late");
    r.read_timeout = milliseconds(100);
    client->Send(r, {nullptr, nullptr, [respond](const Status& status, bool) {
                       HttpResponse response;
                       response.status = status.code() == StatusCode::kDeadlineExceeded ? 504 : 200;
                       respond(std::move(response));
                     }});
  });
  auto front = Start(options);
  ASSERT_NE(front, nullptr);
  const auto start = std::chrono::steady_clock::now();
  auto r = testing::RoundTrip(front->port(), "GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  front->Stop();
}

TEST(UpstreamClientTest, ManyConcurrentStreams) {
  Upstream upstream;
  auto client = StartUpstreamClient({2, 256});
  std::vector<std::unique_ptr<Collector>> calls;
  for (int i = 0; i < 64; ++i) {
    calls.push_back(std::make_unique<Collector>());
    client->Send(Post(upstream.port(), "/stream"), calls.back()->Handlers());
  }
  for (auto& c : calls) {
    ASSERT_TRUE(c->WaitDone());
    EXPECT_TRUE(c->result.ok()) << c->result.ToString();
    EXPECT_EQ(c->Body(), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  }
  EXPECT_EQ(upstream.requests, 64);
}

// On the client's own loop (two threads) a call's read of the head may complete on the other
// thread than the one that started waiting for it: each call still gets its own head's fields.
TEST(UpstreamClientTest, ConcurrentCallsEachGetTheirOwnHead) {
  Upstream upstream;
  auto client = StartUpstreamClient({2, 256});
  std::vector<std::unique_ptr<Collector>> calls;
  for (int i = 0; i < 64; ++i) {
    calls.push_back(std::make_unique<Collector>());
    client->Send(Post(upstream.port(), "/echo", std::to_string(i)), calls.back()->Handlers());
  }
  for (int i = 0; i < 64; ++i) {
    Collector& c = *calls[i];
    ASSERT_TRUE(c.WaitDone());
    EXPECT_TRUE(c.result.ok()) << c.result.ToString();
    std::lock_guard lock(c.mu_);
    std::string echo = "(none)";
    for (const auto& [name, value] : c.headers) {
      if (name == "X-Echo") echo = value;
    }
    EXPECT_EQ(echo, std::to_string(i));
  }
}

// The gateway's pattern: a server handler calls the engine. The call stays on the handler's
// loop, reuses that loop's connection, and the connection is dropped when the server stops.
TEST(UpstreamClientTest, CallsFromAServerThreadStayOnItsLoop) {
  Upstream upstream;
  auto client = StartUpstreamClient();
  HttpServerOptions options = TestOptions([&](HttpRequest, HttpResponder respond) {
    auto body = std::make_shared<std::string>();
    client->Send(Post(upstream.port(), "/json"),
                 {nullptr, [body](std::string_view data, bool) { body->append(data); },
                  [body, respond](const Status& status, bool) {
                    HttpResponse response;
                    response.status = status.ok() ? 200 : 502;
                    response.body = *body;
                    respond(std::move(response));
                  }});
  });
  options.threads = 1;
  auto front = Start(options);
  ASSERT_NE(front, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto r = testing::RoundTrip(front->port(), "GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"ok":1})");
  }
  EXPECT_EQ(upstream.requests, 3);
  EXPECT_EQ(client->IdleConnections(), 1u);  // one connection, on the front's only loop
  front->Stop();
  EXPECT_EQ(client->IdleConnections(), 0u);  // dropped before the loop went away
}

// On a server's loop the pool's sweep (not a wait per connection) notices an engine that closed
// its idle connection, within about kIdleCheckInterval.
TEST(UpstreamClientTest, ServerLoopDropsAnIdleConnectionTheEngineClosed) {
  auto upstream = std::make_unique<Upstream>();
  const int port = upstream->port();
  auto client = StartUpstreamClient();
  HttpServerOptions options = TestOptions([&](HttpRequest, HttpResponder respond) {
    client->Send(Post(port, "/json"), {nullptr, nullptr, [respond](const Status& status, bool) {
                                         HttpResponse response;
                                         response.status = status.ok() ? 200 : 502;
                                         respond(std::move(response));
                                       }});
  });
  options.threads = 1;
  auto front = Start(options);
  ASSERT_NE(front, nullptr);
  auto r = testing::RoundTrip(front->port(), "GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(client->IdleConnections(), 1u);
  upstream.reset();  // the engine exits: it closes its side of the idle connection
  const auto start = std::chrono::steady_clock::now();
  while (client->IdleConnections() != 0 &&
         std::chrono::steady_clock::now() - start < milliseconds(5000)) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(client->IdleConnections(), 0u) << "an idle connection to a gone engine stayed";
  front->Stop();
}

// Descriptors this process has open.
int OpenFds() {
  int n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr) ++n;
    closedir(dir);
  }
  return n - 3;  // ".", ".." and the directory's own descriptor
}

bool WaitFor(const std::function<bool()>& condition, milliseconds timeout = milliseconds(3000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

// Leaves `n` kept-alive connections to `upstream` idle in the client's pool.
void MakeIdleConnections(UpstreamClient& client, const Upstream& upstream, int n) {
  std::vector<std::unique_ptr<Collector>> calls;
  for (int i = 0; i < n; ++i) {
    calls.push_back(std::make_unique<Collector>());
    client.Send(Post(upstream.port(), "/stream"), calls.back()->Handlers());
  }
  for (auto& c : calls) ASSERT_TRUE(c->WaitDone());
}

// Descriptors open once calls have run: an engine was started, called and stopped, so what the
// process opens once and keeps (e.g. the resolver's and random device's) is counted.
int BaselineFds(UpstreamClient& client) {
  {
    Upstream warm_up;
    Collector c;
    client.Send(Post(warm_up.port(), "/json"), c.Handlers());
    EXPECT_TRUE(c.WaitDone());
  }
  EXPECT_TRUE(WaitFor([&] { return client.IdleConnections() == 0; }));
  return OpenFds();
}

// Defect 3 of issue 9: idle connections to an engine that exited stayed in CLOSE-WAIT forever.
TEST(UpstreamClientPoolTest, EngineClosingIdleConnectionsEmptiesThePool) {
  auto client = StartUpstreamClient({2, 256});
  const int baseline = BaselineFds(*client);
  auto upstream = std::make_unique<Upstream>();
  MakeIdleConnections(*client, *upstream, 8);
  EXPECT_EQ(client->IdleConnections(), 8u);
  upstream.reset();  // the engine exits: it closes its side of every connection
  EXPECT_TRUE(WaitFor([&] { return client->IdleConnections() == 0; }))
      << client->IdleConnections() << " idle connections to a gone engine";
  EXPECT_TRUE(WaitFor([&] { return OpenFds() <= baseline; })) << OpenFds() << " > " << baseline;
}

TEST(UpstreamClientPoolTest, CreateCallDeleteCyclesDoNotLeakDescriptors) {
  auto client = StartUpstreamClient();
  const int baseline = BaselineFds(*client);
  for (int cycle = 0; cycle < 20; ++cycle) {
    auto upstream = std::make_unique<Upstream>();
    MakeIdleConnections(*client, *upstream, 3);
  }
  EXPECT_TRUE(WaitFor([&] { return OpenFds() <= baseline; })) << OpenFds() << " > " << baseline;
  EXPECT_EQ(client->IdleConnections(), 0u);
}

TEST(UpstreamClientPoolTest, ForgetEndpointClosesItsIdleConnections) {
  Upstream upstream;
  Upstream other;
  auto client = StartUpstreamClient();
  MakeIdleConnections(*client, upstream, 4);
  MakeIdleConnections(*client, other, 2);
  ASSERT_EQ(client->IdleConnections(), 6u);
  client->ForgetEndpoint("127.0.0.2", upstream.port());  // another address, the same port
  ASSERT_EQ(client->IdleConnections(), 6u);
  const int before = OpenFds();
  client->ForgetEndpoint("127.0.0.1", upstream.port());
  EXPECT_EQ(client->IdleConnections(), 2u);  // the other engine's stay
  // Our four sockets close, and the engine closes its four ends in turn.
  EXPECT_TRUE(WaitFor([&] { return OpenFds() <= before - 8; })) << OpenFds();
  // The endpoint still works when called again: a new connection.
  Collector c;
  client->Send(Post(upstream.port(), "/json"), c.Handlers());
  ASSERT_TRUE(c.WaitDone());
  EXPECT_TRUE(c.result.ok()) << c.result.ToString();
  EXPECT_EQ(client->IdleConnections(), 3u);
}

}  // namespace
}  // namespace berth
