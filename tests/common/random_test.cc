#include "common/random.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace berth {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

TEST(RandomUuidTest, HasTheVersion4Form) {
  for (int i = 0; i < 1000; ++i) {
    std::string id = RandomUuid();
    ASSERT_EQ(id.size(), 36u) << id;
    for (size_t at : {8u, 13u, 18u, 23u}) EXPECT_EQ(id[at], '-') << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    for (size_t at = 0; at < id.size(); ++at) {
      if (id[at] != '-') {
        EXPECT_TRUE(IsHex(id[at])) << id;
      }
    }
  }
}

// The per-thread byte pool hands every byte out once: ids never repeat, also across threads and
// across refills of the pool (10,000 ids per thread are ~40 refills).
TEST(RandomUuidTest, IdsAreDistinctAcrossThreadsAndRefills) {
  std::vector<std::vector<std::string>> ids(4);
  std::vector<std::thread> threads;
  for (auto& mine : ids) {
    threads.emplace_back([&mine] {
      for (int i = 0; i < 10000; ++i) mine.push_back(RandomUuid());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& mine : ids) all.insert(mine.begin(), mine.end());
  EXPECT_EQ(all.size(), 40000u);
}

TEST(RandomTextTest, LengthAndAlphabet) {
  std::string hex = RandomHex(5000);  // longer than the pool: drawn over several refills
  ASSERT_EQ(hex.size(), 5000u);
  for (char c : hex) EXPECT_TRUE(IsHex(c));
  std::string alnum = RandomAlnum(64);
  ASSERT_EQ(alnum.size(), 64u);
  for (char c : alnum) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  EXPECT_NE(RandomAlnum(32), RandomAlnum(32));
}

}  // namespace
}  // namespace berth
