#include "http/send_now.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>

namespace berth::http_internal {
namespace {

// As Asio's own gathered writes: more buffers than this wait for the async_write.
constexpr size_t kMaxIov = 64;

// Drops the first `sent` bytes of `buffers`.
void Consume(std::vector<asio::const_buffer>& buffers, size_t sent) {
  size_t whole = 0;
  while (whole < buffers.size() && sent >= buffers[whole].size()) sent -= buffers[whole++].size();
  buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(whole));
  if (sent > 0) buffers.front() += sent;
}

}  // namespace

bool SendNow(tcp::socket& socket, std::vector<asio::const_buffer>& buffers) {
  std::erase_if(buffers, [](const asio::const_buffer& b) { return b.size() == 0; });
  if (buffers.empty()) return true;
  if (buffers.size() > kMaxIov || !socket.is_open()) return false;
  std::array<iovec, kMaxIov> iov;
  size_t total = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    iov[i] = {const_cast<void*>(buffers[i].data()), buffers[i].size()};
    total += buffers[i].size();
  }
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = buffers.size();
  ssize_t sent;
  do {
    sent = ::sendmsg(socket.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent <= 0) return false;  // would block, or an error the async_write will report
  Consume(buffers, static_cast<size_t>(sent));
  return static_cast<size_t>(sent) == total;
}

}  // namespace berth::http_internal
