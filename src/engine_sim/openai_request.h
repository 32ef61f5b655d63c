// The OpenAI-compatible request bodies the engine simulator accepts, parsed into plain values.
// Pure functions; any thread. Each parser fails with InvalidArgument (message meant for the
// client) where vLLM would answer 400.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace berth::engine_sim {

// What a chat or text completion request asks for. Sampling fields (temperature, top_p, stop,
// ...) are accepted and ignored: the output depends on the prompt and the seed only.
struct GenerationRequest {
  std::string model;        // "" when absent: the served model
  std::string prompt_text;  // what the output is derived from (roles and contents for chat)
  int prompt_tokens = 0;    // by the rule in core/token_count.h
  std::optional<int> max_tokens;
  std::optional<uint64_t> seed;  // the request's "seed", mixed with --seed
  bool stream = false;
  bool include_usage = false;     // stream_options.include_usage
  bool continuous_usage = false;  // ... and continuous_usage_stats: usage on every chunk
  bool thinking = true;           // chat_template_kwargs.enable_thinking (chat only)
};

// POST /v1/chat/completions: `messages` (non-empty; content a string, null, or text parts).
StatusOr<GenerationRequest> ParseChatRequest(std::string_view body);
// POST /v1/completions: `prompt` as a string, a one-string array, or token ids.
StatusOr<GenerationRequest> ParseCompletionRequest(std::string_view body);

struct LoraAdapter {
  std::string name;
  std::string path;
};

// POST /v1/load_lora_adapter: both "lora_name" and "lora_path".
StatusOr<LoraAdapter> ParseLoadLoraRequest(std::string_view body);
// POST /v1/unload_lora_adapter: "lora_name"; returns it.
StatusOr<std::string> ParseUnloadLoraRequest(std::string_view body);

}  // namespace berth::engine_sim
