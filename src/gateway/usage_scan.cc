#include "gateway/usage_scan.h"

#include <nlohmann/json.hpp>

#include "gateway/json_skim.h"
#include "gateway/native_protocol.h"
#include "gateway/text_find.h"

namespace berth {
namespace {

// The end (one past the closing brace) of the JSON object starting at `open`, or npos.
size_t ObjectEnd(std::string_view text, size_t open) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = open; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The skimmer's answer (tokens nullopt: no counts), or nullopt when the full parser must decide.
struct SkimmedUsage {
  std::optional<TokenCount> tokens;
};

// OpenAiUsage of {"usage": object} without building the object's tree.
std::optional<SkimmedUsage> SkimUsage(std::string_view object) {
  std::optional<JsonSpan> usage = SkimJson(object);
  if (!usage || usage->kind != JsonKind::kObject) return std::nullopt;
  std::optional<JsonSpan> prompt, completion;
  JsonCursor cursor(*usage);
  std::string_view key;
  bool escaped = false;
  JsonSpan value;
  while (cursor.NextMember(key, escaped, value)) {
    if (escaped) return std::nullopt;
    std::optional<JsonSpan>* field = key == "prompt_tokens"       ? &prompt
                                     : key == "completion_tokens" ? &completion
                                                                  : nullptr;
    if (field == nullptr) continue;
    if (field->has_value()) return std::nullopt;  // repeated: the full parser's rule decides
    *field = value;
  }
  if (!prompt || !completion || prompt->kind != JsonKind::kInteger ||
      completion->kind != JsonKind::kInteger) {
    return SkimmedUsage{};
  }
  std::optional<int64_t> input = IntegerValue(*prompt);
  std::optional<int64_t> output = IntegerValue(*completion);
  if (!input || !output) return std::nullopt;
  return SkimmedUsage{TokenCount{*input, *output}};
}

}  // namespace

std::optional<TokenCount> ScanUsage(std::string_view json_text) {
  size_t key = RFindText(json_text, "\"usage\"");
  if (key == std::string_view::npos) return std::nullopt;
  size_t open = json_text.find_first_not_of(" \t\r\n:", key + 7);
  if (open == std::string_view::npos || json_text[open] != '{') return std::nullopt;
  size_t end = ObjectEnd(json_text, open);
  if (end == std::string_view::npos) return std::nullopt;
  return UsageOfObject(json_text.substr(open, end - open));
}

std::optional<TokenCount> UsageOfObject(std::string_view object) {
  if (std::optional<SkimmedUsage> skimmed = SkimUsage(object)) return skimmed->tokens;
  nlohmann::json usage = nlohmann::json::parse(object, nullptr,
                                               /*allow_exceptions=*/false);
  if (!usage.is_object()) return std::nullopt;
  return OpenAiUsage(nlohmann::json{{"usage", std::move(usage)}});
}

}  // namespace berth
