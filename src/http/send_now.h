// SendNow: writes what a socket takes at once, without waiting and without an Asio operation.
// Most responses and stream chunks fit a socket's send buffer, so writing them here saves the
// completion Asio would queue (and the event-loop turn it costs) for every write. Whatever the
// socket does not take, and any error, is left to an ordinary async_write of the remainder, which
// reports the error through its handler: callers never act on an error here (and so never run
// error handling inside the code that asked for the write). Internal to src/http/.
#pragma once

#include <vector>

#include "http/beast_asio.h"

namespace berth::http_internal {

// Sends from the front of `buffers` (non-blocking, no SIGPIPE) and removes what was sent from
// them. Returns true when all of it was sent. Call only with no Asio write pending on `socket`.
bool SendNow(tcp::socket& socket, std::vector<asio::const_buffer>& buffers);

}  // namespace berth::http_internal
