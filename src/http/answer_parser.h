// AnswerParser: Beast's HTTP/1.1 response parser, kept to what the upstream client needs of an
// engine's answer. The status and the header fields go into a list the caller owns (a network
// thread keeps one, whose strings keep their storage from answer to answer), not into a Beast
// message that allocates every field; the body is copied into a buffer the caller provides, as
// Beast's buffer_body would. Framing, limits and errors are Beast's own (basic_parser).
// One answer per parser; one thread at a time, though not always the same one: a call's reads
// may complete on any thread of its loop, so the list can change between puts. Beast parses a
// head's fields only once all of them are buffered, so they are written within the one put()
// that completes the head. Internal to the http layer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "http/beast_asio.h"
#include "http/http_types.h"

namespace berth::http_internal {

class AnswerParser final : public http::basic_parser<false> {
 public:
  // `fields` receives the head's fields, in order, in the put() that completes the head; it
  // must outlive that put, and holds them until it is used for another head.
  explicit AnswerParser(HeaderList& fields) : fields_(&fields) {}

  // Where the next put() writes the head's fields, in place of the list given so far (the list
  // of the thread that makes the put).
  void SetFields(HeaderList& fields) { fields_ = &fields; }
  // The list the head's fields went to, once is_header_done().
  const HeaderList& fields() const { return *fields_; }

  int status() const { return status_; }

  // Where the next body bytes go, at most `size` of them; past that, put() stops with
  // http::error::need_buffer. body_space() says how much of it is still free.
  void SetBodyBuffer(char* data, size_t size) {
    body_ = data;
    body_space_ = size;
  }
  size_t body_space() const { return body_space_; }

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override;
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  size_t on_body_impl(beast::string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  HeaderList* fields_;
  size_t field_count_ = 0;
  int status_ = 0;
  char* body_ = nullptr;
  size_t body_space_ = 0;
};

}  // namespace berth::http_internal
