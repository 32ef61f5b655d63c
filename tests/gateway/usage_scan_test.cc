#include "gateway/usage_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace berth {
namespace {

std::optional<TokenCount> Count(int64_t input, int64_t output) { return TokenCount{input, output}; }

TEST(UsageScanTest, WholeChatCompletion) {
  std::string body = R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m",)"
                     R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi there"},)"
                     R"("finish_reason":"stop"}],)"
                     R"("usage":{"prompt_tokens":11,"completion_tokens":63,"total_tokens":74}})";
  EXPECT_EQ(ScanUsage(body), Count(11, 63));
}

TEST(UsageScanTest, PrettyPrintedWithSpacesAndNewlines) {
  std::string body =
      "{\n  \"choices\": [],\n  \"usage\" :  \n\t{ \"prompt_tokens\": 3,\n"
      "    \"completion_tokens\": 4, \"total_tokens\": 7 }\n}\n";
  EXPECT_EQ(ScanUsage(body), Count(3, 4));
}

TEST(UsageScanTest, UsageBeforeChoices) {
  std::string body = R"({"usage":{"prompt_tokens":2,"completion_tokens":5},)"
                     R"("choices":[{"message":{"content":"x"}}]})";
  EXPECT_EQ(ScanUsage(body), Count(2, 5));
}

TEST(UsageScanTest, StreamChunkWithoutUsage) {
  EXPECT_EQ(
      ScanUsage(R"({"object":"chat.completion.chunk","choices":[{"delta":{"content":"Hi"}}]})"),
      std::nullopt);
}

TEST(UsageScanTest, StreamChunkWithNullUsage) {
  EXPECT_EQ(ScanUsage(R"({"object":"chat.completion.chunk","choices":[{"index":0,)"
                      R"("delta":{"content":"Hi"},"finish_reason":null}],"usage":null})"),
            std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"usage": null})"), std::nullopt);
}

TEST(UsageScanTest, FinalUsageChunk) {
  EXPECT_EQ(ScanUsage(R"({"id":"c","object":"chat.completion.chunk","choices":[],)"
                      R"("usage":{"prompt_tokens":9,"completion_tokens":16,"total_tokens":25}})"),
            Count(9, 16));
}

TEST(UsageScanTest, NestedDetails) {
  std::string body =
      R"({"choices":[],"usage":{"prompt_tokens":100,"prompt_tokens_details":{"cached_tokens":64,)"
      R"("provisioned_tokens":{"x":1}},"completion_tokens":20,)"
      R"("completion_tokens_details":{"reasoning_tokens":12},"total_tokens":120}})";
  EXPECT_EQ(ScanUsage(body), Count(100, 20));
}

TEST(UsageScanTest, BracesAndQuotesInsideStrings) {
  // The generated text contains braces, escaped quotes, backslashes and even the word "usage".
  std::string body =
      R"({"choices":[{"message":{"content":"a } b { \"usage\": {\"prompt_tokens\":1} \\"}}],)"
      R"("usage":{"prompt_tokens":7,"note":"} {\"}","completion_tokens":8}})";
  EXPECT_EQ(ScanUsage(body), Count(7, 8));
}

TEST(UsageScanTest, UsageWordOnlyInTheTextIsNotUsage) {
  // A chunk whose text mentions "usage" with an object after it, but that has no usage field:
  // the text is a JSON string, so the scan must not take it for the usage object.
  std::string chunk =
      R"({"choices":[{"delta":{"content":"\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}"}}]})";
  EXPECT_EQ(ScanUsage(chunk), std::nullopt);
}

TEST(UsageScanTest, TheLastUsageKeyWins) {
  // Text mentioning "usage" first, then the real object.
  std::string body = R"({"choices":[{"message":{"content":"the usage policy"}}],)"
                     R"("usage":{"prompt_tokens":1,"completion_tokens":2}})";
  EXPECT_EQ(ScanUsage(body), Count(1, 2));
}

TEST(UsageScanTest, TruncatedJson) {
  EXPECT_EQ(ScanUsage(R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tok)"), std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3)"),
            std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"choices":[],"usage":)"), std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"choices":[],"usage")"), std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"choices":[],"usage":{"prompt_tokens":9,"x":"}")"), std::nullopt);
}

TEST(UsageScanTest, UsageObjectCompleteButOuterTruncated) {
  // Only the usage object is parsed, so a cut after it still counts.
  EXPECT_EQ(ScanUsage(R"({"usage":{"prompt_tokens":4,"completion_tokens":6},"choi)"), Count(4, 6));
}

TEST(UsageScanTest, MissingOrMistypedCounts) {
  EXPECT_EQ(ScanUsage(R"({"usage":{}})"), std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"usage":{"prompt_tokens":4}})"), std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"usage":{"completion_tokens":4}})"), std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"usage":{"prompt_tokens":"4","completion_tokens":6}})"), std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"usage":{"prompt_tokens":4.5,"completion_tokens":6}})"), std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"usage":[1,2]})"), std::nullopt);
  EXPECT_EQ(ScanUsage(R"({"usage":"none"})"), std::nullopt);
}

TEST(UsageScanTest, EmptyAndGarbage) {
  EXPECT_EQ(ScanUsage(""), std::nullopt);
  EXPECT_EQ(ScanUsage("[DONE]"), std::nullopt);
  EXPECT_EQ(ScanUsage("not json \"usage\""), std::nullopt);
  EXPECT_EQ(ScanUsage(R"("usage":{bad json})"), std::nullopt);
}

TEST(UsageScanTest, ZeroCounts) {
  EXPECT_EQ(ScanUsage(R"({"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}})"),
            Count(0, 0));
}

TEST(UsageScanTest, LargeAnswerWithUsageAtTheEnd) {
  std::string body = R"({"choices":[{"message":{"content":")";
  for (int i = 0; i < 100000; ++i) body += "word {} \\\" ";
  body += R"("}}],"usage":{"prompt_tokens":12,"completion_tokens":300000}})";
  EXPECT_EQ(ScanUsage(body), Count(12, 300000));
}

TEST(UsageScanTest, Unicode) {
  EXPECT_EQ(ScanUsage(R"({"choices":[{"message":{"content":"模型 \u00e9 😀 }"}}],)"
                      R"("usage":{"prompt_tokens":5,"completion_tokens":3}})"),
            Count(5, 3));
}

}  // namespace
}  // namespace berth
