// Picks engine ports below the kernel's ephemeral range; see engine_port.h.
#include "runtime/process/engine_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace berth {
namespace {

constexpr int kMaxRangeSize = 16384;
constexpr int kLowestPort = 1024;
constexpr int kMaxTries = 64;

// Binds 127.0.0.1:port (0: any) and answers the port bound, or 0 when the bind fails.
int BindLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof addr;
  int bound = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    bound = ntohs(addr.sin_port);
  }
  ::close(fd);
  return bound;
}

}  // namespace

PortRange EnginePortRangeBelow(const std::string& ip_local_port_range) {
  std::istringstream in(ip_local_port_range);
  int ephemeral_first = 0, ephemeral_last = 0;
  if (!(in >> ephemeral_first >> ephemeral_last) || ephemeral_first > ephemeral_last) return {};
  int last = ephemeral_first - 1;
  int first = std::max(kLowestPort, ephemeral_first - kMaxRangeSize);
  if (last - first + 1 < kLowestPort) return {};
  return {first, last};
}

PortRange EnginePortRange() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  std::string text;
  std::getline(in, text);
  return EnginePortRangeBelow(text);
}

StatusOr<int> PickFreePort(const std::set<int>& avoid, PortRange range) {
  thread_local std::minstd_rand random{std::random_device{}()};
  int size = range.last - range.first + 1;
  int start = range.first > 0 && size > 0 ? static_cast<int>(random() % size) : 0;
  for (int attempt = 0; attempt < kMaxTries; ++attempt) {
    int wanted = range.first > 0 && size > 0 ? range.first + (start + attempt) % size : 0;
    if (avoid.count(wanted)) continue;
    int port = BindLoopback(wanted);
    if (port < 0) return Unavailable("cannot open a socket: " + std::string(std::strerror(-port)));
    if (port > 0 && !avoid.count(port)) return port;
  }
  return Unavailable("no free loopback port found");
}

}  // namespace berth
