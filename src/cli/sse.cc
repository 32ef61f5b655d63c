#include "cli/sse.h"

namespace berth::cli {

bool SseParser::Feed(std::string_view bytes,
                     const std::function<bool(const std::string&)>& on_event) {
  pending_.append(bytes);
  size_t start = 0;
  for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(pending_.data() + start, nl - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (!Line(line, on_event)) {
      pending_.clear();
      return false;
    }
  }
  pending_.erase(0, start);
  return true;
}

bool SseParser::Line(std::string_view line,
                     const std::function<bool(const std::string&)>& on_event) {
  if (line.empty()) {
    if (!has_data_) return true;
    std::string data = std::move(data_);
    data_.clear();
    has_data_ = false;
    return on_event(data);
  }
  if (!line.starts_with("data:")) return true;  // comment, event:, id:, retry:
  line.remove_prefix(5);
  if (line.starts_with(' ')) line.remove_prefix(1);
  if (has_data_) data_ += '\n';
  data_.append(line);
  has_data_ = true;
  return true;
}

}  // namespace berth::cli
