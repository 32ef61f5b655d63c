#include "http/io_loops.h"

#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <vector>

#include "common/log.h"

namespace berth::http_internal {
namespace {

thread_local asio::io_context* current_loop = nullptr;

std::mutex hooks_mu;
std::map<asio::io_context*, std::vector<std::function<void()>>>& Hooks() {
  static auto* hooks = new std::map<asio::io_context*, std::vector<std::function<void()>>>();
  return *hooks;
}

}  // namespace

asio::io_context* CurrentIoLoop() { return current_loop; }

void SetCurrentIoLoop(asio::io_context* loop) { current_loop = loop; }

void CrashOnEscapedException(const char* who, const char* what) {
  LOG_ERROR("{}: an exception escaped a network handler: {}; aborting (a bug: please report it)",
            who, what);
  std::abort();
}

void RunIoLoop(asio::io_context& loop, const char* who) {
  try {
    loop.run();
  } catch (const std::exception& e) {
    CrashOnEscapedException(who, e.what());
  } catch (...) {
    CrashOnEscapedException(who, "a non-standard exception");
  }
}

void OnIoLoopEnd(asio::io_context* loop, std::function<void()> hook) {
  std::lock_guard lock(hooks_mu);
  Hooks()[loop].push_back(std::move(hook));
}

void RunIoLoopEndHooks(asio::io_context* loop) {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(hooks_mu);
    auto it = Hooks().find(loop);
    if (it == Hooks().end()) return;
    hooks.swap(it->second);
    Hooks().erase(it);
  }
  for (auto& hook : hooks) hook();
}

}  // namespace berth::http_internal
