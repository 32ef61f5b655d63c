// RequestParser: Beast's HTTP/1.1 request parser, writing straight into the HttpRequest a handler
// gets: method, target (split into path and query), header fields and body, with the server's
// header and body limits. Beast's own request message kept each field in an allocation of its
// own, and every string was copied again into the HttpRequest. Framing, limits and errors are
// Beast's (basic_parser); the head rules berth adds are CheckRequestHead's (request_checks).
// One request per parser; one thread at a time. Internal to the http layer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/beast_asio.h"
#include "http/http_server.h"
#include "http/http_types.h"

namespace berth::http_internal {

class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(const HttpServerOptions& options);

  // What is parsed so far: the whole head once is_header_done(), the body once is_done().
  const HttpRequest& request() const { return request_; }
  unsigned version() const { return version_; }  // 10 or 11
  bool is_head() const { return verb_ == http::verb::head; }

  // Moves the request out, once is_done().
  HttpRequest Release(std::string remote_address);

 private:
  void on_request_impl(http::verb method, beast::string_view method_string,
                       beast::string_view target, int version, error_code&) override;
  void on_response_impl(int, beast::string_view, int, error_code&) override {}
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  size_t on_body_impl(beast::string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}

  HttpRequest request_;
  http::verb verb_ = http::verb::unknown;
  unsigned version_ = 11;
};

// The path and query of a request target: an absolute-form target ("http://host:8080/a?b")
// gives its path and query ("/a", "b"), as a server must accept it (RFC 9112 §3.2.2); any other
// target splits at its first '?'. Both still percent-encoded.
void SplitTarget(std::string_view target, std::string& path, std::string& query);

}  // namespace berth::http_internal
