#include "gateway/usage_scan.h"

#include <nlohmann/json.hpp>

#include "gateway/native_protocol.h"

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

}  // namespace

std::optional<TokenCount> ScanUsage(std::string_view json_text) {
  size_t key = json_text.rfind("\"usage\"");
  if (key == std::string_view::npos) return std::nullopt;
  size_t open = json_text.find_first_not_of(" \t\r\n:", key + 7);
  if (open == std::string_view::npos || json_text[open] != '{') return std::nullopt;
  size_t end = ObjectEnd(json_text, open);
  if (end == std::string_view::npos) return std::nullopt;
  nlohmann::json usage = nlohmann::json::parse(json_text.substr(open, end - open), nullptr,
                                               /*allow_exceptions=*/false);
  if (!usage.is_object()) return std::nullopt;
  return OpenAiUsage(nlohmann::json{{"usage", std::move(usage)}});
}

}  // namespace berth
