// The prompt of OpenAI request JSON: message text and prompt-token estimates.
#include "gateway/openai_prompt.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/token_count.h"

namespace berth {
namespace {

using nlohmann::json;

struct PromptCase {
  const char* what;
  const char* json_text;
  int64_t tokens;
};

TEST(OpenAiPromptTest, ChatPromptIsTextTokensPlusFourPerMessage) {
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

TEST(OpenAiPromptTest, CompletionPromptIsTextTokensOrIdCount) {
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

TEST(OpenAiPromptTest, ChatMessageTextRejectsMalformedContent) {
  EXPECT_EQ(ChatMessageText(json::parse(R"({"content":"x y"})")).value(), "x y");
  EXPECT_FALSE(ChatMessageText(json::parse(R"({"content":7})")).ok());
  EXPECT_FALSE(ChatMessageText(json::parse(R"({"content":[{"text":"no type"}]})")).ok());
  EXPECT_FALSE(ChatMessageText(json::parse(R"({"content":[{"type":"text"}]})")).ok());
  EXPECT_FALSE(ChatMessageText(json::parse("[]")).ok());
}

TEST(OpenAiPromptTest, TheTokenIdsAndUnwrapRules) {
  EXPECT_TRUE(IsTokenIds(json::parse("[1, 2]")));
  EXPECT_FALSE(IsTokenIds(json::parse("[]")));
  EXPECT_FALSE(IsTokenIds(json::parse(R"([1, "2"])")));
  EXPECT_EQ(UnwrapPrompt(json::parse(R"(["x"])")), "x");
  EXPECT_EQ(UnwrapPrompt(json::parse("[5]")), json::parse("[5]"));  // one id stays a list
}

}  // namespace
}  // namespace berth
