#include "http/request_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "http/http_message.h"
#include "http/request_checks_internal.h"
#include "http/request_parser.h"

namespace berth {
namespace http_internal {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// uri-host [ ":" port ]: unreserved, percent-encoded, sub-delims, ':' and IPv6 brackets.
bool IsValidHost(std::string_view host) {
  static constexpr std::string_view kAllowed = "-._~%!$&'()*+,;=:[]";
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kAllowed.find(c) != std::string::npos;
  });
}

RequestRejection Reject(int http_status, std::string message) {
  return {http_status, InvalidArgument(std::move(message))};
}

size_t CountFields(const HttpRequest& request, std::string_view name) {
  return std::count_if(request.headers.begin(), request.headers.end(),
                       [&](const auto& field) { return EqualsIgnoreCase(field.first, name); });
}

std::optional<RequestRejection> CheckHost(const HttpRequest& request, unsigned version) {
  const size_t hosts = CountFields(request, "Host");
  if (hosts > 1) return Reject(400, "more than one Host header");
  if (hosts == 0) {
    if (version >= 11) return Reject(400, "an HTTP/1.1 request needs a Host header");
    return std::nullopt;
  }
  if (!IsValidHost(request.Header("Host"))) return Reject(400, "the Host header is not valid");
  return std::nullopt;
}

// Every transfer coding named, in order, over all Transfer-Encoding lines, lower case and
// without parameters.
std::vector<std::string> TransferCodings(const HttpRequest& request) {
  std::vector<std::string> codings;
  for (const auto& [name, line] : request.headers) {
    if (!EqualsIgnoreCase(name, "Transfer-Encoding")) continue;
    const std::string_view value = line;
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = std::min(value.find(',', start), value.size());
      std::string_view element = value.substr(start, comma - start);
      element = Trim(element.substr(0, element.find(';')));
      codings.push_back(Lower(element));
      start = comma + 1;
    }
  }
  return codings;
}

// RFC 9112 §6.1 and §6.3: chunked at most once and last; any other coding is not implemented
// (501); an HTTP/1.0 request, or one that also has Content-Length, cannot be framed safely.
std::optional<RequestRejection> CheckTransferEncoding(const HttpRequest& request,
                                                      unsigned version) {
  if (CountFields(request, "Transfer-Encoding") == 0) return std::nullopt;
  if (version < 11) return Reject(400, "Transfer-Encoding is not allowed in HTTP/1.0");
  if (CountFields(request, "Content-Length") > 0) {
    return Reject(400, "a request must not have both Transfer-Encoding and Content-Length");
  }
  std::vector<std::string> codings = TransferCodings(request);
  codings.erase(std::remove(codings.begin(), codings.end(), ""), codings.end());
  if (codings.empty()) return Reject(400, "Transfer-Encoding names no transfer coding");
  if (std::count(codings.begin(), codings.end(), "chunked") > 1) {
    return Reject(400, "Transfer-Encoding applies chunked more than once");
  }
  if (codings.back() != "chunked") {
    return Reject(400, "Transfer-Encoding must end with chunked, or the body has no length");
  }
  for (const std::string& coding : codings) {
    if (coding != "chunked") {
      return Reject(501, fmt::format("transfer coding '{}' is not implemented", coding));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<RequestRejection> CheckRequestHead(const HttpRequest& request, unsigned version) {
  if (auto rejection = CheckHost(request, version)) return rejection;
  return CheckTransferEncoding(request, version);
}

RequestRejection RejectionForParseError(const error_code& ec, const HttpServerOptions& options) {
  if (ec == http::error::body_limit) {
    return {413, Status(StatusCode::kPayloadTooLarge,
                        fmt::format("request body exceeds the limit of {} bytes",
                                    options.max_body_bytes))};
  }
  if (ec == http::error::header_limit) {
    return Reject(431, fmt::format("request header exceeds {} bytes", options.max_header_bytes));
  }
  return Reject(400, fmt::format("malformed HTTP request: {}", ec.message()));
}

error_code CheckHeaderSize(size_t header_bytes, const HttpServerOptions& options) {
  if (header_bytes > options.max_header_bytes) return http::error::header_limit;
  return {};
}

}  // namespace http_internal

namespace {

// A SyncReadStream over bytes in memory: hands them out at most `piece` at a time, then reports
// the end of the stream as a socket whose peer stopped sending does.
class BytesStream {
 public:
  BytesStream(std::string_view bytes, size_t piece)
      : bytes_(bytes), piece_(std::max<size_t>(piece, 1)) {}

  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, http_internal::error_code& ec) {
    namespace asio = http_internal::asio;
    ec = {};
    if (handed_out_ == bytes_.size()) {
      ec = asio::error::eof;
      return 0;
    }
    const size_t n = asio::buffer_copy(
        buffers,
        asio::buffer(bytes_.data() + handed_out_, std::min(piece_, bytes_.size() - handed_out_)));
    handed_out_ += n;
    return n;
  }

  // The throwing overload the SyncReadStream concept asks for; the readers used here take an
  // error_code and never call it.
  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    http_internal::error_code ec;
    const size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  size_t handed_out() const { return handed_out_; }

 private:
  std::string_view bytes_;
  size_t piece_;
  size_t handed_out_ = 0;
};

// The stream ended before the request was whole: a client that left, or one still sending.
bool RanOutOfBytes(const http_internal::error_code& ec) {
  namespace hi = http_internal;
  return ec == hi::http::error::end_of_stream || ec == hi::http::error::partial_message;
}

}  // namespace

RawParse ParseRawRequest(std::string_view bytes, const HttpServerOptions& options,
                         size_t piece_bytes) {
  namespace hi = http_internal;
  RawParse result;
  BytesStream stream(bytes, piece_bytes);
  hi::beast::flat_buffer buffer;
  hi::RequestParser parser(options);
  hi::error_code ec;
  const size_t header_bytes = hi::http::read_header(stream, buffer, parser, ec);
  if (!ec) ec = hi::CheckHeaderSize(header_bytes, options);
  if (!ec) {
    result.rejection = hi::CheckRequestHead(parser.request(), parser.version());
    if (result.rejection) return result;
    if (!parser.is_done()) hi::http::read(stream, buffer, parser, ec);
  }
  if (ec) {
    if (!RanOutOfBytes(ec)) result.rejection = hi::RejectionForParseError(ec, options);
    return result;
  }
  result.consumed = stream.handed_out() - buffer.size();
  result.request = parser.Release("raw");
  return result;
}

}  // namespace berth
