// Server-sent events framing for the gateway: SseSplitter cuts a byte stream (as it arrives from
// an engine) into whole events, and SseData reads an event's data payload. Pure; an SseSplitter
// belongs to one stream and is not thread-safe, SseData may be called from any thread.
//
// Lines end with "\n" or "\r\n" (a lone "\r" is not a line end here); an event ends at a blank
// line. Comment lines (":...") and fields other than data: are kept in the event text and
// ignored by SseData.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

class SseSplitter {
 public:
  // Feeds the next bytes; calls `on_event` with each event they complete, in order: the text up
  // to and including its blank line, a view valid during the call. Blank lines with no event
  // before them are dropped. `on_event` must not feed this splitter.
  void Feed(std::string_view bytes, const std::function<void(std::string_view)>& on_event);
  // The same, returning the events.
  std::vector<std::string> Feed(std::string_view bytes);
  // The bytes fed but not yet part of a complete event (e.g. a last event the peer closed
  // without its blank line); clears them.
  std::string Rest();

 private:
  std::string buffer_;     // from the start of the current (incomplete) event
  size_t line_start_ = 0;  // start of the first line of buffer_ not yet seen complete
};

// The data of `event`: the values of its "data:" lines (one leading space dropped), joined with
// '\n' when there are several; nullopt when it has none. The view is into `event`, or into
// `joined` when the data has several lines.
std::optional<std::string_view> SseDataView(std::string_view event, std::string& joined);
// The same, as a string of its own.
std::optional<std::string> SseData(std::string_view event);

}  // namespace berth
