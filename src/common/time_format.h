// The API's timestamp form: "2025-06-17T11:00:38.680" (UTC, no zone suffix, milliseconds).
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace berth {

// The years a SystemTime can hold whole (nanoseconds in 64 bits reach from 1677-09-21 to
// 2262-04-11); a time outside them would wrap around.
inline constexpr int kMinApiYear = 1678;
inline constexpr int kMaxApiYear = 2261;

std::string FormatApiTime(SystemTime t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]" (UTC) or a plain date "YYYY-MM-DD", in the years
// kMinApiYear to kMaxApiYear; InvalidArgument quoting `text` otherwise.
StatusOr<SystemTime> ParseApiTime(const std::string& text);

}  // namespace berth
