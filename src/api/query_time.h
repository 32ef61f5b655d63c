// Time query parameters (start=, end=) of the extension routes that report over a period.
// Pure; any thread.
#pragma once

#include <optional>
#include <string>

#include "api/route_table.h"
#include "common/clock.h"

namespace berth {

// The time parameter `name` in the API's form (2026-11-23T10:00:00.000, or a date 2026-11-23):
// InvalidArgument naming the form when it is malformed or outside the years ParseApiTime
// supports; `fallback` when absent (nullopt: it is required).
StatusOr<SystemTime> QueryTime(const ApiCall& call, const std::string& name,
                               std::optional<SystemTime> fallback = std::nullopt);

}  // namespace berth
