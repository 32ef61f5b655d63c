#include "http/request_parser.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

namespace berth::http_internal {
namespace {

// Header fields a request usually has (Host, Content-Type, Content-Length, Authorization, ...):
// room for them at the first, instead of growing the list field by field.
constexpr size_t kUsualFields = 8;

// The origin-form part of an absolute-form target ("http://host:8080/a?b" -> "/a?b"), and
// whether a "/" must go before it (a target whose path is empty: "http://host?b" -> "/?b").
// Any other target as it is.
std::string_view OriginForm(std::string_view target, bool& add_slash) {
  add_slash = false;
  const size_t scheme_end = target.find("://");
  if (target.empty() || target.front() == '/' || scheme_end == std::string_view::npos) {
    return target;
  }
  for (char c : target.substr(0, scheme_end)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return target;
    }
  }
  const size_t path = target.find_first_of("/?", scheme_end + 3);
  add_slash = path == std::string_view::npos || target[path] == '?';
  return path == std::string_view::npos ? std::string_view() : target.substr(path);
}

}  // namespace

void SplitTarget(std::string_view target, std::string& path, std::string& query) {
  bool add_slash = false;
  const std::string_view origin = OriginForm(target, add_slash);
  const size_t question = origin.find('?');
  path.assign(add_slash ? "/" : "");
  path.append(origin.substr(0, question));
  if (question == std::string_view::npos) {
    query.clear();
  } else {
    query.assign(origin.substr(question + 1));
  }
}

RequestParser::RequestParser(const HttpServerOptions& options) {
  header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
}

HttpRequest RequestParser::Release(std::string remote_address) {
  request_.remote_address = std::move(remote_address);
  return std::move(request_);
}

void RequestParser::on_request_impl(http::verb method, beast::string_view method_string,
                                    beast::string_view target, int version, error_code&) {
  verb_ = method;
  version_ = version == 10 ? 10 : 11;
  request_.method.assign(method_string.data(), method_string.size());
  request_.target.assign(target.data(), target.size());
  SplitTarget(request_.target, request_.path, request_.query);
}

void RequestParser::on_field_impl(http::field, beast::string_view name, beast::string_view value,
                                  error_code&) {
  if (request_.headers.empty()) request_.headers.reserve(kUsualFields);
  request_.headers.emplace_back(std::piecewise_construct,
                                std::forward_as_tuple(name.data(), name.size()),
                                std::forward_as_tuple(value.data(), value.size()));
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code& ec) {
  // Beast has held the length against body_limit already; this is string_body's own check.
  if (!content_length) return;
  if (*content_length > request_.body.max_size()) {
    ec = http::error::buffer_overflow;
    return;
  }
  request_.body.reserve(static_cast<size_t>(*content_length));
}

size_t RequestParser::on_body_impl(beast::string_view body, error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

size_t RequestParser::on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

}  // namespace berth::http_internal
