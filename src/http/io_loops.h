// Which event loop the calling thread runs, so work started from a server thread (the
// gateway's call to an engine) stays on that thread's loop instead of hopping threads; hooks
// that run just before a loop is destroyed (to drop objects bound to it, such as pooled
// upstream connections); and how every network thread runs its loop. Internal to src/http/;
// thread-safe.
#pragma once

#include <functional>

#include "http/beast_asio.h"

namespace berth::http_internal {

// The io_context this thread runs as an HTTP server loop, or null.
asio::io_context* CurrentIoLoop();
// Marks the calling thread as running `loop` (null: none).
void SetCurrentIoLoop(asio::io_context* loop);

// Runs `loop` on the calling thread until it is stopped. An exception escaping a completion
// handler is a bug whose damage is unknown (a session or call left half-done, a lock or a
// counter never released): it is logged with `who` and the process aborts, instead of the
// thread silently running on. Handler boundaries that can fail (the HTTP handler, stream
// callbacks) catch their own exceptions and answer 500 before they get here.
[[noreturn]] void CrashOnEscapedException(const char* who, const char* what);
void RunIoLoop(asio::io_context& loop, const char* who);

// Runs `hook` once, on the server's stopping thread, after `loop`'s threads have ended and
// before it is destroyed.
void OnIoLoopEnd(asio::io_context* loop, std::function<void()> hook);
// Called by the server for each of its loops as it stops.
void RunIoLoopEndHooks(asio::io_context* loop);

}  // namespace berth::http_internal
