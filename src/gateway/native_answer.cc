// NativeAnswer, OpenAiUsage and NativeStreamTranslator (declared in native_protocol.h): the
// engine's OpenAI answers turned into DashScope-native ones.
#include <utility>

#include "gateway/native_protocol.h"

namespace berth {
namespace {

using nlohmann::json;

const json* Field(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string StringField(const json& object, const char* name) {
  const json* value = Field(object, name);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

// Reasoning text as SGLang, llama.cpp and older vLLM name it, or as vLLM does now.
std::string ReasoningField(const json& object) {
  std::string text = StringField(object, "reasoning_content");
  return text.empty() ? StringField(object, "reasoning") : text;
}

// Engines may cut a UTF-8 sequence; replace rather than throw.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json NativeUsage(const TokenCount& usage) {
  return {{"input_tokens", usage.input},
          {"output_tokens", usage.output},
          {"total_tokens", usage.total()}};
}

// The "output" object in the call's result format.
json NativeOutput(bool message_format, const std::string& text, const std::string& reasoning,
                  const json& finish_reason) {
  if (!message_format) return {{"text", text}, {"finish_reason", finish_reason}};
  json message = {{"role", "assistant"}, {"content", text}};
  if (!reasoning.empty()) message["reasoning_content"] = reasoning;
  return {{"choices", json::array({{{"finish_reason", finish_reason}, {"message", message}}})}};
}

}  // namespace

std::optional<TokenCount> OpenAiUsage(const json& body) {
  const json* usage = Field(body, "usage");
  if (!usage) return std::nullopt;
  const json* prompt = Field(*usage, "prompt_tokens");
  const json* completion = Field(*usage, "completion_tokens");
  if (!prompt || !completion || !prompt->is_number_integer() || !completion->is_number_integer()) {
    return std::nullopt;
  }
  return TokenCount{prompt->get<int64_t>(), completion->get<int64_t>()};
}

StatusOr<std::string> NativeAnswer(std::string_view openai_body, const NativeCall& call,
                                   std::string_view request_id) {
  const json body = json::parse(openai_body, nullptr, /*allow_exceptions=*/false);
  const json* choices = Field(body, "choices");
  if (!choices || !choices->is_array() || choices->empty() || !Field((*choices)[0], "message")) {
    return Internal("the engine's answer is not a chat completion");
  }
  const std::optional<TokenCount> usage = OpenAiUsage(body);
  if (!usage) return Internal("the engine's answer has no usage");
  const json& choice = (*choices)[0];
  const json& message = choice["message"];
  const json* finish = Field(choice, "finish_reason");
  const json answer = {
      {"output", NativeOutput(call.message_format, StringField(message, "content"),
                              ReasoningField(message), finish ? *finish : json(nullptr))},
      {"usage", NativeUsage(*usage)},
      {"request_id", request_id}};
  return Dump(answer);
}

NativeStreamTranslator::NativeStreamTranslator(const NativeCall& call, std::string request_id,
                                               int64_t estimated_input_tokens)
    : incremental_(call.incremental_output),
      message_format_(call.message_format),
      request_id_(std::move(request_id)),
      estimated_input_tokens_(estimated_input_tokens) {}

bool NativeStreamTranslator::Append(const json& delta) {
  const std::string content = StringField(delta, "content");
  const std::string reasoning = ReasoningField(delta);
  if (content.empty() && reasoning.empty()) return false;
  if (incremental_ && !pending_text_) {
    text_.clear();
    reasoning_.clear();
  }
  text_ += content;
  reasoning_ += reasoning;
  ++output_tokens_;
  // A reasoning-only chunk has nothing to show in text format.
  pending_text_ = pending_text_ || !content.empty() || message_format_;
  return true;
}

std::string NativeStreamTranslator::OnChunk(const json& openai_chunk) {
  if (std::optional<TokenCount> usage = OpenAiUsage(openai_chunk)) usage_ = usage;
  const json* choices = Field(openai_chunk, "choices");
  if (choices && choices->is_array() && !choices->empty()) {
    const json& choice = (*choices)[0];
    if (const json* delta = Field(choice, "delta")) Append(*delta);
    if (const json* finish = Field(choice, "finish_reason"); finish && finish->is_string()) {
      finish_reason_ = finish->get<std::string>();
    }
  }
  if (finish_reason_) return usage_ ? FinalEvent() : std::string();
  if (!pending_text_) return std::string();
  return Event("null", {estimated_input_tokens_, output_tokens_});
}

std::string NativeStreamTranslator::Finish() {
  return finish_reason_ ? FinalEvent() : std::string();
}

std::string NativeStreamTranslator::FinalEvent() {
  if (final_sent_) return std::string();
  final_sent_ = true;
  if (incremental_ && !pending_text_) {
    text_.clear();
    reasoning_.clear();
  }
  return Event(*finish_reason_,
               usage_.value_or(TokenCount{estimated_input_tokens_, output_tokens_}));
}

std::string NativeStreamTranslator::Event(const std::string& finish_reason,
                                          const TokenCount& usage) {
  const json data = {{"output", NativeOutput(message_format_, text_, reasoning_, finish_reason)},
                     {"usage", NativeUsage(usage)},
                     {"request_id", request_id_}};
  pending_text_ = false;
  ++events_sent_;
  return "id:" + std::to_string(events_sent_) +
         "\nevent:result\n:HTTP_STATUS/200\ndata:" + Dump(data) + "\n\n";
}

}  // namespace berth
