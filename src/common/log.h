// Minimal leveled logging to stderr, one line per call. Safe from any thread.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace berth {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, std::string_view line);

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(level)) LogLine(level, fmt::format(format, std::forward<Args>(args)...));
}

#define LOG_DEBUG(...) ::berth::Log(::berth::LogLevel::kDebug, __VA_ARGS__)
#define LOG_INFO(...) ::berth::Log(::berth::LogLevel::kInfo, __VA_ARGS__)
#define LOG_WARN(...) ::berth::Log(::berth::LogLevel::kWarn, __VA_ARGS__)
#define LOG_ERROR(...) ::berth::Log(::berth::LogLevel::kError, __VA_ARGS__)

}  // namespace berth
