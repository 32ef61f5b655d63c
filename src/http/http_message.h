// berth's HttpResponse values and engine requests written as HTTP/1.1 bytes (as Beast would write
// them), and the responses the server sends on its own (400/408/413/500). Internal to src/http/;
// pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "http/beast_asio.h"
#include "http/http_server.h"
#include "http/http_types.h"

namespace berth::http_internal {

struct ResponseFraming {
  unsigned version = 11;  // HTTP version of the request: 10 or 11
  bool keep_alive = true;
  bool head = false;  // a HEAD request: send Content-Length but no body
};

// Header rules of the responses berth writes. Framing headers (Content-Length,
// Transfer-Encoding, Connection) and Server are berth's own: a handler's are dropped, as are
// headers with a bad name or CR/LF in the value. 1xx, 204 and 304 carry neither a body nor
// Content-Length (RFC 9110 8.6).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool IsManagedHeader(std::string_view name);
bool IsSafeHeader(std::string_view name, std::string_view value);
bool StatusForbidsBody(int status);

// The wire response, as Beast's serializer writes the same message (http_message_test.cc builds
// it and compares): `head` gets the status line, `Server: berth`, Content-Type, the handler's
// headers that pass the rules above, Connection when it differs from the version's default,
// Content-Length, and the blank line; `body` what follows (empty for HEAD and for statuses
// without a body). `head` is cleared first (its storage is reused). May throw std::bad_alloc.
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

// How a streamed response's body is framed.
struct StreamFraming {
  bool has_body = false;    // false for HEAD and for statuses without a body: the head is all
  bool chunked = false;     // Transfer-Encoding: chunked (HTTP/1.1); else the body ends at close
  bool keep_alive = false;  // the connection serves another request after the stream
};

// The head of a streamed response (HttpResponse::on_stream set), written as SerializeResponse
// writes a whole one but with Transfer-Encoding: chunked (HTTP/1.1) instead of Content-Length,
// into `head` (cleared first); and the framing of the body. An HTTP/1.0 response with a body is
// not kept alive, since only closing the connection can end it.
StreamFraming SerializeStreamHead(const HttpResponse& response, const ResponseFraming& framing,
                                  std::string& head);

// The response for a request the server rejects itself: options.error_response(status) if set
// and well-formed, otherwise a plain-text response with `fallback_status`. Never throws.
HttpResponse ServerErrorResponse(const HttpServerOptions& options, const Status& status,
                                 int fallback_status);

// "ip:port", with IPv6 addresses in brackets.
std::string FormatEndpoint(const tcp::endpoint& endpoint);

}  // namespace berth::http_internal
