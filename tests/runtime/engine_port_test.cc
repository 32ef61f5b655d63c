// Tests for engine_port.h: engine ports come from below the kernel's ephemeral range.
#include "runtime/process/engine_port.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/process_test_util.h"

namespace berth {
namespace {

TEST(EnginePortRangeTest, BelowTheEphemeralRange) {
  struct Case {
    std::string text;
    int first, last;
  };
  const Case cases[] = {
      {"32768\t60999\n", 16384, 32767},  // Linux's default
      {"49152 65535", 32768, 49151},     // the IANA dynamic range
      {"10000 60000", 1024, 9999},       // little room: never below 1024
      {"2048 65535", 1024, 2047},
      {"2047 65535", 0, 0},  // too little room below: the kernel picks
      {"1024 65535", 0, 0},
      {"", 0, 0},
      {"junk", 0, 0},
      {"60000 50000", 0, 0},
  };
  for (const Case& c : cases) {
    PortRange range = EnginePortRangeBelow(c.text);
    EXPECT_EQ(range.first, c.first) << c.text;
    EXPECT_EQ(range.last, c.last) << c.text;
  }
}

TEST(PickFreePortTest, PicksAFreePortInTheRange) {
  PortRange range = EnginePortRange();
  StatusOr<int> port = PickFreePort({}, range);
  ASSERT_TRUE(port.ok()) << port.status().message();
  if (range.first > 0) {
    EXPECT_GE(*port, range.first);
    EXPECT_LE(*port, range.last);
  }
  EXPECT_FALSE(testing::PortAnswers(*port));
}

TEST(PickFreePortTest, NeverAPortToAvoidOrOneInUse) {
  StatusOr<int> any = PickFreePort({}, {});  // range {0, 0}: the kernel picks
  ASSERT_TRUE(any.ok());
  EXPECT_GT(*any, 0);
  EXPECT_FALSE(PickFreePort({*any}, {*any, *any}).ok());

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int busy = ntohs(addr.sin_port);
  StatusOr<int> none = PickFreePort({}, {busy, busy});
  ::close(fd);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "no free loopback port found");
}

}  // namespace
}  // namespace berth
