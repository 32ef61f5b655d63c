#include "http/upstream_client.h"

#include <algorithm>
#include <array>
#include <boost/beast/core/flat_static_buffer.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/recycling_allocator.h"
#include "common/thread_name.h"
#include "http/answer_parser.h"
#include "http/beast_asio.h"
#include "http/connection_pool.h"
#include "http/deadline_sweep.h"
#include "http/http_message.h"
#include "http/io_loops.h"
#include "http/send_now.h"

namespace berth {
namespace {

using http_internal::AnswerParser;
using http_internal::ConnectionPool;
using http_internal::DeadlineSweep;
using http_internal::error_code;
using http_internal::tcp;
namespace asio = http_internal::asio;
namespace beast = http_internal::beast;
namespace http = http_internal::http;

constexpr size_t kReadChunk = 16 << 10;
// The engine's answer is read into one chunk (so a head must fit in it) and its body parsed into
// another. Beast's growing flat_buffer read 512 bytes at a time: a streamed answer's events that
// arrived together took several reads, each handed on as a write of its own.
constexpr std::uint32_t kMaxHeaderBytes = kReadChunk;
// Read chunks kept for reuse per thread (two per call under way): a 16 KB allocation per call
// takes malloc's slow path (bins and consolidation, past the per-thread cache) on every request.
constexpr size_t kCachedChunks = 128;

using Chunk = std::array<char, kReadChunk>;  // not zeroed: only what the parser wrote is read

// The calling thread's list for the answers' head fields: its strings keep their storage from
// call to call. A head is parsed and handed to on_head in one go, on one thread, so calls never
// share it; but a call's reads may complete on either thread of the client's own loop, so each
// put of a head is given the list of the thread that makes it (AnswerParser::SetFields).
HeaderList& AnswerFields() {
  thread_local HeaderList fields;
  return fields;
}

struct ChunkReturn {
  void operator()(Chunk* chunk) const;
};
using ChunkPtr = std::unique_ptr<Chunk, ChunkReturn>;

// The calling thread's cache; null while the thread exits (a chunk dropped then is freed).
thread_local bool chunk_cache_gone = false;
std::vector<std::unique_ptr<Chunk>>* ChunkCache() {
  struct Cache {
    ~Cache() { chunk_cache_gone = true; }
    std::vector<std::unique_ptr<Chunk>> chunks;
  };
  thread_local Cache cache;
  return chunk_cache_gone ? nullptr : &cache.chunks;
}

// A chunk from this thread's cache, or a new one.
ChunkPtr TakeChunk() {
  std::vector<std::unique_ptr<Chunk>>* cache = ChunkCache();
  if (cache == nullptr || cache->empty()) return ChunkPtr(new Chunk);
  ChunkPtr chunk(cache->back().release());
  cache->pop_back();
  return chunk;
}

// Back into the cache of the thread that drops it (usually the loop that took it).
void ChunkReturn::operator()(Chunk* chunk) const {
  std::vector<std::unique_ptr<Chunk>>* cache = ChunkCache();
  if (cache != nullptr && cache->size() < kCachedChunks) {
    cache->emplace_back(chunk);
  } else {
    delete chunk;
  }
}

// One request/response exchange. Every step runs on the call's executor: the plain executor of a
// server loop (one thread, so no strand is needed), or a strand of the client's own loop (which
// may have several threads). Each async operation holds a shared_ptr to the call, so it lives
// until the last one completes.
class Call final : public UpstreamCall, public std::enable_shared_from_this<Call> {
 public:
  // `loop` runs the call; `idle`, when given, is a kept-alive connection of that loop to reuse
  // (the call then runs on its executor). `server_loop`: the loop is an HTTP server's.
  Call(asio::io_context& loop, bool server_loop, std::optional<tcp::socket> idle,
       std::shared_ptr<ConnectionPool> pool, UpstreamRequest request, UpstreamHandlers handlers)
      : loop_(loop),
        server_loop_(server_loop),
        executor_(idle          ? idle->get_executor()
                  : server_loop ? asio::any_io_executor(loop.get_executor())
                                : asio::any_io_executor(asio::make_strand(loop))),
        pool_(std::move(pool)),
        request_(std::move(request)),
        handlers_(std::move(handlers)),
        socket_(idle ? std::move(*idle) : tcp::socket(executor_)),
        timer_(executor_),
        reused_(socket_.is_open()) {
    // On a server's loop the loop's sweep keeps the deadline: no timer armed and cancelled for
    // every read (one per chunk of a stream).
    if (DeadlineSweep* sweep = server_loop ? http_internal::CurrentDeadlineSweep() : nullptr) {
      deadline_.emplace(*sweep, [this] { OnDeadline(); });
    }
  }

  void Start() {
    BuildRequest();
    asio::dispatch(executor_, [self = shared_from_this()] { self->Connect(); });
  }

  void Cancel() override { Stop(/*shutdown=*/false); }

  // Ends the call for shutdown (AbortAll).
  void Abort() { Stop(/*shutdown=*/true); }

 private:
  std::string Address() const { return request_.host.empty() ? "127.0.0.1" : request_.host; }

  void BuildRequest() {
    const std::string host = Address() + ":" + std::to_string(request_.port);
    // The usual request is written by hand (as Beast would: http_message.h), without Beast's
    // header map and serializer; Beast keeps the unusual ones.
    by_hand_ =
        http_internal::SerializeUpstreamHead(request_.method, request_.target, host,
                                             request_.headers, request_.body.size(), request_head_);
    if (by_hand_) return;
    http::verb verb = http::string_to_verb(request_.method);
    beast_request_ = {verb == http::verb::unknown ? http::verb::post : verb, request_.target, 11};
    beast_request_.set(http::field::host, host);
    for (const auto& [name, value] : request_.headers) beast_request_.set(name, value);
    beast_request_.body() = std::move(request_.body);
    beast_request_.keep_alive(true);
    beast_request_.prepare_payload();
  }

  void Stop(bool shutdown) {
    asio::dispatch(executor_, [self = shared_from_this(), shutdown] {
      if (self->done_) return;
      self->cancelled_ = true;
      self->shutdown_ = shutdown;
      self->CloseSocket();
      self->Disarm();
    });
  }

  // Sends on the kept-alive connection the call was given, else connects.
  void Connect() {
    if (reused_) {
      error_code ignored;
      // The pool's idle wait (none on a server's loop): its handler sees the socket was taken.
      if (!server_loop_) socket_.cancel(ignored);
      Write();
      return;
    }
    Arm(request_.connect_timeout);
    error_code bad_host;
    asio::ip::address address = asio::ip::make_address(Address(), bad_host);
    if (bad_host) return Fail("bad engine address", bad_host, /*nothing_sent=*/true);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(request_.port));
    if (by_hand_ && ConnectAndSend(endpoint)) return;
    socket_.async_connect(endpoint, [self = shared_from_this()](error_code ec) {
      self->Disarm();
      if (ec) return self->Fail("cannot connect", ec, /*nothing_sent=*/true);
      error_code ignored;
      self->socket_.set_option(tcp::no_delay(true), ignored);
      self->Write();
    });
  }

  // Connects without waiting to be told the connection is up. A loopback connection (an engine
  // on this machine) is usually established by the time connect() returns, so the request goes
  // at once, where async_connect cost every new connection a wait for writability (an epoll_ctl
  // and an epoll_wait), a getsockopt and a turn of the loop: under a burst of new streams, that
  // turn comes after everything else queued. Elsewhere (a pod's address) the first send finds
  // the connection not up yet and the write waits for it. False when the socket cannot be set
  // up this way (the caller connects as usual); otherwise the call goes on from here.
  bool ConnectAndSend(const tcp::endpoint& endpoint) {
    error_code ec;
    socket_.open(endpoint.protocol(), ec);
    if (!ec) socket_.non_blocking(true, ec);
    if (ec) {
      CloseSocket();
      return false;
    }
    socket_.set_option(tcp::no_delay(true), ec);
    int rc;
    do {
      rc = ::connect(socket_.native_handle(), endpoint.data(), endpoint.size());
    } while (rc != 0 && errno == EINTR);
    if (rc != 0 && errno != EINPROGRESS) {
      Fail("cannot connect", error_code(errno, asio::error::get_system_category()),
           /*nothing_sent=*/true);
      return true;
    }
    connecting_ = rc != 0;
    Write();
    return true;
  }

  void Write() {
    // Until the connection is known to be up, the connect timeout applies.
    Arm(connecting_ ? request_.connect_timeout : request_.read_timeout);
    auto on_written = [self = shared_from_this()](error_code ec, size_t written) {
      // Nothing written on a connection not yet up: the engine refused it (or never answered).
      if (ec && self->connecting_ && written == 0) {
        return self->Fail("cannot connect", ec, /*nothing_sent=*/true);
      }
      if (ec) return self->RetryOrFail("cannot send", ec);
      if (std::exchange(self->connecting_, false)) self->Arm(self->request_.read_timeout);
      self->ReadHeader();
    };
    if (!by_hand_) return http::async_write(socket_, beast_request_, std::move(on_written));
    request_buffers_.assign({asio::buffer(request_head_), asio::buffer(request_.body)});
    // Sent at once when the socket takes it all (the usual case), without Asio's write
    // operation. The read for the answer starts a turn of the loop later, as after an
    // async_write: started at once, it would only find the engine had not answered yet.
    const size_t size = asio::buffer_size(request_buffers_);
    if (http_internal::SendNow(socket_, request_buffers_)) {
      if (std::exchange(connecting_, false)) Arm(request_.read_timeout);
      return asio::post(executor_, [self = shared_from_this()] { self->ReadHeader(); });
    }
    if (connecting_ && asio::buffer_size(request_buffers_) < size) {  // some went: it is up
      connecting_ = false;
      Arm(request_.read_timeout);
    }
    asio::async_write(socket_, request_buffers_, std::move(on_written));
  }

  void ReadHeader() {
    parser_.emplace(AnswerFields());
    parser_->header_limit(kMaxHeaderBytes);
    // Not boost::none: Boost 1.74 compares a Content-Length with the optional and rejects it.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->eager(false);
    ParseHeader();
  }

  // Parses the head from what is buffered, reading more until it is whole. Beast may take the
  // status line early, but parses the fields only in the put that has all of them.
  void ParseHeader() {
    if (buffer_.size() > 0) {
      error_code ec;
      parser_->SetFields(AnswerFields());
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (!ec && parser_->is_header_done()) return OnHeader();
      if (ec && ec != http::error::need_more) return RetryOrFail("no answer", ec);
    }
    ReadSome([](Call& self, error_code ec) {
      if (ec == asio::error::eof) ec = self.AtEndOfStream();
      if (ec) return self.RetryOrFail("no answer", ec);
      self.ParseHeader();
    });
  }

  // What Beast's read says when the engine ends its stream: end_of_stream before any byte of an
  // answer, partial_message in the middle of one, nothing at the end of a body framed by the end
  // of the stream (which the parser is then done with).
  error_code AtEndOfStream() {
    if (!parser_->got_some()) return http::error::end_of_stream;
    error_code ec;
    parser_->put_eof(ec);
    return ec;
  }

  // One read from the engine into buffer_, then `next` (an end of stream is an error here; the
  // caller decides what it means). What Beast's async_read_header and async_read_some do for a
  // read, without their composed operations: each layer of those copied the type-erased
  // executor and a work guard, on every read of every call.
  template <typename Next>
  void ReadSome(Next next) {
    const size_t space = buffer_.max_size() - buffer_.size();
    if (space == 0) return next(*this, http::error::buffer_overflow);  // a head over 16 KB
    socket_.async_read_some(buffer_.prepare(space),
                            [self = shared_from_this(), next](error_code ec, size_t bytes) {
                              self->buffer_.commit(bytes);
                              next(*self, ec);
                            });
  }

  void OnHeader() {
    got_bytes_ = true;
    if (handlers_.on_head) handlers_.on_head(parser_->status(), parser_->fields());
    ReadBody();
  }

  // Reads the body. What is already buffered (often all of it: an engine's head and body tend to
  // arrive in one read) is parsed and handed on at once, as Beast's read would, but without a
  // completion posted for the next turn of the loop; only what is not there yet is read.
  void ReadBody() {
    for (;;) {
      if (parser_->is_done()) return Complete();
      if (!chunk_) chunk_ = TakeChunk();
      parser_->SetBodyBuffer(chunk_->data(), chunk_->size());
      if (buffer_.size() == 0 || cancelled_) break;
      error_code ec;
      ParseBuffered(ec);
      const size_t got = chunk_->size() - parser_->body_space();
      if (got == 0 && !ec) break;  // e.g. a chunk's size line not whole yet: read on
      if (!HandOn(got, ec)) return;
    }
    if (ended_) {  // everything the engine sent is parsed
      error_code ec = AtEndOfStream();
      if (!ec && parser_->is_done()) return Complete();
      return Fail("the answer broke off", ec ? ec : http::error::partial_message,
                  /*nothing_sent=*/false);
    }
    Arm(request_.read_timeout);
    ReadSome([](Call& self, error_code ec) { self.OnBody(ec); });
  }

  void OnBody(error_code ec) {
    if (ec == asio::error::eof) {  // ReadBody decides what it means once the rest is parsed
      ended_ = true;
      ec = {};
    }
    if (!ec) ParseBuffered(ec);
    if (HandOn(chunk_->size() - parser_->body_space(), ec)) ReadBody();
  }

  // Hands `got` parsed body bytes to on_data; false when `ec` ended the call.
  bool HandOn(size_t got, error_code ec) {
    if (got > 0 && handlers_.on_data && !cancelled_) {
      handlers_.on_data(std::string_view(chunk_->data(), got), !ec && parser_->is_done());
    }
    if (ec == http::error::need_buffer) ec = {};
    if (!ec) return true;
    Fail("the answer broke off", ec, /*nothing_sent=*/false);
    return false;
  }

  // A read of the body parses one chunk of a chunked answer; the chunks already buffered behind
  // it are parsed here too, so a streamed answer's events that arrived together are handed on
  // together, where one at a time each cost a posted completion and a write to the client. (The
  // parser's eager mode would parse on, but then waits for the next chunk's size line before
  // handing on the body it has.)
  void ParseBuffered(error_code& ec) {
    while (buffer_.size() > 0 && !parser_->is_done() && parser_->body_space() > 0) {
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) ec = {};
      if (ec || used == 0) return;
    }
  }

  void Complete() {
    Disarm();
    // Beast's keep_alive() is also false for a body the end of the stream framed.
    if (parser_->keep_alive() && !cancelled_ && buffer_.size() == 0) {
      pool_->Put({&loop_, {request_.host, request_.port}}, std::move(socket_), server_loop_);
    } else {
      CloseSocket();
    }
    Done(Status::Ok(), false);
  }

  // A kept-alive connection the engine closed meanwhile fails before any answer: that is not
  // the engine refusing the request, so it is sent again on a new connection.
  void RetryOrFail(const char* what, error_code ec) {
    if (reused_ && !got_bytes_ && !cancelled_ && !timed_out_) {
      CloseSocket();
      buffer_.clear();
      socket_ = tcp::socket(executor_);
      reused_ = false;
      Connect();
      return;
    }
    Fail(what, ec, /*nothing_sent=*/false);
  }

  void Fail(const char* what, error_code ec, bool nothing_sent) {
    Disarm();
    CloseSocket();
    if (cancelled_)
      return Done(Aborted(shutdown_ ? kShutdownAbortMessage : "cancelled"), nothing_sent);
    std::string where = "engine on port " + std::to_string(request_.port);
    if (timed_out_) {
      return Done(DeadlineExceeded(where + " did not answer in time (" + what + ")"), nothing_sent);
    }
    Done(Unavailable(where + ": " + what + ": " + ec.message()), nothing_sent);
  }

  void Done(const Status& status, bool nothing_sent) {
    if (done_) return;
    done_ = true;
    UpstreamHandlers handlers = std::move(handlers_);
    if (handlers.on_done) handlers.on_done(status, nothing_sent);
  }

  void Arm(std::chrono::milliseconds timeout) {
    if (deadline_) return deadline_->Arm(timeout);
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->OnDeadline();  // else cancelled: the operation finished first
    });
  }

  void Disarm() {
    if (deadline_) return deadline_->Disarm();
    timer_.cancel();
  }

  void OnDeadline() {
    if (done_) return;
    timed_out_ = true;
    CloseSocket();
  }

  void CloseSocket() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::io_context& loop_;
  const bool server_loop_;
  asio::any_io_executor executor_;
  const std::shared_ptr<ConnectionPool> pool_;
  UpstreamRequest request_;
  UpstreamHandlers handlers_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  ChunkPtr raw_ = TakeChunk();  // the bytes read from the engine, not parsed yet
  beast::flat_static_buffer_base buffer_{raw_->data(), raw_->size()};
  http::request<http::string_body> beast_request_;  // unless by_hand_
  bool by_hand_ = false;                            // request_head_ and request_.body go out
  std::string request_head_;
  std::vector<asio::const_buffer> request_buffers_;  // what of the request is still to be sent
  std::optional<AnswerParser> parser_;
  ChunkPtr chunk_;  // from the thread's cache once the body is read
  bool reused_;     // the connection was kept alive from an earlier call
  bool got_bytes_ = false;
  bool ended_ = false;       // the engine ended its stream (read returned end of file)
  bool connecting_ = false;  // connect() is under way (ConnectAndSend): nothing known sent yet
  bool cancelled_ = false;
  bool shutdown_ = false;  // cancelled by AbortAll
  bool timed_out_ = false;
  bool done_ = false;
  // Last, so it leaves the sweep before the rest of the call goes.
  std::optional<DeadlineSweep::Entry> deadline_;
};

class BeastUpstreamClient final : public UpstreamClient {
 public:
  explicit BeastUpstreamClient(UpstreamClientOptions options) : work_(asio::make_work_guard(ioc_)) {
    for (Shard& shard : shards_) {
      shard.pool = std::make_shared<ConnectionPool>(options.max_idle_per_port);
    }
    int threads = std::max(1, options.threads);
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        NameThisThread("berth-upstream");
        http_internal::RunIoLoop(ioc_, "upstream client");
      });
    }
  }

  ~BeastUpstreamClient() override {
    work_.reset();
    ioc_.stop();
    for (std::thread& t : threads_) t.join();
  }

  // On an HTTP server thread the call runs on that thread's loop (no thread hop for the
  // gateway); elsewhere on the client's own threads.
  std::shared_ptr<UpstreamCall> Send(UpstreamRequest request, UpstreamHandlers handlers) override {
    asio::io_context* server_loop = http_internal::CurrentIoLoop();
    asio::io_context& loop = server_loop ? *server_loop : ioc_;
    Shard& shard = ShardOf(&loop);
    std::optional<tcp::socket> idle = shard.pool->Take({&loop, {request.host, request.port}});
    auto call = std::allocate_shared<Call>(RecyclingAllocator<Call>(), loop, server_loop != nullptr,
                                           std::move(idle), shard.pool, std::move(request),
                                           std::move(handlers));
    call->Start();
    Track(shard, call);
    return call;
  }

  void AbortAll() override {
    for (Shard& shard : shards_) {
      std::vector<std::weak_ptr<Call>> calls;
      {
        std::lock_guard lock(shard.mu);
        calls.swap(shard.calls);
      }
      for (const auto& weak : calls) {
        if (auto call = weak.lock()) call->Abort();
      }
    }
  }

  size_t IdleConnections() const override {
    size_t idle = 0;
    for (const Shard& shard : shards_) idle += shard.pool->count();
    return idle;
  }

  void ForgetEndpoint(const std::string& host, int port) override {
    for (Shard& shard : shards_) shard.pool->Forget(host, port);
  }

 private:
  // The pool and the call list are split by event loop, so the network threads, each running
  // its own loop, do not share a lock on every request. A loop's connections live in its shard.
  struct Shard {
    std::shared_ptr<ConnectionPool> pool;
    std::mutex mu;
    std::vector<std::weak_ptr<Call>> calls;  // guarded by mu
    size_t prune_at = 64;                    // guarded by mu
  };
  static constexpr size_t kShards = 8;

  Shard& ShardOf(const asio::io_context* loop) {
    // io_contexts are separate allocations: drop the low bits every address shares.
    return shards_[(reinterpret_cast<uintptr_t>(loop) >> 8) % kShards];
  }

  // Remembers a call for AbortAll; finished calls are pruned as the list grows.
  static void Track(Shard& shard, const std::shared_ptr<Call>& call) {
    std::lock_guard lock(shard.mu);
    if (shard.calls.size() >= shard.prune_at) {
      std::erase_if(shard.calls, [](const std::weak_ptr<Call>& c) { return c.expired(); });
      shard.prune_at = std::max<size_t>(64, shard.calls.size() * 2);
    }
    shard.calls.push_back(call);
  }

  asio::io_context ioc_;
  std::array<Shard, kShards> shards_;  // before the calls that share their pools
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<UpstreamClient> StartUpstreamClient(UpstreamClientOptions options) {
  return std::make_unique<BeastUpstreamClient>(options);
}

}  // namespace berth
