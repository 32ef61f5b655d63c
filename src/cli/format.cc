#include "cli/format.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace berth::cli {
namespace {

std::string GroupThousands(std::string digits) {
  std::string out;
  int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// `amount` (non-negative) with `decimals` digits after the point and grouped thousands.
std::string GroupedFixed(double amount, int decimals) {
  std::string text = fmt::format("{:.{}f}", amount, decimals);
  size_t dot = text.find('.');
  std::string whole = text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot);
  return GroupThousands(whole) + fraction;
}

std::string WithCurrency(double amount, std::string_view currency, std::string number) {
  std::string sign = amount < 0 && number.find_first_not_of("0.,") != std::string::npos ? "-" : "";
  if (currency == "CNY") return sign + "¥" + number;
  if (currency == "USD") return sign + "$" + number;
  if (currency.empty()) return sign + number;
  return sign + number + " " + std::string(currency);
}

}  // namespace

Style StatusStyle(std::string_view status) {
  if (status == "RUNNING" || status == "ready") return Style::kGood;
  if (status == "PENDING" || status == "UPDATING" || status == "DELETING" || status == "starting") {
    return Style::kBusy;
  }
  if (status == "FAILED" || status == "UPDATING_FAILED" || status == "failed") return Style::kBad;
  if (status == "STOPPED") return Style::kMuted;
  return Style::kPlain;
}

std::string_view AnsiStart(Style style) {
  switch (style) {
    case Style::kPlain:
      return "";
    case Style::kGood:
      return "\033[32m";
    case Style::kBusy:
      return "\033[33m";
    case Style::kBad:
      return "\033[31m";
    case Style::kMuted:
      return "\033[2m";
    case Style::kHeader:
      return "\033[1m";
  }
  return "";
}

std::string FormatMoney(double amount, std::string_view currency) {
  return WithCurrency(amount, currency, GroupedFixed(std::fabs(amount), 2));
}

std::string FormatUnitPrice(double amount, std::string_view currency) {
  std::string number = GroupedFixed(std::fabs(amount), 6);
  size_t dot = number.find('.');
  while (number.size() > dot + 3 && number.back() == '0') number.pop_back();
  return WithCurrency(amount, currency, number);
}

std::string FormatCount(int64_t n) {
  // The magnitude in unsigned arithmetic: -n overflows for the most negative int64_t.
  uint64_t magnitude = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  std::string out = n < 0 ? "-" : "";
  out += GroupThousands(std::to_string(magnitude));
  return out;
}

std::string FormatElapsed(std::chrono::milliseconds elapsed) {
  int64_t s = std::max<int64_t>(0, elapsed.count() / 1000);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument(fmt::format("invalid duration '{}' (e.g. 90s, 10m, 1h30m)", text));
  };
  if (text.empty()) return bad();
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 9) return bad();
    return std::chrono::milliseconds(std::atoll(std::string(text).c_str()) * 1000);
  }
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i - start > 9) return bad();
    int64_t value = std::atoll(std::string(text.substr(start, i - start)).c_str());
    std::string_view rest = text.substr(i);
    if (rest.starts_with("ms")) {
      total += value, i += 2;
    } else if (rest.starts_with("h")) {
      total += value * 3600000, i += 1;
    } else if (rest.starts_with("m")) {
      total += value * 60000, i += 1;
    } else if (rest.starts_with("s")) {
      total += value * 1000, i += 1;
    } else {
      return bad();
    }
  }
  return std::chrono::milliseconds(total);
}

std::string ShortTime(std::string_view api_time) {
  std::string out(api_time.substr(0, 19));
  if (out.size() > 10 && out[10] == 'T') out[10] = ' ';
  return out;
}

}  // namespace berth::cli
