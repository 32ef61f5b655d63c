#include "gateway/openai_prompt.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "core/token_count.h"

namespace berth {
namespace {

using nlohmann::json;

// Appends the pieces of `message`'s text to `parts` (views into `message`); InvalidArgument for
// a shape ChatMessageText rejects.
Status MessageTextParts(const json& message, std::vector<std::string_view>& parts) {
  if (!message.is_object()) return InvalidArgument("Each message must be an object.");
  const json* content = JsonField(message, "content");
  if (!content) return Status::Ok();
  if (content->is_string()) {
    parts.push_back(content->get_ref<const std::string&>());
    return Status::Ok();
  }
  if (!content->is_array()) {
    return InvalidArgument("A message's 'content' must be a string or an array of parts.");
  }
  for (const json& part : *content) {
    if (!part.is_object()) return InvalidArgument("A content part must be an object.");
    const json* type = JsonField(part, "type");
    if (!type || !type->is_string()) return InvalidArgument("A content part needs a 'type'.");
    if (type->get_ref<const std::string&>() != "text") continue;
    const json* part_text = JsonField(part, "text");
    if (!part_text || !part_text->is_string()) {
      return InvalidArgument("A text content part needs a string 'text'.");
    }
    parts.push_back(part_text->get_ref<const std::string&>());
  }
  return Status::Ok();
}

}  // namespace

const nlohmann::json* JsonField(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

StatusOr<std::string> ChatMessageText(const json& message) {
  std::vector<std::string_view> parts;
  RETURN_IF_ERROR(MessageTextParts(message, parts));
  std::string text;
  for (std::string_view part : parts) {
    if (!text.empty()) text += '\n';
    text += part;
  }
  return text;
}

int64_t EstimateChatPromptTokens(const json& messages) {
  if (!messages.is_array()) return 0;
  int64_t tokens = 0;
  std::vector<std::string_view> parts;
  for (const json& message : messages) {
    parts.clear();
    if (!MessageTextParts(message, parts).ok()) parts.clear();
    tokens += ChatMessageTokens(parts);
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
