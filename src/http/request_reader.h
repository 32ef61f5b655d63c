// How the server reads one request off a connection, as pure functions: the parser's limits, the
// answer to a request that cannot be read, and ReadRequest, which reads from bytes in memory
// exactly as the session reads from its socket (the fuzz target tests/fuzz/fuzz_http_request
// drives it). Internal to src/http/; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "http/beast_asio.h"
#include "http/http_server.h"
#include "http/http_types.h"

namespace berth::http_internal {

using RequestParser = http::request_parser<http::string_body>;

// Sets the server's header and body limits on a fresh parser.
void LimitRequestParser(RequestParser& parser, const HttpServerOptions& options);

// header_limit when a header of `header_bytes` (start line included) is over the limit. Beast
// counts the start line against its own limit only when the header arrives in pieces, so this
// makes the limit the same however the client's bytes were segmented.
error_code CheckHeaderSize(size_t header_bytes, const HttpServerOptions& options);

// The answer to a request whose read failed with `ec` (a timeout aside).
struct ReadRejection {
  Status status;
  int http_status = 400;  // used when options.error_response gives none
};

// 413 for a body over the limit, 400 for malformed HTTP or a header over the limit; nullopt
// when the client closed or reset the connection, which gets no answer.
std::optional<ReadRejection> RejectUnreadable(error_code ec, const HttpServerOptions& options);

// What reading one request from a connection came to: the request, or the rejection the server
// answers with before closing; neither when the client closed without sending a whole request.
struct RequestRead {
  std::optional<HttpRequest> request;
  std::optional<ReadRejection> rejection;
};

// Reads the first request of a connection whose client sends `bytes` and then closes its side,
// the bytes arriving in pieces of at most `piece_bytes` (> 0), with the session's parser, limits
// and rejections (header first, then the body).
RequestRead ReadRequest(std::string_view bytes, const HttpServerOptions& options,
                        size_t piece_bytes);

}  // namespace berth::http_internal
