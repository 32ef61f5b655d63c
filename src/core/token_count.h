// The token rule shared by the engine simulator (to count prompts and build output whose count is
// known) and the gateway (to estimate a request's prompt tokens before admission). Pure functions
// over text; any thread. Reading the text out of a request's JSON is the caller's business
// (gateway/openai_prompt.h).
//
// A token is a maximal run of ASCII letters and digits ("Hello", "42", "gpt4"), or one other
// character that is not whitespace ("," "!" "é" "模"; a UTF-8 sequence is one character).
// Whitespace separates tokens and is not counted. So "Hello, world!" is 4 tokens.
//
// A chat prompt counts the tokens of every message's text plus kTokensPerMessage per message
// (standing in for the role and the chat template's separators).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace berth {

inline constexpr int kTokensPerMessage = 4;

// A request's tokens: prompt (input) and generated (output).
struct TokenCount {
  int64_t input = 0;
  int64_t output = 0;
  int64_t total() const { return input + output; }
  bool operator==(const TokenCount&) const = default;
};

// The number of tokens in `text` under the rule above.
int CountTokens(std::string_view text);

// One chat message's share of a prompt: the tokens of its text plus kTokensPerMessage. The text
// is given as the pieces it is made of (a content string, or the text parts of a content array),
// which count as if joined with '\n'.
int64_t ChatMessageTokens(std::span<const std::string_view> text_parts);

}  // namespace berth
