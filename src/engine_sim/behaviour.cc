#include "engine_sim/behaviour.h"

#include <nlohmann/json.hpp>

namespace berth::engine_sim {
namespace {

using nlohmann::ordered_json;

template <typename T>
std::optional<T> Lookup(std::string_view word,
                        std::initializer_list<std::pair<std::string_view, T>> table) {
  for (const auto& [name, value] : table) {
    if (name == word) return value;
  }
  return std::nullopt;
}

// vLLM's and SGLang's exception class names; llama.cpp's OpenAI-style error types.
std::string_view ClassType(int status) {
  switch (status) {
    case 400:
      return "BadRequestError";
    case 404:
      return "NotFoundError";
    case 503:
      return "ServiceUnavailableError";
    default:
      return status < 500 ? "BadRequestError" : "InternalServerError";
  }
}

std::string_view LlamaType(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 404:
      return "not_found_error";
    case 501:
      return "not_supported_error";
    case 503:
      return "unavailable_error";
    default:
      return status < 500 ? "invalid_request_error" : "server_error";
  }
}

ordered_json ErrorObject(ErrorShape shape, int status, std::string_view message) {
  switch (shape) {
    case ErrorShape::kSglang:
      return {{"object", "error"},
              {"message", message},
              {"type", ClassType(status)},
              {"param", nullptr},
              {"code", status}};
    case ErrorShape::kLlamaCpp:
      return {{"error", {{"code", status}, {"message", message}, {"type", LlamaType(status)}}}};
    case ErrorShape::kVllm:
      break;
  }
  return {
      {"error",
       {{"message", message}, {"type", ClassType(status)}, {"param", nullptr}, {"code", status}}}};
}

std::string Dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace

Status ApplyPersonality(std::string_view name, Behaviour& b) {
  if (name == "vllm") {
    b.loading = Loading::kRefuse;
    b.error_shape = ErrorShape::kVllm;
    b.lora_api = LoraApi::kVllm;
    b.lora_needs_env = true;
    b.enable_lora = false;
    b.reasoning = ReasoningField::kReasoning;
    b.done_after_error = true;
    b.on_term = OnTerm::kDrain;
  } else if (name == "sglang") {
    b.loading = Loading::kRefuse;
    b.health_delay_ms = 1000;  // /health generates one token, after a 1 s sleep
    b.error_shape = ErrorShape::kSglang;
    b.lora_api = LoraApi::kSglang;
    b.enable_lora = false;
    b.reasoning = ReasoningField::kReasoningContent;
    b.done_after_error = true;
    b.on_term = OnTerm::kDrain;
  } else if (name == "llamacpp") {
    b.loading = Loading::kAnswer503;
    b.error_shape = ErrorShape::kLlamaCpp;
    b.lora_api = LoraApi::kNone;
    b.reasoning = ReasoningField::kReasoningContent;
    b.done_after_error = false;
    b.on_term = OnTerm::kAbort;
  } else {
    return InvalidArgument("unknown personality \"" + std::string(name) +
                           "\": use vllm, sglang or llamacpp");
  }
  return Status::Ok();
}

std::optional<Loading> ParseLoading(std::string_view word) {
  return Lookup<Loading>(word, {{"503", Loading::kAnswer503}, {"refuse", Loading::kRefuse}});
}

std::optional<ErrorShape> ParseErrorShape(std::string_view word) {
  return Lookup<ErrorShape>(word, {{"vllm", ErrorShape::kVllm},
                                   {"sglang", ErrorShape::kSglang},
                                   {"llamacpp", ErrorShape::kLlamaCpp}});
}

std::optional<LoraApi> ParseLoraApi(std::string_view word) {
  return Lookup<LoraApi>(
      word, {{"vllm", LoraApi::kVllm}, {"sglang", LoraApi::kSglang}, {"none", LoraApi::kNone}});
}

std::optional<ReasoningField> ParseReasoningField(std::string_view word) {
  return Lookup<ReasoningField>(word, {{"none", ReasoningField::kNone},
                                       {"reasoning", ReasoningField::kReasoning},
                                       {"reasoning_content", ReasoningField::kReasoningContent}});
}

std::optional<OnTerm> ParseOnTerm(std::string_view word) {
  return Lookup<OnTerm>(
      word, {{"drain", OnTerm::kDrain}, {"abort", OnTerm::kAbort}, {"slow", OnTerm::kSlow}});
}

std::string ErrorBody(ErrorShape shape, int status, std::string_view message) {
  return Dump(ErrorObject(shape, status, message));
}

std::string StreamErrorEvent(ErrorShape shape, std::string_view message) {
  ordered_json error = ErrorObject(shape, 500, message);
  // SGLang wraps its top-level error object in {"error": ...} inside a stream.
  if (shape == ErrorShape::kSglang) error = {{"error", std::move(error)}};
  return "data: " + Dump(error) + "\n\n";
}

}  // namespace berth::engine_sim
