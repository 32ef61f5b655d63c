#include "http/http_message.h"

#include <fmt/format.h>
#include <strings.h>

#include <array>
#include <charconv>
#include <cstring>
#include <exception>
#include <string_view>

#include "common/log.h"

namespace berth::http_internal {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Framing headers are computed from the response itself; letting a handler set them could
// desynchronise the connection.
bool IsManagedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Server");
}

bool IsSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c <= ' ' || c == ':' || c == 127) return false;
  }
  // Not find_first_of("\r\n"): libstdc++ runs a memchr over the set for every character.
  return value.empty() || (std::memchr(value.data(), '\n', value.size()) == nullptr &&
                           std::memchr(value.data(), '\r', value.size()) == nullptr);
}

// 1xx, 204 and 304 responses carry neither a body nor Content-Length (RFC 9110 8.6).
bool StatusForbidsBody(int status) { return status < 200 || status == 204 || status == 304; }

namespace {

void AppendHeader(std::string_view name, std::string_view value, std::string& head) {
  head.append(name).append(": ").append(value).append("\r\n");
}

bool IsValidStatus(int status) { return status >= 100 && status <= 599; }

HttpResponse PlainTextResponse(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = message + "\n";
  return response;
}

// The status line, Server, Content-Type and the handler's headers, as Beast writes a message
// with them set in that order, into `head` (cleared first). A Content-Type header of the handler's
// replaces response.content_type and (as Beast's set() does) moves to where that header is.
void AppendStatusAndHeaders(const HttpResponse& response, unsigned version, unsigned status,
                            std::string& head) {
  head.clear();
  // Room for every part at once, instead of growing the string three or four times: the status
  // line, Server, Connection, framing and the final CRLF fit in 160.
  size_t size = 160 + response.content_type.size();
  for (const auto& [name, value] : response.headers) size += name.size() + value.size() + 4;
  head.reserve(size);
  head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(status);
  head += ' ';
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  head.append(reason.data(), reason.size());
  head += "\r\nServer: berth\r\n";
  std::string_view content_type;
  size_t content_type_at = 0;  // where it goes among the handler's headers (index + 1), 0: first
  if (!response.content_type.empty() && IsSafeHeader("Content-Type", response.content_type)) {
    content_type = response.content_type;
  }
  for (size_t i = 0; i < response.headers.size(); ++i) {
    const auto& [name, value] = response.headers[i];
    if (EqualsIgnoreCase(name, "Content-Type") && !IsManagedHeader(name) &&
        IsSafeHeader(name, value)) {
      content_type = value;
      content_type_at = i + 1;
    }
  }
  if (!content_type.empty() && content_type_at == 0)
    AppendHeader("Content-Type", content_type, head);
  for (size_t i = 0; i < response.headers.size(); ++i) {
    const auto& [name, value] = response.headers[i];
    if (IsManagedHeader(name) || !IsSafeHeader(name, value)) continue;
    if (!EqualsIgnoreCase(name, "Content-Type")) {
      AppendHeader(name, value, head);
    } else if (i + 1 == content_type_at) {
      AppendHeader("Content-Type", content_type, head);
    }
  }
}

// The Connection header Beast's keep_alive() writes: only where it differs from the version's
// default.
void AppendConnection(unsigned version, bool keep_alive, std::string& head) {
  if (version == 11 && !keep_alive) AppendHeader("Connection", "close", head);
  if (version == 10 && keep_alive) AppendHeader("Connection", "keep-alive", head);
}

unsigned WireStatus(int status) {
  return static_cast<unsigned>(IsValidStatus(status) ? status : 500);
}

}  // namespace

void SerializeResponse(HttpResponse& response, const ResponseFraming& framing, std::string& head,
                       std::string& body) {
  const unsigned status = WireStatus(response.status);
  AppendStatusAndHeaders(response, framing.version, status, head);
  AppendConnection(framing.version, framing.keep_alive, head);
  body.clear();
  if (!StatusForbidsBody(static_cast<int>(status))) {
    AppendHeader("Content-Length", std::to_string(response.body.size()), head);
    if (!framing.head) body = std::move(response.body);
  }
  head += "\r\n";
}

StreamFraming SerializeStreamHead(const HttpResponse& response, const ResponseFraming& framing,
                                  std::string& head) {
  const unsigned status = WireStatus(response.status);
  const bool forbids_body = StatusForbidsBody(static_cast<int>(status));
  StreamFraming out;
  out.has_body = !forbids_body && !framing.head;
  out.chunked = !forbids_body && framing.version == 11;
  out.keep_alive = framing.keep_alive && (out.chunked || !out.has_body);
  AppendStatusAndHeaders(response, framing.version, status, head);
  AppendConnection(framing.version, out.keep_alive, head);
  if (out.chunked) AppendHeader("Transfer-Encoding", "chunked", head);
  head += "\r\n";
  return out;
}

bool SerializeUpstreamHead(std::string_view method, std::string_view target, std::string_view host,
                           const HeaderList& headers, size_t body_size, std::string& head) {
  for (size_t i = 0; i < headers.size(); ++i) {
    const auto& [name, value] = headers[i];
    if (IsManagedHeader(name) || EqualsIgnoreCase(name, "Host") || !IsSafeHeader(name, value)) {
      return false;
    }
    for (size_t j = 0; j < i; ++j) {
      if (EqualsIgnoreCase(headers[j].first, name)) return false;
    }
  }
  const http::verb verb = http::string_to_verb({method.data(), method.size()});
  const auto verb_text = http::to_string(verb == http::verb::unknown ? http::verb::post : verb);
  size_t size = verb_text.size() + target.size() + host.size() + 64;  // + the fixed text
  for (const auto& [name, value] : headers) size += name.size() + value.size() + 4;
  head.clear();
  head.reserve(size);
  head.append(verb_text.data(), verb_text.size()).append(" ").append(target);
  head.append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  for (const auto& [name, value] : headers)
    head.append(name).append(": ").append(value).append("\r\n");
  const bool length = body_size > 0 || verb == http::verb::unknown || verb == http::verb::post ||
                      verb == http::verb::put || verb == http::verb::options;
  if (length) head.append("Content-Length: ").append(std::to_string(body_size)).append("\r\n");
  head.append("\r\n");
  return true;
}

HttpResponse ServerErrorResponse(const HttpServerOptions& options, const Status& status,
                                 int fallback_status) {
  try {
    if (options.error_response) {
      // The body is the caller's shape; the status is the server's (431 and 501 have no Status
      // code of their own).
      HttpResponse response = options.error_response(status);
      response.status = fallback_status;
      return response;
    }
    return PlainTextResponse(fallback_status, status.message());
  } catch (const std::exception& e) {
    LOG_ERROR("http: error_response threw: {}", e.what());
  } catch (...) {
    LOG_ERROR("http: error_response threw a non-standard exception");
  }
  HttpResponse response;
  response.status = fallback_status;
  response.content_type.clear();
  return response;
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  if (endpoint.address().is_v4()) {
    // Written here: address::to_string goes through inet_ntop and snprintf, about 2,500
    // instructions for every connection accepted.
    std::array<char, sizeof "255.255.255.255:65535"> text;
    char* out = text.data();
    char* const end = text.data() + text.size();
    const asio::ip::address_v4::bytes_type bytes = endpoint.address().to_v4().to_bytes();
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (i > 0) *out++ = '.';
      out = std::to_chars(out, end, bytes[i]).ptr;
    }
    *out++ = ':';
    out = std::to_chars(out, end, endpoint.port()).ptr;
    return std::string(text.data(), out);
  }
  error_code ec;
  const std::string ip = endpoint.address().to_string(ec);
  if (ec) return "unknown";
  if (endpoint.address().is_v6()) return fmt::format("[{}]:{}", ip, endpoint.port());
  return fmt::format("{}:{}", ip, endpoint.port());
}

}  // namespace berth::http_internal
