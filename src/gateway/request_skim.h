// SkimOpenAiRequest: what the gateway needs from a compatible-mode request body (chat or
// completions), read by the JSON skimmer (json_skim.h) instead of a full tree: the model, whether
// it streams, its output cap, its enable_thinking and the prompt's token estimate, exactly as
// the tree path in Gateway::Plan reads them. Only for bodies the gateway forwards unchanged (apart
// from the stream_options it appends): anything else is left to the tree path. Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth {

struct SkimmedRequest {
  std::string model;  // non-empty
  bool stream = false;
  // max_tokens if it is an integer, else max_completion_tokens if that is.
  std::optional<int64_t> max_tokens;
  std::optional<bool> thinking_requested;  // chat_template_kwargs.enable_thinking
  int64_t prompt_tokens = 0;  // openai_prompt.h's estimate of messages (chat) or prompt
};

// nullopt when the tree path must decide: the body is not valid JSON (or uses what the skimmer
// leaves to the full parser), is not an object, has no non-empty string model, has
// enable_thinking (rewritten for the engine), streams with stream_options of its own, repeats
// a member the gateway reads, or has a key with escapes.
std::optional<SkimmedRequest> SkimOpenAiRequest(std::string_view body, bool chat);

}  // namespace berth
