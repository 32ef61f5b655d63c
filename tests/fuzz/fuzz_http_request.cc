// Fuzz target: the bytes a client sends on a new connection, read as berth's HTTP server reads
// them (src/http/request_checks.h: the session's parser, limits, head rules and rejections). The
// first two bytes choose how the rest arrives (piece size) and the header and body limits; the rest
// is the connection's bytes. Properties: no crash, leak or UB; a request that is read respects the
// limits and splits its target at '?'; and whether and which request is read does not depend
// on how the bytes were cut into pieces.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "http/request_checks.h"

namespace {

using berth::HttpRequest;
using berth::HttpServerOptions;
using berth::ParseRawRequest;
using berth::RawParse;

void CheckRequest(const HttpRequest& request, const HttpServerOptions& options) {
  FUZZ_CHECK(!request.method.empty());
  FUZZ_CHECK(request.body.size() <= options.max_body_bytes);
  // The path is the target's up to '?'; of an absolute-form target ("http://host/a?b"), the
  // path part after the authority ("/a", or "/" when there is none).
  const std::string_view before_query =
      std::string_view(request.target).substr(0, request.target.find('?'));
  const bool absolute_form = before_query.find("://") != std::string_view::npos;
  FUZZ_CHECK(request.path == before_query ||
             (absolute_form && (request.path == "/" || before_query.ends_with(request.path))));
  size_t header_bytes = request.target.size();
  for (const auto& [name, value] : request.headers) {
    FUZZ_CHECK(!name.empty());
    header_bytes += name.size() + value.size();
  }
  FUZZ_CHECK(header_bytes <= options.max_header_bytes);
}

// Whether two reads agree on the request they read. Only a request that is never completed may
// end differently (Beast checks a partial header's lines at once when they arrive together, and
// only once the header is complete when they trickle in), so that case is not compared.
bool SameRequest(const RawParse& a, const RawParse& b) {
  if (!a.request && !b.request) return true;
  if (!a.request || !b.request) return false;
  return a.request->method == b.request->method && a.request->target == b.request->target &&
         a.request->headers == b.request->headers && a.request->body == b.request->body;
}

// Whether the body after the head starts with a chunk size of 0: a chunked body whose first chunk
// is its last. Beast 1.74 asserts `n >= 5` in basic_parser::parse_chunk_header (debug builds
// only) when such a body arrives a byte at a time ("0\r\n", then one more byte); its release
// code reads the same bytes correctly. Those inputs are read whole only.
bool FirstChunkIsLast(std::string_view bytes) {
  const size_t head_end = bytes.find("\r\n\r\n");
  return head_end != std::string_view::npos && head_end + 4 < bytes.size() &&
         bytes[head_end + 4] == '0';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t piece = 1 + data[0] % 32;
  HttpServerOptions options;
  // Small limits half the time, so inputs of a few KiB reach them; else the server's defaults.
  if (data[1] & 1) {
    options.max_header_bytes = 64 + (data[1] >> 1) * 16;
    options.max_body_bytes = (data[1] >> 1) * 4;
  }
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);

  const RawParse whole = ParseRawRequest(bytes, options, bytes.size());
  if (whole.request) CheckRequest(*whole.request, options);
  if (whole.rejection) {
    FUZZ_CHECK(!whole.rejection->status.ok());
    const int status = whole.rejection->http_status;
    FUZZ_CHECK((status >= 400 && status < 500) || status == 501);
  }
  if (FirstChunkIsLast(bytes)) return 0;
  FUZZ_CHECK(SameRequest(whole, ParseRawRequest(bytes, options, piece)));
  return 0;
}
