#include "engine_sim/openai_request.h"

#include <nlohmann/json.hpp>

#include "core/token_count.h"
#include "gateway/openai_prompt.h"
#include "json/request_json.h"

namespace berth::engine_sim {
namespace {

using nlohmann::json;

StatusOr<json> ParseObject(std::string_view body) {
  ASSIGN_OR_RETURN(json parsed, ParseRequestJson(body));
  if (!parsed.is_object()) return InvalidArgument("The request body must be a JSON object.");
  return parsed;
}

// The field, or nullptr when absent or null (OpenAI clients send null for "not set").
const json* Field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

StatusOr<std::string> OptionalString(const json& object, const char* name) {
  const json* value = Field(object, name);
  if (!value) return std::string();
  if (!value->is_string()) return InvalidArgument(std::string("'") + name + "' must be a string.");
  return value->get<std::string>();
}

StatusOr<bool> OptionalBool(const json& object, const char* name) {
  const json* value = Field(object, name);
  if (!value) return false;
  if (!value->is_boolean())
    return InvalidArgument(std::string("'") + name + "' must be a boolean.");
  return value->get<bool>();
}

StatusOr<std::optional<int>> MaxTokens(const json& object) {
  const char* name = "max_completion_tokens";
  const json* value = Field(object, name);
  if (!value) value = Field(object, name = "max_tokens");
  if (!value) return std::optional<int>();
  if (!value->is_number_integer() || value->get<int64_t>() < 1 ||
      value->get<int64_t>() > (int64_t{1} << 30)) {
    return InvalidArgument(std::string("'") + name + "' must be a positive integer.");
  }
  return std::optional<int>(static_cast<int>(value->get<int64_t>()));
}

// Fields common to both endpoints: model, max_tokens, seed, n, stream, stream_options.
Status ParseCommon(const json& object, GenerationRequest& request) {
  ASSIGN_OR_RETURN(request.model, OptionalString(object, "model"));
  ASSIGN_OR_RETURN(request.max_tokens, MaxTokens(object));
  if (const json* seed = Field(object, "seed")) {
    if (!seed->is_number_integer()) return InvalidArgument("'seed' must be an integer.");
    request.seed = seed->is_number_unsigned() ? seed->get<uint64_t>()
                                              : static_cast<uint64_t>(seed->get<int64_t>());
  }
  if (const json* n = Field(object, "n")) {
    if (!n->is_number_integer() || n->get<int64_t>() != 1) {
      return InvalidArgument("engine-sim supports only n = 1.");
    }
  }
  ASSIGN_OR_RETURN(request.stream, OptionalBool(object, "stream"));
  if (const json* options = Field(object, "stream_options")) {
    if (!request.stream) {
      return InvalidArgument("Stream options can only be defined when `stream=True`.");
    }
    if (!options->is_object()) return InvalidArgument("'stream_options' must be an object.");
    ASSIGN_OR_RETURN(request.include_usage, OptionalBool(*options, "include_usage"));
    ASSIGN_OR_RETURN(bool continuous, OptionalBool(*options, "continuous_usage_stats"));
    request.continuous_usage = request.include_usage && continuous;  // as vLLM: both needed
  }
  return Status::Ok();
}

// chat_template_kwargs.enable_thinking, as vLLM, SGLang and llama.cpp read it.
Status ParseThinking(const json& object, GenerationRequest& request) {
  const json* kwargs = Field(object, "chat_template_kwargs");
  if (!kwargs) return Status::Ok();
  if (!kwargs->is_object()) return InvalidArgument("'chat_template_kwargs' must be an object.");
  if (const json* thinking = Field(*kwargs, "enable_thinking")) {
    if (!thinking->is_boolean()) return InvalidArgument("'enable_thinking' must be a boolean.");
    request.thinking = thinking->get<bool>();
  }
  return Status::Ok();
}

Status ParseMessages(const json& object, GenerationRequest& request) {
  const json* messages = Field(object, "messages");
  if (!messages) return InvalidArgument("'messages' is required.");
  if (!messages->is_array() || messages->empty()) {
    return InvalidArgument("'messages' must be a non-empty array.");
  }
  for (const json& message : *messages) {
    if (!message.is_object()) return InvalidArgument("Each message must be an object.");
    const json* role = Field(message, "role");
    if (!role || !role->is_string()) return InvalidArgument("Each message needs a string 'role'.");
    ASSIGN_OR_RETURN(std::string text, ChatMessageText(message));
    request.prompt_text += role->get<std::string>();
    request.prompt_text += '\n';
    request.prompt_text += text;
    request.prompt_text += '\n';
  }
  request.prompt_tokens = static_cast<int>(EstimateChatPromptTokens(*messages));
  return Status::Ok();
}

Status ParsePrompt(const json& object, GenerationRequest& request) {
  const json* prompt = Field(object, "prompt");
  if (!prompt) return InvalidArgument("'prompt' is required.");
  prompt = &UnwrapPrompt(*prompt);
  if (prompt->is_string()) {
    request.prompt_text = prompt->get<std::string>();
  } else if (IsTokenIds(*prompt)) {
    request.prompt_text = prompt->dump();
  } else if (prompt->is_array()) {
    return InvalidArgument("engine-sim accepts one prompt per request.");
  } else {
    return InvalidArgument("'prompt' must be a string or an array of token ids.");
  }
  request.prompt_tokens = static_cast<int>(EstimateCompletionPromptTokens(*prompt));
  if (request.prompt_tokens == 0) return InvalidArgument("The prompt cannot be empty.");
  return Status::Ok();
}

}  // namespace

StatusOr<GenerationRequest> ParseChatRequest(std::string_view body) {
  ASSIGN_OR_RETURN(json object, ParseObject(body));
  GenerationRequest request;
  RETURN_IF_ERROR(ParseMessages(object, request));
  RETURN_IF_ERROR(ParseCommon(object, request));
  RETURN_IF_ERROR(ParseThinking(object, request));
  return request;
}

StatusOr<GenerationRequest> ParseCompletionRequest(std::string_view body) {
  ASSIGN_OR_RETURN(json object, ParseObject(body));
  GenerationRequest request;
  RETURN_IF_ERROR(ParsePrompt(object, request));
  RETURN_IF_ERROR(ParseCommon(object, request));
  return request;
}

StatusOr<LoraAdapter> ParseLoadLoraRequest(std::string_view body) {
  ASSIGN_OR_RETURN(json object, ParseObject(body));
  LoraAdapter adapter;
  ASSIGN_OR_RETURN(adapter.name, OptionalString(object, "lora_name"));
  ASSIGN_OR_RETURN(adapter.path, OptionalString(object, "lora_path"));
  if (adapter.name.empty() || adapter.path.empty()) {
    return InvalidArgument("Both 'lora_name' and 'lora_path' must be provided.");
  }
  return adapter;
}

StatusOr<std::string> ParseUnloadLoraRequest(std::string_view body) {
  ASSIGN_OR_RETURN(json object, ParseObject(body));
  ASSIGN_OR_RETURN(std::string name, OptionalString(object, "lora_name"));
  if (name.empty()) return InvalidArgument("'lora_name' must be provided.");
  return name;
}

}  // namespace berth::engine_sim
