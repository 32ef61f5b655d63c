// StaticContent: a file berth serves as is (the console's assets, the OpenAPI document), held in
// memory with its pre-compressed gzip form and a strong ETag. Answer() picks the encoding from
// Accept-Encoding, answers 304 when If-None-Match names the ETag, and sets the security headers
// (a strict Content-Security-Policy for HTML). Immutable once built; any thread may call it.
#pragma once

#include <string>

#include "http/http_types.h"

namespace berth {

// The policy the console is served with: only its own scripts, styles and API; no inline code,
// no frames, nothing from another origin.
inline constexpr const char* kConsoleCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

struct StaticContent {
  std::string content_type;
  std::string body;
  std::string gzip;  // empty: no compressed form
  std::string etag;  // quoted, e.g. "\"3f2a...\""
  std::string cache_control = "no-cache";

  // `gzip` may be empty. The ETag is derived from `body`.
  static StaticContent Make(std::string content_type, std::string body, std::string gzip);
  HttpResponse Answer(const HttpRequest& request) const;
};

// True when the request's Accept-Encoding allows gzip (and does not refuse it with q=0).
bool AcceptsGzip(std::string_view accept_encoding);
// True when If-None-Match lists `etag` (or is "*").
bool EtagMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace berth
