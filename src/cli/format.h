// Formatting for the client commands' human output: money, counts, durations, API times and
// the colour a status is shown in. Pure functions; call from anywhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace berth::cli {

// How a table cell or a status is drawn on a colour terminal.
enum class Style { kPlain, kGood, kBusy, kBad, kMuted, kHeader };

// The colour of a deployment status (RUNNING, PENDING, FAILED…) or replica state (ready…).
Style StatusStyle(std::string_view status);

// ANSI escape that starts `style` ("" for kPlain); end it with kAnsiReset.
std::string_view AnsiStart(Style style);
inline constexpr std::string_view kAnsiReset = "\033[0m";

// `amount` in `currency` with two decimals and thousands separators: "¥1,234.50" for CNY,
// "$0.25" for USD, "12.00 EUR" for others, "-¥3.10" for a negative amount.
std::string FormatMoney(double amount, std::string_view currency);

// A unit price: like FormatMoney but keeps up to six decimals ("¥0.0008"), never fewer than two.
std::string FormatUnitPrice(double amount, std::string_view currency);

// 1234567 → "1,234,567".
std::string FormatCount(int64_t n);

// A span of time as a person reads it: "0s", "42s", "1m05s", "2h03m".
std::string FormatElapsed(std::chrono::milliseconds elapsed);

// "10m", "90s", "1h30m", "500ms" or a bare number of seconds. Fails with InvalidArgument.
StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

// "2026-11-23T09:56:35.934" → "2026-11-23 09:56:35" (the API's UTC time without millis).
std::string ShortTime(std::string_view api_time);

}  // namespace berth::cli
