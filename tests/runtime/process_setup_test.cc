#include "runtime/process/process_setup.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"

namespace berth {
namespace {

TEST(ParseDurationTest, Table) {
  struct Case {
    std::string text;
    int64_t ms;  // -1: an error
  };
  const Case cases[] = {
      {"500ms", 500}, {"30s", 30000}, {"10m", 600000}, {"1h", 3600000},    {"90", 90000},
      {"0s", 0},      {"", -1},       {"m", -1},       {"10 m", -1},       {"-5s", -1},
      {"1.5s", -1},   {"10min", -1},  {"5d", -1},      {"9999999999", -1},
  };
  for (const Case& c : cases) {
    StatusOr<Millis> got = ParseDuration(c.text);
    if (c.ms < 0) {
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << c.text;
    } else {
      ASSERT_TRUE(got.ok()) << c.text;
      EXPECT_EQ(got->count(), c.ms) << c.text;
    }
  }
}

TEST(OpenProcessRuntimeTest, BadFlagsAreNamed) {
  testing::ScopedTempDir dir;
  RealClock clock;
  ProcessRuntimeFlags flags;
  flags.data_dir = dir.File("data");
  flags.units = "MU1=x";
  EXPECT_TRUE(OpenProcessRuntime(flags, clock).status().message().starts_with("--units: bad"));
  flags.units = "MU1=8";
  flags.placement_timeout = "soon";
  EXPECT_TRUE(OpenProcessRuntime(flags, clock)
                  .status()
                  .message()
                  .starts_with("--placement-timeout: bad duration"));
  flags.placement_timeout = "10m";
  flags.engines_file = dir.File("engines.json");
  std::ofstream(flags.engines_file) << R"({"engines": {"m": {"comand": ["x"]}}})";
  EXPECT_EQ(
      OpenProcessRuntime(flags, clock).status(),
      InvalidArgument(flags.engines_file + ": engines config: engines[\"m\"].command is required"));
  std::ofstream(flags.engines_file) << R"({"engines": {"m": {"command": ["x"]}}})";
  StatusOr<std::unique_ptr<ProcessRuntime>> runtime = OpenProcessRuntime(flags, clock);
  ASSERT_TRUE(runtime.ok()) << runtime.status().ToString();
  EXPECT_TRUE((*runtime)->ListAllReplicas().value().empty());
}

}  // namespace
}  // namespace berth
