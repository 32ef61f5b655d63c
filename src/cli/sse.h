// SseParser: splits a text/event-stream body, fed in arbitrary pieces, into the `data` of each
// event (multi-line data joined with '\n'; comments, ids and event names ignored). Pure; one
// instance per stream, one thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace berth::cli {

class SseParser {
 public:
  // Appends `bytes` and calls `on_event` with the data of every event completed by them, in
  // order. Returns false as soon as `on_event` does (the rest is dropped), else true.
  bool Feed(std::string_view bytes, const std::function<bool(const std::string&)>& on_event);

 private:
  bool Line(std::string_view line, const std::function<bool(const std::string&)>& on_event);

  std::string pending_;  // bytes after the last complete line
  std::string data_;     // data lines of the event being read
  bool has_data_ = false;
};

}  // namespace berth::cli
