// What vLLM, SGLang and llama.cpp answer besides a plain completion, read into the API's own
// terms: error bodies in their three shapes (integer codes, sometimes an empty 500), the error
// event some send in the middle of a stream, vLLM's `reasoning` field (DashScope and the other
// engines say `reasoning_content`), a usage object on a chunk the client did not ask it on, and
// DashScope's top-level enable_thinking in the form engines read. Pure functions; any thread.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/token_count.h"
#include "gateway/gateway_errors.h"

namespace berth {

// The error an engine answered a whole request with (HTTP `status`, `body` in any of
// {"error": {"message", "code": 400}} (vLLM), {"object": "error", "message", "code"} (SGLang),
// {"error": {"code", "message", "type"}} (llama.cpp), or anything else, empty included), as
// the error the client gets: the engine's status and message, DashScope's code for it.
GatewayError EngineFailure(int status, std::string_view body);

// The error an engine reports in the data of a stream event ({"error": ...} or an SGLang error
// object), with its integer code as the status (500 when it has none); nullopt for any other
// event. Cheap for ordinary chunks: only data mentioning "error" is parsed.
std::optional<GatewayError> EngineStreamError(std::string_view data);

// `json_text` (an answer or a stream chunk) with each choice's `reasoning` (vLLM's name)
// renamed `reasoning_content`; nullopt when it has none (then it is not parsed).
std::optional<std::string> DashScopeReasoning(std::string_view json_text);

// A chunk with usage in a stream the gateway asked usage on for itself, read once: the engine's
// token counts (as ScanUsage finds them), and what the client gets: nullopt for the usage-only
// chunk (choices []), any other chunk with "usage": null, so a client gets content chunks
// whatever usage the engine adds to them.
struct UsageChunk {
  std::optional<TokenCount> usage;
  std::optional<std::string> content;
};
UsageChunk SplitUsageChunk(std::string_view data);

// `body` (a JSON request) with its "model" set to `model`: how an SGLang replica is asked for
// an adapter ("<base>:<adapter>"). `body` unchanged when it is not a JSON object.
std::string WithModel(const std::string& body, const std::string& model);

// Moves a compatible-mode body's top-level enable_thinking (DashScope's parameter) into
// chat_template_kwargs.enable_thinking, which vLLM, SGLang and llama.cpp read (an explicit
// chat_template_kwargs value wins). True when the body changed.
bool EngineThinkingForm(nlohmann::json& body);

}  // namespace berth
