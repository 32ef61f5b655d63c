// Fuzz target: the two SSE readers, the gateway's SseSplitter + SseData (engine streams) and the
// CLI's SseParser (berth's own streams, read by `berth chat`). The first byte picks the piece
// size the stream arrives in. Properties: no crash, leak or UB; neither reader's result depends
// on how the bytes were cut; every event the splitter returns ends with its blank line; and
// both readers agree on the data of every event.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/sse.h"
#include "fuzz_check.h"
#include "gateway/sse.h"

namespace {

std::vector<std::string> Split(std::string_view bytes, size_t piece) {
  berth::SseSplitter splitter;
  std::vector<std::string> events;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    for (std::string& event : splitter.Feed(bytes.substr(at, piece))) {
      FUZZ_CHECK(event.ends_with("\n\n") || event.ends_with("\n\r\n"));
      events.push_back(std::move(event));
    }
  }
  events.push_back(splitter.Rest());
  return events;
}

std::vector<std::string> Parse(std::string_view bytes, size_t piece) {
  berth::cli::SseParser parser;
  std::vector<std::string> data;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    FUZZ_CHECK(parser.Feed(bytes.substr(at, piece), [&](const std::string& event) {
      data.push_back(event);
      return true;
    }));
  }
  return data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t piece = 1 + data[0] % 16;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::vector<std::string> events = Split(bytes, std::max<size_t>(bytes.size(), 1));
  FUZZ_CHECK(events == Split(bytes, piece));
  const std::vector<std::string> parsed = Parse(bytes, std::max<size_t>(bytes.size(), 1));
  FUZZ_CHECK(parsed == Parse(bytes, piece));

  // The splitter's whole events (the last element is the unfinished rest) carry the same data
  // as the CLI parser reports.
  std::vector<std::string> split_data;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    if (std::optional<std::string> event_data = berth::SseData(events[i])) {
      split_data.push_back(std::move(*event_data));
    }
  }
  FUZZ_CHECK(split_data == parsed);
  return 0;
}
