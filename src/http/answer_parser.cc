#include "http/answer_parser.h"

#include <algorithm>
#include <cstring>

namespace berth::http_internal {

void AnswerParser::on_response_impl(int code, beast::string_view, int, error_code&) {
  status_ = code;
  field_count_ = 0;
}

void AnswerParser::on_field_impl(http::field, beast::string_view name, beast::string_view value,
                                 error_code&) {
  if (field_count_ == fields_->size()) fields_->emplace_back();
  auto& [field_name, field_value] = (*fields_)[field_count_++];
  field_name.assign(name.data(), name.size());
  field_value.assign(value.data(), value.size());
}

void AnswerParser::on_header_impl(error_code&) { fields_->resize(field_count_); }

size_t AnswerParser::on_body_impl(beast::string_view body, error_code& ec) {
  const size_t n = std::min(body.size(), body_space_);
  if (n > 0) std::memcpy(body_, body.data(), n);
  body_ += n;
  body_space_ -= n;
  if (n < body.size()) ec = http::error::need_buffer;
  return n;
}

size_t AnswerParser::on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

}  // namespace berth::http_internal
