// ScanUsage: the engine's token counts from an OpenAI answer or stream chunk, without parsing
// the whole (possibly long) text: only the object after its last "usage" key is parsed.
// Pure; any thread.
#pragma once

#include <optional>
#include <string_view>

#include "core/token_count.h"

namespace berth {

// nullopt when there is no usage object (absent or null) or it lacks the token counts.
std::optional<TokenCount> ScanUsage(std::string_view json_text);

// The token counts of `object`, the text of one usage object ({"prompt_tokens": ...}), as
// ScanUsage reads the object it finds; nullopt when it lacks them or is not an object.
std::optional<TokenCount> UsageOfObject(std::string_view object);

}  // namespace berth
