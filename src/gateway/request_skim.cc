#include "gateway/request_skim.h"

#include <array>

#include "core/token_count.h"
#include "gateway/json_skim.h"

namespace berth {
namespace {

// The members of an object that a reader looks at, each at most once: a repeated one, or a key
// with escapes (which could spell one of them), sends the request to the tree path.
template <size_t N>
class Members {
 public:
  explicit Members(const std::array<std::string_view, N>& names) : names_(names) {}

  // False when the tree path must decide.
  bool Read(const JsonSpan& object) {
    JsonCursor cursor(object);
    std::string_view key;
    bool escaped = false;
    JsonSpan value;
    while (cursor.NextMember(key, escaped, value)) {
      if (escaped) return false;
      for (size_t i = 0; i < N; ++i) {
        if (key != names_[i]) continue;
        if (values_[i]) return false;
        values_[i] = value;
      }
    }
    return true;
  }

  // The member, or nullopt when absent or null (openai_prompt.h's JsonField).
  std::optional<JsonSpan> Field(size_t i) const {
    if (!values_[i] || values_[i]->kind == JsonKind::kNull) return std::nullopt;
    return values_[i];
  }
  bool Has(size_t i) const { return values_[i].has_value(); }

 private:
  const std::array<std::string_view, N>& names_;
  std::array<std::optional<JsonSpan>, N> values_;
};

// One chat message's tokens beyond kTokensPerMessage; 0 for a shape the tree path calls
// malformed. False when the tree path must decide.
bool MessageTokens(const JsonSpan& message, int64_t& tokens) {
  tokens = 0;
  if (message.kind != JsonKind::kObject) return true;
  static constexpr std::array<std::string_view, 1> kMessage = {"content"};
  Members<1> fields(kMessage);
  if (!fields.Read(message)) return false;
  const std::optional<JsonSpan> content = fields.Field(0);
  std::string scratch;
  if (!content) return true;
  if (content->kind == JsonKind::kString) {
    tokens = CountTokens(StringValue(*content, scratch));
    return true;
  }
  if (content->kind != JsonKind::kArray) return true;
  static constexpr std::array<std::string_view, 2> kPart = {"type", "text"};
  JsonCursor parts(*content);
  JsonSpan part;
  int64_t sum = 0;
  while (parts.NextElement(part)) {
    if (part.kind != JsonKind::kObject) return true;  // malformed: the message counts no text
    Members<2> part_fields(kPart);
    if (!part_fields.Read(part)) return false;
    const std::optional<JsonSpan> type = part_fields.Field(0);
    if (!type || type->kind != JsonKind::kString) return true;
    if (StringValue(*type, scratch) != "text") continue;
    const std::optional<JsonSpan> text = part_fields.Field(1);
    if (!text || text->kind != JsonKind::kString) return true;
    sum += CountTokens(StringValue(*text, scratch));
  }
  tokens = sum;
  return true;
}

// EstimateChatPromptTokens. False when the tree path must decide.
bool ChatTokens(const std::optional<JsonSpan>& messages, int64_t& tokens) {
  tokens = 0;
  if (!messages || messages->kind != JsonKind::kArray) return true;
  JsonCursor cursor(*messages);
  JsonSpan message;
  while (cursor.NextElement(message)) {
    int64_t text_tokens = 0;
    if (!MessageTokens(message, text_tokens)) return false;
    tokens += kTokensPerMessage + text_tokens;
  }
  return true;
}

// IsTokenIds: the number of ids, 0 when `value` is not a non-empty array of integers, nullopt
// when the tree path must decide (an id too long to be sure nlohmann reads it as an integer).
std::optional<int64_t> TokenIds(const JsonSpan& value) {
  if (value.kind != JsonKind::kArray) return 0;
  JsonCursor cursor(value);
  JsonSpan id;
  int64_t count = 0;
  while (cursor.NextElement(id)) {
    if (id.kind != JsonKind::kInteger) return 0;
    if (!IntegerValue(id)) return std::nullopt;
    ++count;
  }
  return count;
}

// EstimateCompletionPromptTokens (after UnwrapPrompt). False when the tree path must decide.
bool CompletionTokens(const std::optional<JsonSpan>& prompt, int64_t& tokens) {
  tokens = 0;
  if (!prompt) return true;
  JsonSpan value = *prompt;
  if (value.kind == JsonKind::kArray) {
    std::optional<int64_t> ids = TokenIds(value);
    if (!ids) return false;
    JsonCursor cursor(value);
    JsonSpan first, second;
    if (*ids == 0 && cursor.NextElement(first) && !cursor.NextElement(second)) value = first;
  }
  if (value.kind == JsonKind::kString) {
    std::string scratch;
    tokens = CountTokens(StringValue(value, scratch));
    return true;
  }
  std::optional<int64_t> ids = TokenIds(value);
  if (!ids) return false;
  tokens = *ids;
  return true;
}

// The member as an integer (Gateway's IntField); false when the tree path must decide.
bool IntegerField(const std::optional<JsonSpan>& field, std::optional<int64_t>& out) {
  out.reset();
  if (!field || field->kind != JsonKind::kInteger) return true;
  out = IntegerValue(*field);
  return out.has_value();
}

// chat_template_kwargs.enable_thinking when a boolean; false when the tree path must decide.
bool KwargsThinking(const std::optional<JsonSpan>& kwargs, std::optional<bool>& out) {
  out.reset();
  if (!kwargs || kwargs->kind != JsonKind::kObject) return true;
  static constexpr std::array<std::string_view, 1> kKwargs = {"enable_thinking"};
  Members<1> fields(kKwargs);
  if (!fields.Read(*kwargs)) return false;
  if (std::optional<JsonSpan> value = fields.Field(0); value && value->kind == JsonKind::kBool) {
    out = value->text == "true";
  }
  return true;
}

enum Top : size_t {
  kModel,
  kStream,
  kStreamOptions,
  kMaxTokens,
  kMaxCompletionTokens,
  kPrompt,
  kEnableThinking,
  kChatTemplateKwargs,
};

}  // namespace

std::optional<SkimmedRequest> SkimOpenAiRequest(std::string_view body, bool chat) {
  std::optional<JsonSpan> document = SkimJson(body);
  if (!document || document->kind != JsonKind::kObject) return std::nullopt;
  static constexpr std::array<std::string_view, 8> kChat = {
      "model",    "stream",          "stream_options",      "max_tokens", "max_completion_tokens",
      "messages", "enable_thinking", "chat_template_kwargs"};
  static constexpr std::array<std::string_view, 8> kCompletions = {
      "model",  "stream",          "stream_options",      "max_tokens", "max_completion_tokens",
      "prompt", "enable_thinking", "chat_template_kwargs"};
  Members<8> top(chat ? kChat : kCompletions);
  if (!top.Read(*document) || top.Has(kEnableThinking)) return std::nullopt;
  SkimmedRequest out;
  const std::optional<JsonSpan> model = top.Field(kModel);
  if (!model || model->kind != JsonKind::kString || model->text.size() == 2) return std::nullopt;
  std::string scratch;
  out.model = std::string(StringValue(*model, scratch));
  const std::optional<JsonSpan> stream = top.Field(kStream);
  out.stream = stream && stream->text == "true";
  if (out.stream && top.Has(kStreamOptions)) return std::nullopt;
  if (!IntegerField(top.Field(kMaxTokens), out.max_tokens)) return std::nullopt;
  if (!out.max_tokens && !IntegerField(top.Field(kMaxCompletionTokens), out.max_tokens)) {
    return std::nullopt;
  }
  if (!KwargsThinking(top.Field(kChatTemplateKwargs), out.thinking_requested)) return std::nullopt;
  const bool counted = chat ? ChatTokens(top.Field(kPrompt), out.prompt_tokens)
                            : CompletionTokens(top.Field(kPrompt), out.prompt_tokens);
  if (!counted) return std::nullopt;
  return out;
}

}  // namespace berth
