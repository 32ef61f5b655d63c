// The prompt of an OpenAI request, read out of its JSON: a chat message's text and the prompt
// tokens of chat and completions requests under core's token rule (core/token_count.h). Shared
// by the gateway (estimates before admission, native-request checks) and the engine simulator
// (its prompt counts), so both count alike. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "common/status.h"

namespace berth {

// The member `name` of a JSON object, or nullptr when absent or null (OpenAI and DashScope
// clients send null for "not set"). `object` must be an object.
const nlohmann::json* JsonField(const nlohmann::json& object, const char* name);

// The text of one chat message: its "content" string, "" for absent or null content, or the
// "text" parts of a content array joined with '\n' (other parts, such as images, carry no text).
// InvalidArgument (message meant for the client) for any other shape.
StatusOr<std::string> ChatMessageText(const nlohmann::json& message);

// Chat prompt tokens: the sum over `messages` of ChatMessageTokens(its text).
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
