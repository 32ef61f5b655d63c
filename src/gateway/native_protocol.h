// Translation between DashScope's native text-generation protocol (what clients send to
// /api/v1/services/aigc/text-generation/generation) and the OpenAI chat-completions protocol the
// engines speak. Pure functions and per-stream values, no I/O: ParseNativeCall, NativeAnswer and
// NativeErrorEvent may be called from any thread; a NativeStreamTranslator belongs to one stream.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "core/token_count.h"

namespace berth {

struct NativeCall {
  std::string model;
  nlohmann::json openai_body;  // the OpenAI /v1/chat/completions body to send to the engine
  bool stream = false;  // SSE requested (X-DashScope-SSE: enable or Accept: text/event-stream)
  bool incremental_output = false;
  bool message_format = false;  // parameters.result_format == "message"
  std::optional<int64_t> max_tokens;
};

// Parses a DashScope native text-generation body {model, input{messages|prompt}, parameters{...}}.
// input.messages wins over input.prompt; a prompt becomes one user message. Parameters passed
// to the engine: max_tokens, temperature, top_p, top_k, seed, stop, presence_penalty,
// repetition_penalty (vLLM's), enable_thinking (as vLLM's chat_template_kwargs); n other than 1 is
// refused; other parameters are ignored. A stream asks the engine for usage
// (stream_options.include_usage). Fails with InvalidArgument, its message naming the field
// ("model is required", "input.messages or input.prompt is required", ...).
StatusOr<NativeCall> ParseNativeCall(std::string_view body, bool sse_requested);

// The native answer for a non-streaming OpenAI chat.completion body:
//   text format:    {"output":{"text","finish_reason"},"usage":{...},"request_id"}
//   message format: {"output":{"choices":[{"finish_reason","message":{"role","content"}}]},...}
// with usage {input_tokens, output_tokens, total_tokens}; the message carries
// reasoning_content when the engine gave it. Internal when the engine body is not a chat
// completion with usage.
StatusOr<std::string> NativeAnswer(std::string_view openai_body, const NativeCall& call,
                                   std::string_view request_id);

// The token usage of an OpenAI chat.completion body or stream chunk ("usage": {prompt_tokens,
// completion_tokens}); nullopt when it has none (null, absent or malformed).
std::optional<TokenCount> OpenAiUsage(const nlohmann::json& body);

// Turns the engine's OpenAI stream chunks into native SSE events, one per content chunk:
//   "id:<n>\nevent:result\n:HTTP_STATUS/200\ndata:<json {output, usage, request_id}>\n\n"
// n counts from 1. Without incremental_output, the text (output.text or message.content) is
// cumulative; with it, the delta. finish_reason is the string "null" until the last event, which
// carries the engine's finish_reason and its exact usage. The engine sends the finish_reason
// chunk and then a usage chunk (choices: []) before [DONE], so the final event is held until
// the usage chunk or Finish(). Intermediate events carry usage with input_tokens from
// `estimated_input_tokens` and output_tokens counted so far (one per content chunk). In text
// format a chunk with only reasoning_content counts a token but sends no event.
class NativeStreamTranslator {
 public:
  NativeStreamTranslator(const NativeCall& call, std::string request_id,
                         int64_t estimated_input_tokens);

  // Events to send now for one engine chunk (the parsed data of one SSE event), possibly "".
  std::string OnChunk(const nlohmann::json& openai_chunk);
  // At the engine's [DONE] (or the end of its stream): the held final event, if any, else "".
  std::string Finish();

  // The engine's usage once seen.
  std::optional<TokenCount> usage() const { return usage_; }
  // Whether the engine sent a finish_reason (a stream that ends without one was cut short).
  bool saw_finish() const { return finish_reason_.has_value(); }
  // Events sent so far (the id the next event, e.g. an error, follows).
  int events_sent() const { return events_sent_; }

 private:
  // Folds one choice's delta into the text so far; true when it carried any output.
  bool Append(const nlohmann::json& delta);
  std::string Event(const std::string& finish_reason, const TokenCount& usage);
  std::string FinalEvent();

  bool incremental_;
  bool message_format_;
  std::string request_id_;
  int64_t estimated_input_tokens_;
  int events_sent_ = 0;
  int64_t output_tokens_ = 0;  // content chunks so far
  std::string text_;           // cumulative, or the pending delta when incremental
  std::string reasoning_;      // likewise
  bool pending_text_ = false;  // text_/reasoning_ hold output not yet sent
  std::optional<std::string> finish_reason_;
  std::optional<TokenCount> usage_;
  bool final_sent_ = false;
};

// The native error event for a failure mid-stream:
//   "id:<n>\nevent:error\n:HTTP_STATUS/<status>\ndata:{"code","message","request_id"}\n\n"
std::string NativeErrorEvent(int n, int http_status, std::string_view code,
                             std::string_view message, std::string_view request_id);

}  // namespace berth
