// Behaviour: how the engine simulator departs from its plain vLLM-like self to act like a real
// engine berth must cope with: vLLM, SGLang or llama.cpp as they actually behave (loading,
// slow health, mid-stream errors, error body shapes, LoRA APIs, reasoning fields, shutdown).
// Plain values set once from flags (docs/engine-sim.md, "Personalities"); read from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace berth::engine_sim {

enum class Loading { kAnswer503, kRefuse };  // llama.cpp answers 503; vLLM/SGLang listen later
enum class ErrorShape {
  kVllm,      // {"error": {"message", "type", "param": null, "code": 400}}
  kSglang,    // {"object": "error", "message", "type", "param": null, "code": 400}
  kLlamaCpp,  // {"error": {"code": 400, "message", "type": "invalid_request_error"}}
};
enum class LoraApi { kVllm, kSglang, kNone };
enum class ReasoningField { kNone, kReasoning, kReasoningContent };
enum class OnTerm { kDrain, kAbort, kSlow };  // SIGTERM: finish requests, drop them, or linger

struct Behaviour {
  Loading loading = Loading::kAnswer503;
  int health_delay_ms = 0;            // every /health answers this late (SGLang generates a token)
  int health_lag_ms_per_running = 0;  // and this much more per running request (a busy loop)
  int error_after_tokens = -1;        // streams end with an error event after this many tokens
  bool done_after_error = true;       // [DONE] after that event (vLLM, SGLang; not llama.cpp)
  int fail_status = 0;                // every generation is answered with this HTTP status
  bool empty_error_body = false;      // ... and no body at all (a proxy's or a crash's 500)
  ErrorShape error_shape = ErrorShape::kVllm;
  LoraApi lora_api = LoraApi::kVllm;
  bool lora_needs_env = false;  // vLLM: no LoRA routes without VLLM_ALLOW_RUNTIME_LORA_UPDATING
  bool enable_lora = true;      // --enable-lora given (SGLang and gated vLLM need it)
  int max_lora_rank = 16;       // vLLM refuses an adapter of a higher rank
  ReasoningField reasoning = ReasoningField::kNone;
  int reasoning_tokens = 0;      // the first N output tokens are reasoning, when a field is set
  int tokens_per_chunk = 1;      // output tokens per stream chunk
  int prompt_token_delta = 0;    // added to the token rule's prompt count (another tokenizer)
  int workers = 0;               // child processes in the engine's process group
  bool workers_outlive = false;  // they do not die with the main process (vLLM's GPU workers)
  OnTerm on_term = OnTerm::kDrain;
  int term_seconds = 2;  // drain bound, or how long a slow exit lingers
};

// Applies a `--personality` preset (vllm, sglang, llamacpp): the engine's defaults for the
// fields above. InvalidArgument for another name.
Status ApplyPersonality(std::string_view name, Behaviour& behaviour);

// Parsers for the enum flags; nullopt for an unknown word.
std::optional<Loading> ParseLoading(std::string_view word);
std::optional<ErrorShape> ParseErrorShape(std::string_view word);
std::optional<LoraApi> ParseLoraApi(std::string_view word);
std::optional<ReasoningField> ParseReasoningField(std::string_view word);
std::optional<OnTerm> ParseOnTerm(std::string_view word);

// An error body in `shape` for HTTP `status` (the status repeated as an integer `code`).
std::string ErrorBody(ErrorShape shape, int status, std::string_view message);
// The SSE event an engine sends when generation fails mid-stream.
std::string StreamErrorEvent(ErrorShape shape, std::string_view message);

}  // namespace berth::engine_sim
