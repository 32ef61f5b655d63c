#include "core/token_count.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace berth {
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

TEST(TokensTest, AChatMessageIsItsTextTokensPlusFour) {
  EXPECT_EQ(ChatMessageTokens({}), kTokensPerMessage);  // no text
  const std::string_view one[] = {"Hello, world!"};
  EXPECT_EQ(ChatMessageTokens(one), 4 + kTokensPerMessage);
  // Parts count as if joined with '\n': "a" and "b" stay two tokens, "ab" does not form.
  const std::string_view parts[] = {"a", "b", ""};
  EXPECT_EQ(ChatMessageTokens(parts), 2 + kTokensPerMessage);
  const std::string_view cut[] = {"Hel", "lo"};
  EXPECT_EQ(ChatMessageTokens(cut), CountTokens("Hel\nlo") + kTokensPerMessage);
}

}  // namespace
}  // namespace berth
