#include "api/query_time.h"

#include "common/time_format.h"

namespace berth {

StatusOr<SystemTime> QueryTime(const ApiCall& call, const std::string& name,
                               std::optional<SystemTime> fallback) {
  const std::string* text = call.Query(name);
  if (text == nullptr || text->empty()) {
    if (fallback) return *fallback;
    return InvalidArgument(name + " is required, e.g. " + name + "=2026-11-23T10:00:00.000");
  }
  StatusOr<SystemTime> time = ParseApiTime(*text);
  if (!time.ok()) {
    return InvalidArgument(name + " must be a UTC time like 2026-11-23T10:00:00.000 or a date " +
                           "like 2026-11-23, in the years " + std::to_string(kMinApiYear) + " to " +
                           std::to_string(kMaxApiYear) + ", got '" + *text + "'");
  }
  return time;
}

}  // namespace berth
