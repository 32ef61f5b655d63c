// The CLI's human formatting: money, counts, durations, times and status colours.
#include "cli/format.h"

#include <gtest/gtest.h>

#include <limits>

namespace berth::cli {
namespace {

using std::chrono::milliseconds;

TEST(FormatMoneyTest, CurrencySymbolsDecimalsAndGrouping) {
  struct Case {
    double amount;
    const char* currency;
    const char* want;
  } cases[] = {
      {0, "CNY", "¥0.00"},           {1234.5, "CNY", "¥1,234.50"},
      {0.255, "USD", "$0.26"},       {1234567.891, "USD", "$1,234,567.89"},
      {12, "EUR", "12.00 EUR"},      {-3.1, "CNY", "-¥3.10"},
      {-0.001, "CNY", "¥0.00"},      {29.704, "", "29.70"},
      {999.999, "CNY", "¥1,000.00"},
  };
  for (const Case& c : cases) EXPECT_EQ(FormatMoney(c.amount, c.currency), c.want) << c.amount;
}

TEST(FormatUnitPriceTest, KeepsSmallPricesReadable) {
  EXPECT_EQ(FormatUnitPrice(0.0008, "CNY"), "¥0.0008");
  EXPECT_EQ(FormatUnitPrice(29.704, "CNY"), "¥29.704");
  EXPECT_EQ(FormatUnitPrice(2, "USD"), "$2.00");
  EXPECT_EQ(FormatUnitPrice(0.1234567, "USD"), "$0.123457");
}

TEST(FormatCountTest, GroupsThousands) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(-45000), "-45,000");
}

// Negating the most negative int64_t overflowed (UBSan reports it under BERTH_SANITIZE).
TEST(FormatCountTest, ExtremesOfInt64) {
  EXPECT_EQ(FormatCount(std::numeric_limits<int64_t>::min()), "-9,223,372,036,854,775,808");
  EXPECT_EQ(FormatCount(std::numeric_limits<int64_t>::max()), "9,223,372,036,854,775,807");
}

TEST(FormatElapsedTest, SecondsMinutesHours) {
  EXPECT_EQ(FormatElapsed(milliseconds(0)), "0s");
  EXPECT_EQ(FormatElapsed(milliseconds(42999)), "42s");
  EXPECT_EQ(FormatElapsed(milliseconds(65000)), "1m05s");
  EXPECT_EQ(FormatElapsed(milliseconds(7380000)), "2h03m");
  EXPECT_EQ(FormatElapsed(milliseconds(-5)), "0s");
}

TEST(ParseDurationTest, AcceptedForms) {
  struct Case {
    const char* text;
    int64_t ms;
  } cases[] = {{"10m", 600000}, {"90s", 90000}, {"1h30m", 5400000}, {"500ms", 500},
               {"45", 45000},   {"0s", 0},      {"2m10s", 130000}};
  for (const Case& c : cases) {
    StatusOr<milliseconds> got = ParseDuration(c.text);
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status().ToString();
    EXPECT_EQ(got->count(), c.ms) << c.text;
  }
}

TEST(ParseDurationTest, RejectedForms) {
  for (const char* text : {"", "m", "10x", "1.5m", "-3s", "10 m", "s10", "99999999999s"}) {
    StatusOr<milliseconds> got = ParseDuration(text);
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(ShortTimeTest, DropsMillisecondsAndTheT) {
  EXPECT_EQ(ShortTime("2026-11-23T09:56:35.934"), "2026-11-23 09:56:35");
  EXPECT_EQ(ShortTime("2026-11-23"), "2026-11-23");
  EXPECT_EQ(ShortTime(""), "");
}

TEST(StatusStyleTest, StatusesAtAGlance) {
  EXPECT_EQ(StatusStyle("RUNNING"), Style::kGood);
  EXPECT_EQ(StatusStyle("ready"), Style::kGood);
  EXPECT_EQ(StatusStyle("PENDING"), Style::kBusy);
  EXPECT_EQ(StatusStyle("UPDATING"), Style::kBusy);
  EXPECT_EQ(StatusStyle("DELETING"), Style::kBusy);
  EXPECT_EQ(StatusStyle("FAILED"), Style::kBad);
  EXPECT_EQ(StatusStyle("UPDATING_FAILED"), Style::kBad);
  EXPECT_EQ(StatusStyle("failed"), Style::kBad);
  EXPECT_EQ(StatusStyle("STOPPED"), Style::kMuted);
  EXPECT_EQ(StatusStyle("something"), Style::kPlain);
}

}  // namespace
}  // namespace berth::cli
