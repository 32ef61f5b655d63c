// Which event loop the calling thread runs, so work started from a server thread (the
// gateway's call to an engine) stays on that thread's loop instead of hopping threads, and
// hooks that run just before a loop is destroyed (to drop objects bound to it, such as pooled
// upstream connections). Internal to src/http/; thread-safe.
#pragma once

#include <functional>

#include "http/beast_asio.h"

namespace berth::http_internal {

// The io_context this thread runs as an HTTP server loop, or null.
asio::io_context* CurrentIoLoop();
// Marks the calling thread as running `loop` (null: none).
void SetCurrentIoLoop(asio::io_context* loop);

// Runs `hook` once, on the server's stopping thread, after `loop`'s threads have ended and
// before it is destroyed.
void OnIoLoopEnd(asio::io_context* loop, std::function<void()> hook);
// Called by the server for each of its loops as it stops.
void RunIoLoopEndHooks(asio::io_context* loop);

}  // namespace berth::http_internal
