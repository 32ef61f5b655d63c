// Conversions between Beast messages and berth's plain HttpRequest / HttpResponse values, and the
// responses the server sends on its own (400/408/413/500). Internal to src/http/; pure functions,
// safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "http/beast_asio.h"
#include "http/http_server.h"
#include "http/http_types.h"

namespace berth::http_internal {

// Moves a parsed request into an HttpRequest (splits path and query at the first '?').
HttpRequest ToHttpRequest(BeastRequest&& request, std::string remote_address);

struct ResponseFraming {
  unsigned version = 11;  // HTTP version of the request: 10 or 11
  bool keep_alive = true;
  bool head = false;  // a HEAD request: send Content-Length but no body
};

// Builds the wire response: status, Content-Type, extra headers, `Server: berth`,
// Content-Length and Connection. Headers berth manages itself, or that contain CR/LF, are
// dropped. May throw std::bad_alloc only.
BeastResponse ToBeastResponse(HttpResponse response, const ResponseFraming& framing);

// ToBeastResponse's message as Beast writes it, without building it: `head` gets the status line
// and the headers (same order, same names) and the blank line, `body` what follows (empty for
// HEAD and for statuses without a body). `head` is cleared first (its storage is reused).
void SerializeResponse(HttpResponse& response, const ResponseFraming& framing, std::string& head,
                       std::string& body);

// The head of a request the upstream client sends, as Beast writes a message built the client's
// way (Host, the given headers set in order, keep-alive, prepare_payload): request line, Host,
// `headers`, Content-Length (when the body is not empty, or for POST, PUT and OPTIONS) and the
// blank line, into `head` (cleared first). False (head unspecified) when the headers name Host,
// Content-Length, Connection or Transfer-Encoding, repeat a name, or hold CR or LF: Beast's
// rules for those are left to Beast.
bool SerializeUpstreamHead(std::string_view method, std::string_view target, std::string_view host,
                           const HeaderList& headers, size_t body_size, std::string& head);

// The head of a streamed response (HttpResponse::on_stream set), as a Beast message: the
// reference SerializeStreamHead is tested against.
struct StreamHead {
  http::response<http::empty_body> message;
  bool has_body = false;  // false for HEAD and for statuses without a body: the head is all
  bool chunked = false;   // Transfer-Encoding: chunked (HTTP/1.1); else the body ends at close
};

// Like ToBeastResponse, but with chunked transfer encoding instead of Content-Length. An HTTP/1.0
// response with a body is not kept alive, since only closing the connection can end it.
StreamHead ToStreamHead(const HttpResponse& response, const ResponseFraming& framing);

// How a streamed response's body is framed.
struct StreamFraming {
  bool has_body = false;    // false for HEAD and for statuses without a body: the head is all
  bool chunked = false;     // Transfer-Encoding: chunked (HTTP/1.1); else the body ends at close
  bool keep_alive = false;  // the connection serves another request after the stream
};

// ToStreamHead's message as Beast writes its head, without building it (as SerializeResponse
// does for whole responses), into `head` (cleared first); and the framing of the body.
StreamFraming SerializeStreamHead(const HttpResponse& response, const ResponseFraming& framing,
                                  std::string& head);

// The response for a request the server rejects itself: options.error_response(status) if set
// and well-formed, otherwise a plain-text response with `fallback_status`. Never throws.
HttpResponse ServerErrorResponse(const HttpServerOptions& options, const Status& status,
                                 int fallback_status);

// "ip:port", with IPv6 addresses in brackets.
std::string FormatEndpoint(const tcp::endpoint& endpoint);

}  // namespace berth::http_internal
