#include "http/request_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "http/http_message.h"

namespace berth::http_internal {
namespace {

bool IsHttpError(const error_code& ec) {
  return ec.category() == make_error_code(http::error::end_of_stream).category();
}

// A SyncReadStream over bytes in memory: hands them out at most `piece` at a time, then reports
// the end of the stream as a socket whose peer closed does.
class BytesStream {
 public:
  BytesStream(std::string_view bytes, size_t piece)
      : bytes_(bytes), piece_(std::max<size_t>(piece, 1)) {}

  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    ec = {};
    if (bytes_.empty()) {
      ec = asio::error::eof;
      return 0;
    }
    const size_t n =
        asio::buffer_copy(buffers, asio::buffer(bytes_.data(), std::min(piece_, bytes_.size())));
    bytes_.remove_prefix(n);
    return n;
  }

  // The throwing overload the SyncReadStream concept asks for; Beast's readers taking an
  // error_code never call it.
  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    error_code ec;
    const size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  std::string_view bytes_;
  size_t piece_;
};

}  // namespace

void LimitRequestParser(RequestParser& parser, const HttpServerOptions& options) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
}

error_code CheckHeaderSize(size_t header_bytes, const HttpServerOptions& options) {
  if (header_bytes > options.max_header_bytes) return http::error::header_limit;
  return {};
}

std::optional<ReadRejection> RejectUnreadable(error_code ec, const HttpServerOptions& options) {
  if (ec == http::error::body_limit) {
    return ReadRejection{
        Status(StatusCode::kPayloadTooLarge,
               fmt::format("request body exceeds the limit of {} bytes", options.max_body_bytes)),
        413};
  }
  // A client that closed or reset the connection gets no answer.
  if (!IsHttpError(ec) || ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return std::nullopt;
  }
  if (ec == http::error::header_limit) {
    return ReadRejection{
        InvalidArgument(fmt::format("request header exceeds {} bytes", options.max_header_bytes)),
        400};
  }
  return ReadRejection{InvalidArgument(fmt::format("malformed HTTP request: {}", ec.message())),
                       400};
}

RequestRead ReadRequest(std::string_view bytes, const HttpServerOptions& options,
                        size_t piece_bytes) {
  BytesStream stream(bytes, piece_bytes);
  beast::flat_buffer buffer;
  RequestParser parser;
  LimitRequestParser(parser, options);
  error_code ec;
  const size_t header_bytes = http::read_header(stream, buffer, parser, ec);
  if (!ec) ec = CheckHeaderSize(header_bytes, options);
  if (!ec && !parser.is_done()) http::read(stream, buffer, parser, ec);
  RequestRead result;
  if (ec) {
    result.rejection = RejectUnreadable(ec, options);
  } else {
    result.request = ToHttpRequest(parser.release(), "");
  }
  return result;
}

}  // namespace berth::http_internal
