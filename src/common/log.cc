#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>

#include "common/clock.h"
#include "common/time_format.h"

namespace berth {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = level; }
bool LogEnabled(LogLevel level) { return level >= g_level.load(std::memory_order_relaxed); }

void LogLine(LogLevel level, std::string_view line) {
  std::string out = FormatApiTime(RealClock().Now()) + " " + LevelName(level) + " ";
  out.append(line);
  out.push_back('\n');
  std::fwrite(out.data(), 1, out.size(), stderr);  // one write keeps lines whole
}

}  // namespace berth
