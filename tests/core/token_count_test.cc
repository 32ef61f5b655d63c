#include "core/token_count.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

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

using nlohmann::json;

struct PromptCase {
  const char* what;
  const char* json_text;
  int64_t tokens;
};

TEST(TokensTest, ChatPromptIsTextTokensPlusFourPerMessage) {
  const PromptCase cases[] = {
      {"one string", R"([{"role":"user","content":"Hello, world!"}])", 4 + 4},
      {"two messages", R"([{"role":"system","content":"Be brief."},
                           {"role":"user","content":"Hi"}])",
       3 + 4 + 1 + 4},
      {"null content", R"([{"role":"assistant","content":null}])", 4},
      {"absent content", R"([{"role":"assistant"}])", 4},
      // Text parts are joined with '\n', so "a" and "b" stay two tokens; images count 0.
      {"parts", R"([{"role":"user","content":[{"type":"text","text":"a"},
                     {"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"b"}]}])",
       2 + 4},
      {"malformed content counts as empty", R"([{"role":"user","content":7}])", 4},
      {"not an array", R"({"role":"user"})", 0},
      {"empty", "[]", 0},
  };
  for (const PromptCase& c : cases) {
    EXPECT_EQ(EstimateChatPromptTokens(json::parse(c.json_text)), c.tokens) << c.what;
  }
}

TEST(TokensTest, CompletionPromptIsTextTokensOrIdCount) {
  const PromptCase cases[] = {
      {"string", R"("Once upon a time")", 4},
      {"one-string array", R"(["Once upon a time"])", 4},
      {"token ids", "[101, 7, 9]", 3},
      {"one token id", "[5]", 1},
      {"batch of id lists with one entry", "[[1, 2]]", 2},
      {"two prompts", R"(["a", "b"])", 0},
      {"number", "7", 0},
  };
  for (const PromptCase& c : cases) {
    EXPECT_EQ(EstimateCompletionPromptTokens(json::parse(c.json_text)), c.tokens) << c.what;
  }
}

TEST(TokensTest, ChatMessageTextRejectsMalformedContent) {
  EXPECT_EQ(ChatMessageText(json::parse(R"({"content":"x y"})")).value(), "x y");
  EXPECT_FALSE(ChatMessageText(json::parse(R"({"content":7})")).ok());
  EXPECT_FALSE(ChatMessageText(json::parse(R"({"content":[{"text":"no type"}]})")).ok());
  EXPECT_FALSE(ChatMessageText(json::parse(R"({"content":[{"type":"text"}]})")).ok());
  EXPECT_FALSE(ChatMessageText(json::parse("[]")).ok());
}

}  // namespace
}  // namespace berth
