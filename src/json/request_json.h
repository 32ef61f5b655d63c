// ParseRequestJson: the one parser for the JSON bodies clients send to berth (the control-plane
// API, the gateway and engine-sim). It refuses documents nested deeper than kMaxJsonDepth before
// any part of them is built, so nothing recursive (copy, dump, destruction) ever runs on an
// arbitrarily deep document, and it names the field of a number too large for a double.
// Pure; callable from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status.h"

namespace berth {

// Objects and arrays may nest this deep (the outermost one is level 1). Real requests need a
// handful of levels; tool definitions with JSON schemas a few dozen.
inline constexpr int kMaxJsonDepth = 128;

// The document in `text`. InvalidArgument, always starting with the words a client reads first:
//   "request body is not valid JSON: syntax error at byte 7"
//   "request body nests JSON deeper than 128 levels (in messages)"
//   "ptu_capacity.input_tpm is a number out of range: 1E400"
StatusOr<nlohmann::json> ParseRequestJson(std::string_view text);

}  // namespace berth
