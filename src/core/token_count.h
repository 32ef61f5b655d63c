// The token rule shared by the engine simulator (to count prompts and build output whose count is
// known) and the gateway (to estimate a request's prompt tokens before admission). Pure functions;
// any thread.
//
// A token is a maximal run of ASCII letters and digits ("Hello", "42", "gpt4"), or one other
// character that is not whitespace ("," "!" "é" "模"; a UTF-8 sequence is one character).
// Whitespace separates tokens and is not counted. So "Hello, world!" is 4 tokens.
//
// A chat prompt counts the tokens of every message's text plus kTokensPerMessage per message
// (standing in for the role and the chat template's separators).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

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

// The text of one chat message: its "content" string, "" for absent or null content, or the
// "text" parts of a content array joined with '\n' (other parts, such as images, carry no text).
// InvalidArgument (message meant for the client) for any other shape.
StatusOr<std::string> ChatMessageText(const nlohmann::json& message);

// Chat prompt tokens: the sum over `messages` of (CountTokens(text) + kTokensPerMessage).
// Lenient, for estimates before validation: a message whose content is malformed counts as
// empty text; `messages` that is not an array counts 0.
int64_t EstimateChatPromptTokens(const nlohmann::json& messages);

// Completions prompt tokens: CountTokens of a string prompt (or of a one-string array), or the
// number of ids when `prompt` is an array of integer token ids; 0 for any other shape
// (after UnwrapPrompt).
int64_t EstimateCompletionPromptTokens(const nlohmann::json& prompt);

// True when `value` is a non-empty array of integers (a prompt given as token ids).
bool IsTokenIds(const nlohmann::json& value);
// A one-element array that is not token ids stands for its element (OpenAI's batch form with a
// single prompt); any other value is itself.
const nlohmann::json& UnwrapPrompt(const nlohmann::json& prompt);

}  // namespace berth
