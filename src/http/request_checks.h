// The rules every request head must pass before its body is read or a handler sees it (Host,
// Transfer-Encoding, Content-Length against it), how parse failures are answered (400, 413,
// 431, 501), and ParseRawRequest: raw bytes through the same parser settings and checks an
// HttpSession uses, for fuzzing and tests. Pure functions; any thread. No Beast types here.
#pragma once

#include <cstddef>
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

// Parses the first request in `bytes` with options.max_header_bytes / max_body_bytes.
RawParse ParseRawRequest(std::string_view bytes, const HttpServerOptions& options);

}  // namespace berth
