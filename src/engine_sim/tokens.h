// The engine simulator's token rule, used both to count prompt tokens and to build generated text,
// so `usage` always agrees with the text a client receives. Pure functions; any thread.
//
// A token is a maximal run of ASCII letters and digits ("Hello", "42", "gpt4"), or one other
// character that is not whitespace ("," "!" "é" "模"; a UTF-8 sequence is one character).
// Whitespace separates tokens and is not counted. So "Hello, world!" is 4 tokens.
//
// A chat prompt counts the tokens of every message's text plus kTokensPerMessage per message
// (standing in for the role and the chat template's separators).
#pragma once

#include <string_view>

namespace berth::engine_sim {

inline constexpr int kTokensPerMessage = 4;

// The number of tokens in `text` under the rule above.
int CountTokens(std::string_view text);

}  // namespace berth::engine_sim
