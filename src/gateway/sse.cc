#include "gateway/sse.h"

namespace berth {
namespace {

// `line` without its "\n" and an optional "\r" before it.
std::string_view StripLineEnd(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

void SseSplitter::Feed(std::string_view bytes,
                       const std::function<void(std::string_view)>& on_event) {
  buffer_.append(bytes);
  size_t event_start = 0;
  size_t newline;
  while ((newline = buffer_.find('\n', line_start_)) != std::string::npos) {
    const std::string_view line(buffer_.data() + line_start_, newline - line_start_);
    const bool blank = StripLineEnd(line).empty();
    line_start_ = newline + 1;
    if (!blank) continue;
    if (line_start_ - event_start > line.size() + 1) {  // something before the blank line
      on_event(std::string_view(buffer_).substr(event_start, line_start_ - event_start));
    }
    event_start = line_start_;
  }
  buffer_.erase(0, event_start);
  line_start_ -= event_start;
}

std::vector<std::string> SseSplitter::Feed(std::string_view bytes) {
  std::vector<std::string> events;
  Feed(bytes, [&events](std::string_view event) { events.emplace_back(event); });
  return events;
}

std::string SseSplitter::Rest() {
  std::string rest = std::move(buffer_);
  buffer_.clear();
  line_start_ = 0;
  return rest;
}

std::optional<std::string_view> SseDataView(std::string_view event, std::string& joined) {
  std::optional<std::string_view> data;
  bool several = false;  // data lines: `joined` holds them
  while (!event.empty()) {
    const size_t newline = event.find('\n');
    const size_t length = newline == std::string_view::npos ? event.size() : newline + 1;
    std::string_view line = StripLineEnd(event.substr(0, length));
    event.remove_prefix(length);
    if (!line.starts_with("data:")) continue;
    line.remove_prefix(5);
    if (line.starts_with(' ')) line.remove_prefix(1);
    if (!data) {
      data = line;
      continue;
    }
    if (!several) joined.assign(*data);
    several = true;
    joined += '\n';
    joined.append(line);
    data = joined;
  }
  return data;
}

std::optional<std::string> SseData(std::string_view event) {
  std::string joined;
  std::optional<std::string_view> data = SseDataView(event, joined);
  if (!data) return std::nullopt;
  return std::string(*data);
}

}  // namespace berth
