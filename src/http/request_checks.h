// The rules every request head must pass before its body is read or a handler sees it (Host,
// Transfer-Encoding, Content-Length against it), how parse failures are answered (400, 413,
// 431, 501), and ParseRawRequest: raw bytes through the same parser settings and checks an
// HttpSession uses, for fuzzing and tests. Pure functions; any thread. No Beast types here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "http/http_server.h"
#include "http/http_types.h"

namespace berth {

// A request the server answers itself: the HTTP status, and the Status the error body is
// built from (HttpServerOptions::error_response).
struct RequestRejection {
  int http_status = 400;
  Status status;
};

struct RawParse {
  std::optional<HttpRequest> request;                         // a whole, valid request
  std::optional<RequestRejection> rejection;                  // what the server answers instead
  size_t consumed = 0;                                        // bytes of `bytes` the request used
  bool incomplete() const { return !request && !rejection; }  // more bytes needed
};

// Reads the first request of a connection whose client sends `bytes` (then stops sending),
// handed to Beast's read_header/read at most `piece_bytes` at a time as a socket would, with
// the session's limits, header-size check and head rules. A read that runs out of bytes before
// the request is whole is incomplete().
RawParse ParseRawRequest(std::string_view bytes, const HttpServerOptions& options,
                         size_t piece_bytes = SIZE_MAX);

}  // namespace berth
