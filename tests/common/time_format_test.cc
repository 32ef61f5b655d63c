#include "common/time_format.h"

#include <gtest/gtest.h>

#include <string>

namespace berth {
namespace {

TEST(FormatApiTimeTest, UtcWithMilliseconds) {
  EXPECT_EQ(FormatApiTime(FromUnixMillis(1750158038680)), "2025-06-17T11:00:38.680");
  EXPECT_EQ(FormatApiTime(FromUnixMillis(0)), "1970-01-01T00:00:00.000");
  EXPECT_EQ(FormatApiTime(FromUnixMillis(1750158038007)), "2025-06-17T11:00:38.007");
}

TEST(ParseApiTimeTest, RoundTripsFormattedTimes) {
  const int64_t millis[] = {0, 1750158038680, 1750158038000, 1750158038001, 951782400999};
  for (int64_t ms : millis) {
    std::string text = FormatApiTime(FromUnixMillis(ms));
    StatusOr<SystemTime> parsed = ParseApiTime(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    EXPECT_EQ(ToUnixMillis(*parsed), ms) << text;
  }
}

TEST(ParseApiTimeTest, AcceptedForms) {
  struct Case {
    std::string text;
    int64_t millis;
  };
  const Case cases[] = {
      {"2025-06-17T11:00:38.680", 1750158038680},
      {"2025-06-17T11:00:38", 1750158038000},
      {"2025-06-17", 1750118400000},  // a plain date is midnight UTC
      {"2024-02-29T23:59:59.999", 1709251199999},
      {"2025-06-17T11:00:38.5", 1750158038500},  // a fraction, not a count of milliseconds
      {"2025-06-17T11:00:38.68", 1750158038680},
  };
  for (const Case& c : cases) {
    StatusOr<SystemTime> parsed = ParseApiTime(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.status().ToString();
    EXPECT_EQ(ToUnixMillis(*parsed), c.millis) << c.text;
  }
}

TEST(ParseApiTimeTest, RejectsMalformedInput) {
  const std::string bad[] = {
      "",
      "garbage",
      "2025/06/17",
      "2025-06",
      "2025-13-01",
      "2025-00-10",
      "2025-06-00",
      "2025-06-32",
      "2025-06-17T24:00:00",
      "2025-06-17T11:60:00",
      "2025-06-17T11:00",
      "2025-06-17 11:00:38",
      "2025-06-17T11:00:38x",
      "2025-06-17Tnoon",
      "2025-02-31",
      "2025-02-29",
      "2025-6-7",
      " 2025-06-17",
      "2025-06-17T11:00:38.",
      "2025-06-17T11:00:38.-5",
      "2025-06-17T11:00:38.1234",
      "2025-06-17T11:00:38.680junk",
  };
  for (const std::string& text : bad) {
    StatusOr<SystemTime> parsed = ParseApiTime(text);
    EXPECT_FALSE(parsed.ok()) << "accepted '" << text << "'";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
      EXPECT_NE(parsed.status().message().find(text), std::string::npos)
          << "message should quote the input: " << parsed.status().message();
    }
  }
}

// SystemTime counts nanoseconds in 64 bits: 9999-12-31 used to wrap around to a day in 1816.
TEST(ParseApiTimeTest, RefusesYearsSystemTimeCannotHold) {
  const std::string outside[] = {"9999-12-31", "2262-04-11", "2262-01-01T00:00:00",
                                 "1677-12-31", "0000-01-01", "1000-06-01T12:00:00.000"};
  for (const std::string& text : outside) {
    EXPECT_EQ(ParseApiTime(text).status(),
              InvalidArgument("time '" + text +
                              "' is out of range: the years 1678 to 2261 are supported"));
  }
  const std::string edges[] = {"1678-01-01T00:00:00.000", "2261-12-31T23:59:59.999",
                               "1969-12-31T23:59:59.999"};
  for (const std::string& text : edges) {
    StatusOr<SystemTime> parsed = ParseApiTime(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    EXPECT_EQ(FormatApiTime(*parsed), text);
  }
}

}  // namespace
}  // namespace berth
