// ConnectionPool: the upstream client's idle kept-alive connections, by event loop and port.
// A connection is bound to the loop it was made on, so it is reused only by calls on that loop.
// An engine that closes an idle connection (it exited, or timed the connection out) makes it
// readable, and the pool drops it instead of holding a CLOSE-WAIT socket forever: on an HTTP
// server's loop (the gateway's calls) a sweep every kIdleCheckInterval looks at that loop's idle
// connections (a wait per connection put back cost an epoll_ctl and two completions per
// request); on the client's own loop a wait for readability runs on each. A call that finds its
// connection closed anyway sends again on a new one (UpstreamClient). Thread-safe. Internal to
// src/http/.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "http/beast_asio.h"

namespace berth::http_internal {

inline constexpr std::chrono::milliseconds kIdleCheckInterval{1000};

// A kept-alive connection waiting in the pool.
struct IdleConnection {
  explicit IdleConnection(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  bool taken = false;  // guarded by the pool's mu_: a call or a drop owns the socket now
};

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  using Key = std::pair<asio::io_context*, std::pair<std::string, int>>;  // loop, (host, port)
  using Entry = std::shared_ptr<IdleConnection>;

  explicit ConnectionPool(size_t max_idle_per_port) : max_idle_(max_idle_per_port) {}

  // An idle connection of `key`, if any. Unless key's loop is a server's, the caller must cancel
  // the socket's idle wait on the socket's executor before using it.
  std::optional<tcp::socket> Take(const Key& key);
  // Keeps `socket` for reuse (or closes it if `key` has max_idle_per_port already). On the
  // socket's executor. `server_loop`: key's loop is an HTTP server's, which may end first.
  void Put(const Key& key, tcp::socket socket, bool server_loop);
  // Closes every idle connection to `host`:`port` (an empty host is 127.0.0.1), on each
  // socket's own executor.
  void Forget(const std::string& host, int port);
  size_t count() const;

 private:
  void OnIdleWakeup(const Key& key, const Entry& entry);
  static void Release(const Entry& entry);
  void DropLoop(asio::io_context* loop);
  // On `loop`'s thread, under mu_: its sweep, started with its first connection.
  void ScheduleSweep(asio::io_context* loop);
  void Sweep(asio::io_context* loop);

  const size_t max_idle_;
  mutable std::mutex mu_;
  std::map<Key, std::vector<Entry>> idle_;  // guarded by mu_
  std::set<asio::io_context*> watched_;     // loops with an end hook; guarded by mu_
  // Server loops' sweep timers, destroyed before their loops (DropLoop); guarded by mu_.
  std::map<asio::io_context*, std::unique_ptr<asio::steady_timer>> sweeps_;
  size_t count_ = 0;  // guarded by mu_
};

}  // namespace berth::http_internal
