// The bodies and SSE chunks the engine simulator answers with, in the shapes of vLLM's
// OpenAI-compatible server, and the one mapping from a Status to an HTTP error response.
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine_sim/model_table.h"
#include "http/http_types.h"

namespace berth::engine_sim {

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

// The fields every body and chunk of one response repeats.
struct CompletionHeader {
  bool chat = true;  // chat.completion(.chunk) rather than text_completion
  std::string id;    // "chatcmpl-..." or "cmpl-..."
  int64_t created = 0;
  std::string model;
};

// Reasoning text of a chat answer and the field it goes in ("reasoning" as vLLM names it,
// "reasoning_content" as SGLang, llama.cpp and older vLLM do); empty field: none.
struct Reasoning {
  std::string_view field;
  std::string_view text;
};

// A non-streamed chat.completion or text_completion.
std::string CompletionBody(const CompletionHeader& header, std::string_view text,
                           std::string_view finish_reason, Usage usage, Reasoning reasoning = {});

// SSE events ("data: {...}\n\n") of a streamed response. Every chunk but the usage one carries
// "usage": null.
class ChunkFormatter {
 public:
  explicit ChunkFormatter(const CompletionHeader& header);

  // Chat only: the first chunk, delta {"role": "assistant", "content": ""}.
  std::string RoleChunk() const;
  // One generated piece: delta.content (chat) or text (completions).
  std::string TokenChunk(std::string_view piece) const;
  // Chat only: reasoning text, delta.<field>.
  std::string ReasoningChunk(std::string_view field, std::string_view piece) const;
  // The chunk that ends the choice, with its finish_reason.
  std::string FinishChunk(std::string_view finish_reason) const;
  // stream_options.include_usage: choices [] and the usage.
  std::string UsageChunk(Usage usage) const;

 private:
  bool chat_;
  std::string head_;  // data: {"id":..,"object":..,"created":..,"model":..,
};

inline constexpr std::string_view kDoneEvent = "data: [DONE]\n\n";

// GET /v1/models: {"object": "list", "data": [...]}.
std::string ModelListBody(const std::vector<ModelCard>& cards);

HttpResponse JsonResponse(int status, std::string body);

// The one Status -> HTTP mapping, in OpenAI's error shape:
// {"error": {"message", "type", "param": null, "code": <HTTP status>}}.
HttpResponse ErrorResponse(const Status& status);

}  // namespace berth::engine_sim
