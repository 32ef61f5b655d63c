#include "core/token_count.h"

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

int64_t ChatMessageTokens(std::span<const std::string_view> text_parts) {
  // Whitespace separates tokens, so the joined text counts what its parts count.
  int64_t tokens = kTokensPerMessage;
  for (std::string_view part : text_parts) tokens += CountTokens(part);
  return tokens;
}

}  // namespace berth
