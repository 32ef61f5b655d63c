#include "common/time_format.h"

#include <cstdio>
#include <ctime>

namespace berth {

std::string FormatApiTime(SystemTime t) {
  int64_t ms = ToUnixMillis(t);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

StatusOr<SystemTime> ParseApiTime(const std::string& text) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  int consumed = 0;
  int fields = std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed);
  if (fields != 3) return InvalidArgument("invalid time '" + text + "'");
  if (static_cast<size_t>(consumed) < text.size()) {
    int more = 0;
    if (std::sscanf(text.c_str() + consumed, "T%2d:%2d:%2d%n", &hour, &minute, &second, &more) !=
        3) {
      return InvalidArgument("invalid time '" + text + "', expected YYYY-MM-DDTHH:MM:SS");
    }
    consumed += more;
    if (static_cast<size_t>(consumed) < text.size() &&
        std::sscanf(text.c_str() + consumed, ".%3d", &millis) != 1) {
      return InvalidArgument("invalid time '" + text + "'");
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return InvalidArgument("invalid time '" + text + "'");
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return FromUnixMillis(int64_t(timegm(&tm)) * 1000 + millis);
}

}  // namespace berth
