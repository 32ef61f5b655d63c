// Fuzz target: the DashScope native protocol as the gateway handles it. The input is a flags
// byte, a client's request body, a NUL byte, then what the engine sends back. The body goes
// through ParseNativeCall; the engine's bytes through NativeAnswer (a whole answer) and, cut
// into SSE events as the proxy cuts them, through a NativeStreamTranslator. Properties: no
// crash, leak or UB; a parse failure is an InvalidArgument with a message; the engine body of
// an accepted call serializes (the gateway dumps it without a replacement handler); every event
// sent to the client is a whole SSE event whose data is JSON.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "gateway/native_protocol.h"
#include "gateway/sse.h"

namespace {

using namespace berth;

void CheckCall(const NativeCall& call) {
  FUZZ_CHECK(!call.model.empty());
  FUZZ_CHECK(call.openai_body.at("messages").is_array());
  FUZZ_CHECK(!call.openai_body.at("messages").empty());
  FUZZ_CHECK(!call.max_tokens || *call.max_tokens >= 1);
  try {
    (void)call.openai_body.dump();
  } catch (const nlohmann::json::exception& e) {
    FUZZ_CHECK(!"the engine body of an accepted call does not serialize");
  }
}

// `events` is what the client receives: zero or more whole events with JSON data.
void CheckEvents(std::string_view events) {
  SseSplitter splitter;
  for (const std::string& event : splitter.Feed(events)) {
    FUZZ_CHECK(event.starts_with("id:"));
    std::optional<std::string> data = SseData(event);
    FUZZ_CHECK(data.has_value());
    FUZZ_CHECK(!nlohmann::json::parse(*data, nullptr, false).is_discarded());
  }
  FUZZ_CHECK(splitter.Rest().empty());
}

void Translate(const NativeCall& call, std::string_view engine) {
  (void)NativeAnswer(engine, call, "req-fuzz");
  NativeStreamTranslator translator(call, "req-fuzz", 7);
  SseSplitter splitter;
  std::vector<std::string> events = splitter.Feed(engine);
  events.push_back(splitter.Rest() + "\n\n");  // the proxy ends a stream with a blank line
  for (const std::string& event : events) {
    std::optional<std::string> data = SseData(event);
    if (!data) continue;
    if (*data == "[DONE]") break;
    const nlohmann::json chunk = nlohmann::json::parse(*data, nullptr, false);
    if (chunk.is_object()) CheckEvents(translator.OnChunk(chunk));
  }
  CheckEvents(translator.Finish());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t nul = rest.find('\0');
  const std::string_view body = rest.substr(0, nul);
  const std::string_view engine = nul == std::string_view::npos ? "" : rest.substr(nul + 1);

  StatusOr<NativeCall> call = ParseNativeCall(body, flags & 1);
  if (call.ok()) {
    CheckCall(*call);
    Translate(*call, engine);
    return 0;
  }
  FUZZ_CHECK(call.status().code() == StatusCode::kInvalidArgument);
  FUZZ_CHECK(!call.status().message().empty());
  // The engine's side is fuzzed all the same, for a call of each shape the flags pick.
  NativeCall fallback;
  fallback.model = "m";
  fallback.stream = true;
  fallback.incremental_output = flags & 2;
  fallback.message_format = flags & 4;
  Translate(fallback, engine);
  return 0;
}
