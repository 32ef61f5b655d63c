#include "engine_sim/tokens.h"

#include <gtest/gtest.h>

#include <string>

namespace berth::engine_sim {
namespace {

struct TokenCase {
  std::string text;
  int tokens;
};

TEST(TokensTest, CountsByTheDocumentedRule) {
  const TokenCase cases[] = {
      {"", 0},
      {"   \t\n", 0},
      {"hello", 1},
      {"Hello, world!", 4},
      {"gpt4 is 2x faster", 4},
      {"a.b", 3},
      {"...", 3},
      {"don't", 3},
      {"  spaced   out  ", 2},
      {"x=1+2", 5},
      {"caf\xc3\xa9", 2},               // "café": "caf" then "é" (one UTF-8 character)
      {"\xe6\xa8\xa1\xe5\x9e\x8b", 2},  // two CJK characters
      {"emoji \xf0\x9f\x98\x80!", 3},   // a 4-byte character is one token
      {"line1\nline2", 2},
  };
  for (const TokenCase& c : cases) {
    EXPECT_EQ(CountTokens(c.text), c.tokens) << '"' << c.text << '"';
  }
}

TEST(TokensTest, StrayContinuationBytesStayWithTheirCharacter) {
  EXPECT_EQ(CountTokens("!\x80\x80"), 1);
  EXPECT_EQ(CountTokens("\x80"), 1);
}

}  // namespace
}  // namespace berth::engine_sim
