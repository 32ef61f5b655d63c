// How many client connections the HTTP server may hold open: the requested cap, clamped so
// that the descriptors berth needs for its own work (the store, engine processes and their
// logs, and one engine connection per client request) are always left. Pure functions except
// ReadFdLimit; any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace berth {

// Descriptors kept for the store, the runtime, logs and the listener whatever the limit.
inline constexpr uint64_t kFdReserve = 256;
// Client connections at most by default (`berth serve --max-connections`).
inline constexpr size_t kDefaultMaxConnections = 1024;

struct ConnectionCap {
  size_t cap = 0;        // client connections at most (at least 1)
  size_t most = 0;       // the highest cap the descriptor limit allows
  bool clamped = false;  // the request exceeded `most`
};

// Each client connection may hold one engine connection too, so at most half of what is left
// after kFdReserve goes to clients.
ConnectionCap PlanConnectionCap(size_t requested, uint64_t fd_limit);

// The soft RLIMIT_NOFILE of this process (RLIM_INFINITY as UINT64_MAX).
uint64_t ReadFdLimit();

}  // namespace berth
