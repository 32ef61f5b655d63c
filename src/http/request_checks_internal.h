// The Beast side of request_checks.h, shared by HttpSession and ParseRawRequest. Internal to
// src/http/; pure functions, any thread.
#pragma once

#include <cstddef>
#include <optional>

#include "http/beast_asio.h"
#include "http/request_checks.h"

namespace berth::http_internal {

// The head's framing and Host rules (RFC 9112 §3.2, §6) for a request head of HTTP `version`
// (10 or 11): nullopt if it may proceed.
std::optional<RequestRejection> CheckRequestHead(const HttpRequest& request, unsigned version);

// How a parser error is answered: 413 body too large, 431 header too large, else 400.
RequestRejection RejectionForParseError(const error_code& ec, const HttpServerOptions& options);

// header_limit when a header of `header_bytes` (start line included) is over the limit. Beast
// counts the start line against its own limit only when the header arrives in pieces, so this
// makes the limit the same however the client's bytes were segmented.
error_code CheckHeaderSize(size_t header_bytes, const HttpServerOptions& options);

}  // namespace berth::http_internal
