#include "http/http_server.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/thread_name.h"
#include "http/beast_asio.h"
#include "http/http_session.h"
#include "http/io_loops.h"

namespace berth {
namespace {

namespace asio = boost::asio;
using http_internal::DeadlineSweep;
using http_internal::error_code;
using http_internal::HttpSession;
using http_internal::RunIoLoopEndHooks;
using http_internal::ServerShared;
using http_internal::SetCurrentIoLoop;
using http_internal::tcp;

// Pause before accepting again after an accept error such as EMFILE, instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Most connections taken at once after one accept completes (AcceptBurst).
constexpr int kAcceptBurst = 64;

int ThreadCount(const HttpServerOptions& options) {
  if (options.threads > 0) return options.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

std::vector<std::unique_ptr<asio::io_context>> MakeLoops(int n) {
  std::vector<std::unique_ptr<asio::io_context>> loops;
  for (int i = 0; i < n; ++i) loops.push_back(std::make_unique<asio::io_context>(1));
  return loops;
}

// HttpServer on Boost.Beast: one event loop (io_context) per thread, as nginx runs one per
// worker, so a connection and everything its requests start (an upstream call of the gateway)
// stay on one thread. The acceptor runs on the first loop and gives each connection to the loop
// with the fewest open connections, the first on a tie: a lone connection is served by the
// thread that accepted it (no hand-off), and connections that stay open spread over the loops
// however they arrive (together, or one by one as a client's pool grows).
// A loop has one thread, so nothing needs a strand: handlers run on the plain io_context executor
// (a strand would queue every completion a second time and take its lock).
class BeastHttpServer final : public HttpServer {
 public:
  explicit BeastHttpServer(std::shared_ptr<ServerShared> shared)
      : shared_(std::move(shared)),
        loops_(MakeLoops(ThreadCount(shared_->options))),
        acceptor_(std::make_unique<tcp::acceptor>(*loops_.front())),
        accept_retry_(std::make_unique<asio::steady_timer>(acceptor_->get_executor())) {
    for (const auto& loop : loops_) {
      sweeps_.push_back(std::make_unique<DeadlineSweep>(*loop));
      loop_connections_.push_back(std::make_unique<std::atomic<size_t>>(0));
    }
  }
  ~BeastHttpServer() override { Stop(); }

  Status Listen();
  void Run();
  int port() const override { return port_; }
  void Stop() override;

 private:
  StatusOr<tcp::endpoint> ResolveListenEndpoint();
  void DoAccept();
  void OnAccept(error_code ec, tcp::socket socket);
  size_t LeastLoadedLoop() const;
  std::optional<tcp::socket> HandOver(size_t loop, tcp::socket socket);
  void StartSession(size_t loop, tcp::socket socket, const tcp::endpoint& remote);
  void AcceptBurst();
  void Shed(tcp::socket socket);
  void CloseAcceptor();
  // Whether no request is in flight within `timeout`.
  bool WaitInFlight(std::chrono::milliseconds timeout);
  int InFlight();
  void AbortInFlight();
  void EndIo();
  void ReleaseSessions();
  bool OnServerThread() const;

  const std::shared_ptr<ServerShared> shared_;
  // Each loop's deadlines; they outlive the loops, whose destruction may end sessions.
  std::vector<std::unique_ptr<DeadlineSweep>> sweeps_;
  // Each loop's open connections (its sessions count themselves); read by the acceptor.
  std::vector<std::unique_ptr<std::atomic<size_t>>> loop_connections_;
  // Declared before the objects that use them, so they are destroyed after them.
  std::vector<std::unique_ptr<asio::io_context>> loops_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> accept_retry_;
  // The peer's address, filled by the pending accept (accept() returns it: no getpeername).
  tcp::endpoint accepted_peer_;  // on the first loop
  bool accept_failing_ = false;  // on the first loop
  uint64_t shed_ = 0;            // connections refused over the cap; on the first loop
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::mutex stop_mu_;
  bool stopped_ = false;  // guarded by stop_mu_
};

StatusOr<tcp::endpoint> BeastHttpServer::ResolveListenEndpoint() {
  const HttpServerOptions& options = shared_->options;
  const auto port = static_cast<unsigned short>(options.port);
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (!ec) return tcp::endpoint(address, port);
  tcp::resolver resolver(*loops_.front());
  const auto results = resolver.resolve(options.host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return Unavailable(fmt::format("cannot resolve listen host {}: {}", options.host,
                                   ec ? ec.message() : "no addresses"));
  }
  return results.begin()->endpoint();
}

Status BeastHttpServer::Listen() {
  const HttpServerOptions& options = shared_->options;
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgument(fmt::format("invalid listen port {}", options.port));
  }
  ASSIGN_OR_RETURN(const tcp::endpoint endpoint, ResolveListenEndpoint());
  const auto fail = [&](const error_code& ec) {
    return Unavailable(
        fmt::format("cannot listen on {}:{}: {}", options.host, options.port, ec.message()));
  };
  error_code ec;
  acceptor_->open(endpoint.protocol(), ec);
  if (ec) return fail(ec);
  acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail(ec);
  acceptor_->bind(endpoint, ec);
  if (ec) return fail(ec);
  acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  acceptor_->non_blocking(true, ec);  // for AcceptBurst; async accepts work either way
  if (ec) return fail(ec);
  port_ = acceptor_->local_endpoint(ec).port();
  if (ec) return fail(ec);
  return Status::Ok();
}

void BeastHttpServer::Run() {
  DoAccept();
  threads_.reserve(loops_.size());
  for (size_t i = 0; i < loops_.size(); ++i) {
    threads_.emplace_back([ioc = loops_[i].get(), sweep = sweeps_[i].get(), i] {
      NameThisThread(fmt::format("berth-http-{}", i));
      SetCurrentIoLoop(ioc);
      http_internal::SetCurrentDeadlineSweep(sweep);
      // The work guard keeps run() going while no connection is open; Stop() ends it.
      auto work = asio::make_work_guard(*ioc);
      http_internal::RunIoLoop(*ioc, "http server");
    });
  }
}

void BeastHttpServer::DoAccept() {
  // Accepted onto the first loop; OnAccept moves it if another loop has fewer connections.
  acceptor_->async_accept(accepted_peer_, [this](error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void BeastHttpServer::OnAccept(error_code ec, tcp::socket socket) {
  if (!acceptor_->is_open()) return;
  if (ec) {
    // EMFILE/ENFILE and the like: pause instead of spinning; the connection waits in the
    // backlog. One warning per episode, not one per retry.
    if (!accept_failing_) LOG_WARN("http: accept failed: {}; retrying", ec.message());
    accept_failing_ = true;
    accept_retry_->expires_after(kAcceptRetryDelay);
    accept_retry_->async_wait([this](error_code wait_ec) {
      if (!wait_ec && acceptor_->is_open()) DoAccept();
    });
    return;
  }
  if (std::exchange(accept_failing_, false)) LOG_INFO("http: accepting connections again");
  const size_t cap = shared_->options.max_connections;
  if (cap > 0 && shared_->connections.load(std::memory_order_relaxed) >= cap) {
    Shed(std::move(socket));
    return DoAccept();
  }
  const size_t loop = LeastLoadedLoop();
  if (loop == 0) {
    StartSession(0, std::move(socket), accepted_peer_);
  } else if (std::optional<tcp::socket> moved = HandOver(loop, std::move(socket))) {
    StartSession(loop, std::move(*moved), accepted_peer_);
  }
  AcceptBurst();
  DoAccept();
}

// The accepted socket (on the first loop) re-registered with `loop`'s reactor.
std::optional<tcp::socket> BeastHttpServer::HandOver(size_t loop, tcp::socket socket) {
  error_code ec;
  const tcp::socket::native_handle_type fd = socket.release(ec);  // on failure `socket` keeps it
  tcp::socket moved(*loops_[loop]);
  if (!ec) moved.assign(accepted_peer_.protocol(), fd, ec);
  if (!ec) return moved;
  if (fd >= 0 && !moved.is_open()) ::close(fd);
  LOG_ERROR("http: cannot hand a connection to another loop: {}", ec.message());
  return std::nullopt;
}

size_t BeastHttpServer::LeastLoadedLoop() const {
  size_t best = 0;
  for (size_t i = 1; i < loops_.size(); ++i) {
    if (loop_connections_[i]->load(std::memory_order_relaxed) <
        loop_connections_[best]->load(std::memory_order_relaxed)) {
      best = i;
    }
  }
  return best;
}

// `socket` runs on loops_[loop].
void BeastHttpServer::StartSession(size_t loop, tcp::socket socket, const tcp::endpoint& remote) {
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  try {
    std::make_shared<HttpSession>(*loops_[loop], *sweeps_[loop], *loop_connections_[loop],
                                  std::move(socket), remote, shared_)
        ->Start();
  } catch (const std::exception& e) {
    LOG_ERROR("http: cannot start a session: {}", e.what());
  }
}

// Connections that arrived together (512 streams opened at once) are taken in one go while the
// acceptor is awake, instead of one event-loop round trip each. The acceptor is non-blocking,
// so this stops at the first "would block" (or any error, which the next async accept reports).
void BeastHttpServer::AcceptBurst() {
  const size_t cap = shared_->options.max_connections;
  for (int i = 0; i < kAcceptBurst; ++i) {
    if (cap > 0 && shared_->connections.load(std::memory_order_relaxed) >= cap) return;
    const size_t loop = LeastLoadedLoop();  // counts the sessions started just before
    tcp::socket socket(*loops_[loop]);
    error_code ec;
    acceptor_->accept(socket, accepted_peer_, ec);
    if (ec) return;
    StartSession(loop, std::move(socket), accepted_peer_);
  }
}

// A connection over the cap: whatever the client already sent is read (so closing sends FIN, not
// a reset that could destroy the answer), a 503 goes out if the socket takes it at once, and the
// descriptor is released before the next accept. Nothing here waits.
void BeastHttpServer::Shed(tcp::socket socket) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nServer: berth\r\nRetry-After: 1\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 54\r\n"
      "Connection: close\r\n\r\nthe server has too many open connections; retry later\n";
  error_code ec;
  socket.non_blocking(true, ec);
  std::array<char, 4096> sink;
  for (int i = 0; i < 4 && !ec; ++i) socket.read_some(asio::buffer(sink), ec);
  socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  const uint64_t shed = ++shed_;
  if (shed == 1 || shed % 1000 == 0) {
    LOG_WARN("http: {} connection(s) refused so far: {} open, the cap (--max-connections)", shed,
             shared_->options.max_connections);
  }
}

void BeastHttpServer::CloseAcceptor() {
  auto closed = std::make_shared<std::promise<void>>();
  std::future<void> done = closed->get_future();
  asio::post(acceptor_->get_executor(), [this, closed] {
    error_code ec;
    acceptor_->close(ec);
    accept_retry_->cancel();
    closed->set_value();
  });
  // The io threads may all be busy in handlers; then the listener closes when they stop.
  done.wait_for(shared_->options.drain_timeout);
}

bool BeastHttpServer::WaitInFlight(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(shared_->mu);
  return shared_->drained.wait_for(lock, timeout, [&] { return shared_->in_flight == 0; });
}

int BeastHttpServer::InFlight() { return shared_->in_flight.load(); }

// The grace period is over: the owner ends its work first (the gateway's streams then close with
// an error event of their own), then requests still unanswered get a 503 from here.
void BeastHttpServer::AbortInFlight() {
  const HttpServerOptions& options = shared_->options;
  LOG_WARN("http: {} request(s) still running after the {} ms shutdown grace; ending them",
           InFlight(), options.drain_timeout.count());
  if (options.on_drain_timeout) {
    try {
      options.on_drain_timeout();
    } catch (const std::exception& e) {
      LOG_ERROR("http: on_drain_timeout threw: {}", e.what());
    }
    if (WaitInFlight(options.abort_timeout)) return;
  }
  // Only streams left (their producers end them, or closing does): nothing to answer.
  if (shared_->unanswered.load() == 0) return;
  std::vector<std::shared_ptr<HttpSession>> sessions;
  {
    std::lock_guard<std::mutex> lock(shared_->sessions_mu);
    for (const auto& [raw, weak] : shared_->sessions) {
      if (auto session = weak.lock()) sessions.push_back(std::move(session));
    }
  }
  for (const auto& session : sessions) {
    asio::post(session->loop(), [session] { session->AbortForShutdown(); });
  }
  sessions.clear();
  if (!WaitInFlight(options.abort_timeout)) {
    LOG_WARN("http: closing {} connection(s) still busy at shutdown", InFlight());
  }
}

void BeastHttpServer::EndIo() {
  // From here on responders drop their responses instead of touching the io_context.
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->io_alive = false;
}

void BeastHttpServer::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (OnServerThread()) {
    LOG_ERROR("http: HttpServer::Stop() called from a server thread; it would join itself");
    std::abort();
  }
  shared_->stopping = true;
  if (!threads_.empty()) {
    CloseAcceptor();
    if (!WaitInFlight(shared_->options.drain_timeout)) AbortInFlight();
  }
  EndIo();
  for (const auto& loop : loops_) loop->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  for (const auto& loop : loops_) RunIoLoopEndHooks(loop.get());
  ReleaseSessions();
  for (const auto& sweep : sweeps_) sweep->StopTimer();
  // Sessions still parked in the loops are destroyed with them, closing their sockets.
  accept_retry_.reset();
  acceptor_.reset();
  loops_.clear();
}

// Sessions still waiting for their handler hold themselves (HttpSession::answering_); with the
// loops stopped they are let go, to be destroyed here or with the loops' pending handlers.
void BeastHttpServer::ReleaseSessions() {
  std::vector<std::shared_ptr<HttpSession>> sessions;
  {
    std::lock_guard<std::mutex> lock(shared_->sessions_mu);
    for (const auto& [raw, weak] : shared_->sessions) {
      if (auto session = weak.lock()) sessions.push_back(std::move(session));
    }
  }
  for (const auto& session : sessions) session->ReleaseForShutdown();
}

bool BeastHttpServer::OnServerThread() const {
  for (const std::thread& thread : threads_) {
    if (thread.get_id() == std::this_thread::get_id()) return true;
  }
  return false;
}

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(HttpServerOptions options) {
  if (!options.handler) return InvalidArgument("HttpServerOptions.handler is required");
  try {
    auto server =
        std::make_unique<BeastHttpServer>(std::make_shared<ServerShared>(std::move(options)));
    RETURN_IF_ERROR(server->Listen());
    server->Run();
    return std::unique_ptr<HttpServer>(std::move(server));
  } catch (const std::exception& e) {
    return Internal(fmt::format("cannot start the HTTP server: {}", e.what()));
  }
}

}  // namespace berth
