#include "http/connection_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace berth {

ConnectionCap PlanConnectionCap(size_t requested, uint64_t fd_limit) {
  const uint64_t spare = fd_limit > kFdReserve ? (fd_limit - kFdReserve) / 2 : 0;
  ConnectionCap plan;
  plan.most =
      static_cast<size_t>(std::clamp<uint64_t>(spare, 1, std::numeric_limits<size_t>::max()));
  plan.clamped = requested > plan.most;
  plan.cap = std::max<size_t>(1, std::min(requested, plan.most));
  return plan;
}

uint64_t ReadFdLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;  // the usual default
  if (limit.rlim_cur == RLIM_INFINITY) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(limit.rlim_cur);
}

}  // namespace berth
