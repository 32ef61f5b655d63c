#include "http/connection_pool.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "http/io_loops.h"

namespace berth::http_internal {

std::optional<tcp::socket> ConnectionPool::Take(const Key& key) {
  std::lock_guard lock(mu_);
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return std::nullopt;
  Entry entry = std::move(it->second.back());
  it->second.pop_back();
  --count_;
  entry->taken = true;
  return std::move(entry->socket);
}

void ConnectionPool::Put(const Key& key, tcp::socket socket, bool server_loop) {
  auto entry = std::make_shared<IdleConnection>(std::move(socket));
  if (!server_loop) {
    // Started before the entry is visible to Take(), so no other thread touches the socket yet;
    // the handler runs on this same executor, so not before this returns.
    entry->socket.async_wait(tcp::socket::wait_read,
                             [weak = weak_from_this(), key, entry](error_code) {
                               if (auto pool = weak.lock()) pool->OnIdleWakeup(key, entry);
                             });
  }
  std::lock_guard lock(mu_);
  if (server_loop && watched_.insert(key.first).second) {
    // A server's loop may end before this pool: drop its connections first.
    std::weak_ptr<ConnectionPool> weak = weak_from_this();
    OnIoLoopEnd(key.first, [weak, loop = key.first] {
      if (auto pool = weak.lock()) pool->DropLoop(loop);
    });
    sweeps_[key.first] = std::make_unique<asio::steady_timer>(*key.first);
    ScheduleSweep(key.first);
  }
  std::vector<Entry>& list = idle_[key];
  if (list.size() >= max_idle_) return Release(entry);
  list.push_back(std::move(entry));
  ++count_;
}

void ConnectionPool::Forget(const std::string& host, int port) {
  // Pods all listen on one port: only the connections to that pod's address go.
  auto address = [](const std::string& h) { return h.empty() ? std::string("127.0.0.1") : h; };
  std::lock_guard lock(mu_);
  for (auto it = idle_.begin(); it != idle_.end();) {
    if (it->first.second.second != port || address(it->first.second.first) != address(host)) {
      ++it;
      continue;
    }
    for (Entry& entry : it->second) Release(entry);
    count_ -= it->second.size();
    it = idle_.erase(it);
  }
}

size_t ConnectionPool::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

// The idle wait ended: the engine closed the connection (or sent something unasked for, which
// makes it unusable too), unless a call or a drop took the socket first.
void ConnectionPool::OnIdleWakeup(const Key& key, const Entry& entry) {
  std::lock_guard lock(mu_);
  if (entry->taken) return;
  entry->taken = true;
  std::vector<Entry>& list = idle_[key];
  list.erase(std::remove(list.begin(), list.end(), entry), list.end());
  --count_;
  error_code ignored;
  entry->socket.close(ignored);  // on its executor: this handler runs there
}

void ConnectionPool::ScheduleSweep(asio::io_context* loop) {
  asio::steady_timer& timer = *sweeps_[loop];
  timer.expires_after(kIdleCheckInterval);
  timer.async_wait([weak = weak_from_this(), loop](error_code ec) {
    if (ec) return;
    if (auto pool = weak.lock()) pool->Sweep(loop);
  });
}

// On `loop`'s thread, which alone uses its idle sockets: a socket that reads anything (the
// engine's FIN, or bytes nobody asked for) without waiting is no longer usable.
void ConnectionPool::Sweep(asio::io_context* loop) {
  std::lock_guard lock(mu_);
  if (!sweeps_.contains(loop)) return;
  for (auto it = idle_.lower_bound({loop, {}}); it != idle_.end() && it->first.first == loop;
       ++it) {
    std::erase_if(it->second, [&](const Entry& entry) {
      char byte;
      const ssize_t got = ::recv(entry->socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
      entry->taken = true;
      error_code ignored;
      entry->socket.close(ignored);
      --count_;
      return true;
    });
  }
  ScheduleSweep(loop);
}

// Closes a socket that may have its idle wait pending, from any thread. Called under mu_, which
// also keeps a server's loop alive meanwhile (DropLoop takes mu_ before the loop ends).
void ConnectionPool::Release(const Entry& entry) {
  entry->taken = true;
  asio::post(entry->socket.get_executor(), [entry] {
    error_code ignored;
    entry->socket.close(ignored);
  });
}

// The loop's threads have ended: its sockets may be closed from here.
void ConnectionPool::DropLoop(asio::io_context* loop) {
  std::lock_guard lock(mu_);
  for (auto it = idle_.begin(); it != idle_.end();) {
    if (it->first.first != loop) {
      ++it;
      continue;
    }
    for (Entry& entry : it->second) {
      entry->taken = true;
      error_code ignored;
      entry->socket.close(ignored);
    }
    count_ -= it->second.size();
    it = idle_.erase(it);
  }
  watched_.erase(loop);
  sweeps_.erase(loop);  // the loop has stopped: its pending wait is destroyed with it
}

}  // namespace berth::http_internal
