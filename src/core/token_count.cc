#include "core/token_count.h"

#include <nlohmann/json.hpp>

namespace berth {
namespace {

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// A UTF-8 continuation byte (10xxxxxx) belongs to the character before it. Invalid sequences
// still count: each stray continuation byte after an ASCII byte joins that byte's token.
bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

using nlohmann::json;

// The field, or nullptr when absent or null (OpenAI clients send null for "not set").
const json* Field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

int CountTokens(std::string_view text) {
  int tokens = 0;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (IsSpace(c)) {
      ++i;
    } else if (IsAsciiAlnum(c)) {
      ++tokens;
      while (i < n && IsAsciiAlnum(static_cast<unsigned char>(text[i]))) ++i;
    } else {
      ++tokens;
      ++i;
      while (i < n && IsContinuation(static_cast<unsigned char>(text[i]))) ++i;
    }
  }
  return tokens;
}

StatusOr<std::string> ChatMessageText(const json& message) {
  if (!message.is_object()) return InvalidArgument("Each message must be an object.");
  const json* content = Field(message, "content");
  if (!content) return std::string();
  if (content->is_string()) return content->get<std::string>();
  if (!content->is_array()) {
    return InvalidArgument("A message's 'content' must be a string or an array of parts.");
  }
  std::string text;
  for (const json& part : *content) {
    if (!part.is_object()) return InvalidArgument("A content part must be an object.");
    const json* type = Field(part, "type");
    if (!type || !type->is_string()) return InvalidArgument("A content part needs a 'type'.");
    if (type->get<std::string>() != "text") continue;
    const json* part_text = Field(part, "text");
    if (!part_text || !part_text->is_string()) {
      return InvalidArgument("A text content part needs a string 'text'.");
    }
    if (!text.empty()) text += '\n';
    text += part_text->get<std::string>();
  }
  return text;
}

int64_t EstimateChatPromptTokens(const json& messages) {
  if (!messages.is_array()) return 0;
  int64_t tokens = 0;
  for (const json& message : messages) {
    StatusOr<std::string> text = ChatMessageText(message);
    tokens += (text.ok() ? CountTokens(text.value()) : 0) + kTokensPerMessage;
  }
  return tokens;
}

bool IsTokenIds(const json& value) {
  if (!value.is_array() || value.empty()) return false;
  for (const json& id : value) {
    if (!id.is_number_integer()) return false;
  }
  return true;
}

const json& UnwrapPrompt(const json& prompt) {
  if (prompt.is_array() && prompt.size() == 1 && !IsTokenIds(prompt)) return prompt[0];
  return prompt;
}

int64_t EstimateCompletionPromptTokens(const json& prompt) {
  const json& unwrapped = UnwrapPrompt(prompt);
  if (unwrapped.is_string()) return CountTokens(unwrapped.get_ref<const std::string&>());
  if (IsTokenIds(unwrapped)) return static_cast<int64_t>(unwrapped.size());
  return 0;
}

}  // namespace berth
