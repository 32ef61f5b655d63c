// ConnectionPool: the upstream client's idle kept-alive connections, by event loop and port.
// A connection is bound to the loop it was made on, so it is reused only by calls on that loop.
// While a connection waits in the pool, a wait for readability runs on it: an engine that
// closes it (it exited, or timed the connection out) makes it readable, and the pool drops it
// instead of holding a CLOSE-WAIT socket forever. Thread-safe. Internal to src/http/.
#pragma once

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

  // An idle connection of `key`, if any. The caller must cancel the socket's idle wait on the
  // socket's executor before using it.
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

  const size_t max_idle_;
  mutable std::mutex mu_;
  std::map<Key, std::vector<Entry>> idle_;  // guarded by mu_
  std::set<asio::io_context*> watched_;     // loops with an end hook; guarded by mu_
  size_t count_ = 0;                        // guarded by mu_
};

}  // namespace berth::http_internal
