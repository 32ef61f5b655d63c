#include "common/time_format.h"

#include <cstdio>
#include <ctime>

namespace berth {

std::string FormatApiTime(SystemTime t) {
  int64_t ms = ToUnixMillis(t);
  // Floored, so that times before 1970 keep their milliseconds positive.
  int64_t millis = ((ms % 1000) + 1000) % 1000;
  std::time_t secs = static_cast<std::time_t>((ms - millis) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

namespace {

// Reads exactly `n` digits at `pos` into `out`.
bool ReadDigits(const std::string& text, size_t& pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Expect(const std::string& text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

StatusOr<SystemTime> ParseApiTime(const std::string& text) {
  Status invalid = InvalidArgument("invalid time '" + text +
                                   "', expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fff] (UTC)");
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  size_t pos = 0;
  if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, month) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, day)) {
    return invalid;
  }
  if (year < kMinApiYear || year > kMaxApiYear) {
    return InvalidArgument("time '" + text + "' is out of range: the years " +
                           std::to_string(kMinApiYear) + " to " + std::to_string(kMaxApiYear) +
                           " are supported");
  }
  if (pos < text.size()) {
    if (!Expect(text, pos, 'T') || !ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
        !ReadDigits(text, pos, 2, minute) || !Expect(text, pos, ':') ||
        !ReadDigits(text, pos, 2, second)) {
      return invalid;
    }
    if (pos < text.size()) {
      if (!Expect(text, pos, '.')) return invalid;
      size_t digits = text.size() - pos;
      if (digits < 1 || digits > 3 || !ReadDigits(text, pos, digits, millis)) return invalid;
      for (size_t i = digits; i < 3; ++i) millis *= 10;  // ".5" is 500 ms
    }
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t secs = timegm(&tm);
  // timegm normalises (Feb 31 -> Mar 3); a date that does not survive the round trip is bad.
  std::tm check{};
  gmtime_r(&secs, &check);
  if (check.tm_year != year - 1900 || check.tm_mon != month - 1 || check.tm_mday != day ||
      check.tm_hour != hour || check.tm_min != minute || check.tm_sec != second) {
    return invalid;
  }
  return FromUnixMillis(int64_t(secs) * 1000 + millis);
}

}  // namespace berth
