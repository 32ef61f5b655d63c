// YAML (a kubeconfig, an ExecCredential) to JSON values, over libyaml. Only the first document;
// plain scalars `true`/`false` become booleans, every other scalar a string (kubeconfig fields
// are strings). Pure function; safe on any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status.h"

namespace berth {

// InvalidArgument with the line and column of a syntax error, or when the text is too deep.
StatusOr<nlohmann::json> ParseYaml(std::string_view text);

}  // namespace berth
