// ScanEventKeys: which of the keys the gateway acts on an OpenAI stream event mentions, found in
// one pass over the event's JSON string tokens, where four substring searches read it four
// times (per event of every stream). A flag that is set leads to the full check
// (EngineStreamError, DashScopeReasoning, ScanUsage); one that is not skips it, so a flag may
// say too much, never too little: text the scan cannot read to its end (an unterminated string)
// sets them all. Pure function; any thread.
#pragma once

#include <string_view>

namespace berth {

struct EventKeys {
  bool error = false;      // "error", as a key or a value (vLLM's {"object":"error"})
  bool reasoning = false;  // vLLM's "reasoning"
  bool usage = false;      // "usage" with an object (a count) for its value
  // Generated text: "content", "reasoning_content" or "text" followed at once by a string
  // value that is not empty (what an aborted stream is metered by).
  bool content = false;
};

EventKeys ScanEventKeys(std::string_view json_text);

}  // namespace berth
