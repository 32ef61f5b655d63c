// RunOnThisLoopAfter: a one-shot timer on the calling network thread's own event loop, for work
// that must wait a little without blocking the thread (and every connection of its loop). No
// Asio types here. Call it from an HTTP server's thread; `fn` runs later on that thread, or never
// if the server stops first (it is then destroyed unrun when the loop goes).
#pragma once

#include <chrono>
#include <functional>

namespace berth {

// False (and `fn` dropped) when the calling thread runs no HTTP server loop.
bool RunOnThisLoopAfter(std::chrono::milliseconds delay, std::function<void()> fn);

}  // namespace berth
