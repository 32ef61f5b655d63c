// The API's timestamp form: "2025-06-17T11:00:38.680" (UTC, no zone suffix, milliseconds).
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace berth {

std::string FormatApiTime(SystemTime t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]" (UTC) or a plain date "YYYY-MM-DD".
StatusOr<SystemTime> ParseApiTime(const std::string& text);

}  // namespace berth
