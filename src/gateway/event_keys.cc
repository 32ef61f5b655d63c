#include "gateway/event_keys.h"

#include <cstring>

namespace berth {
namespace {

// The closing quote of the string whose first byte is at `start` (one not escaped by an odd
// run of backslashes), or null.
const char* StringEnd(const char* start, const char* end) {
  for (const char* p = start;; ++p) {
    p = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
    if (p == nullptr) return nullptr;
    const char* run = p;
    while (run > start && run[-1] == '\\') --run;
    if ((p - run) % 2 == 0) return p;
  }
}

}  // namespace

EventKeys ScanEventKeys(std::string_view json_text) {
  EventKeys keys;
  const char* p = json_text.data();
  const char* const end = p + json_text.size();
  // Outside strings, valid JSON has no quotes: every quote found from here opens a string.
  while ((p = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)))) !=
         nullptr) {
    const char* start = p + 1;
    const char* close = StringEnd(start, end);
    if (close == nullptr) return {true, true, true, true};
    const std::string_view token(start, static_cast<size_t>(close - start));
    p = close + 1;
    if (token == "error") {
      keys.error = true;
    } else if (token == "reasoning") {
      keys.reasoning = true;
    } else if (token == "usage") {
      // A count is an object; OpenAI's streams say "usage":null in every chunk but the last.
      const char* value = p;
      while (value < end && (*value == ':' || *value == ' ' || *value == '\t' || *value == '\r' ||
                             *value == '\n')) {
        ++value;
      }
      if (value < end && *value == '{') keys.usage = true;
    } else if (token == "content" || token == "reasoning_content" || token == "text") {
      if (end - p >= 3 && p[0] == ':' && p[1] == '"' && p[2] != '"') keys.content = true;
    }
  }
  return keys;
}

}  // namespace berth
