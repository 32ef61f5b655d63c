#include "http/loop_timer.h"

#include <memory>

#include "http/beast_asio.h"
#include "http/io_loops.h"

namespace berth {

bool RunOnThisLoopAfter(std::chrono::milliseconds delay, std::function<void()> fn) {
  http_internal::asio::io_context* loop = http_internal::CurrentIoLoop();
  if (loop == nullptr) return false;
  auto timer = std::make_shared<http_internal::asio::steady_timer>(*loop, delay);
  timer->async_wait([timer, fn = std::move(fn)](http_internal::error_code ec) {
    if (!ec) fn();
  });
  return true;
}

}  // namespace berth
