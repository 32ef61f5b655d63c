// engine_answers.h: the three engines' error shapes, mid-stream error events, vLLM's reasoning
// field, usage a client did not ask for (and the one reading that also takes its counts), and
// enable_thinking in the form engines read.
#include "gateway/engine_answers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "gateway/usage_scan.h"

namespace berth {
namespace {

using nlohmann::json;

TEST(EngineFailureTest, ReadsEachEnginesErrorShape) {
  GatewayError vllm = EngineFailure(
      400, R"({"error":{"message":"max_tokens is too large","type":"BadRequestError",)"
           R"("param":null,"code":400}})");
  EXPECT_EQ(vllm.http_status, 400);
  EXPECT_EQ(vllm.code, "InvalidParameter");
  EXPECT_EQ(vllm.message, "max_tokens is too large");
  GatewayError sglang = EngineFailure(
      404, R"({"object":"error","message":"The model `x` does not exist.","type":"NotFoundError",)"
           R"("param":null,"code":404})");
  EXPECT_EQ(sglang.http_status, 404);
  EXPECT_EQ(sglang.message, "The model `x` does not exist.");
  GatewayError llama = EngineFailure(
      503, R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
  EXPECT_EQ(llama.http_status, 503);
  EXPECT_EQ(llama.message, "Loading model");
  GatewayError empty = EngineFailure(500, "");
  EXPECT_EQ(empty.http_status, 500);
  EXPECT_EQ(empty.code, "InternalError");
  EXPECT_EQ(empty.message, "the engine answered HTTP 500 with an empty body");
  GatewayError text = EngineFailure(502, "Bad Gateway");
  EXPECT_EQ(text.message, "the engine answered HTTP 502: Bad Gateway");
}

TEST(EngineFailureTest, BecomesTheApisShapeWithARequestId) {
  GatewayError e = EngineFailure(400, R"({"object":"error","message":"bad","code":400})");
  json compatible = json::parse(ErrorResponse(InferenceApi::kCompatible, e, "rid").body);
  EXPECT_EQ(compatible["error"]["message"], "bad");
  EXPECT_EQ(compatible["error"]["type"], "invalid_request_error");
  EXPECT_EQ(compatible["request_id"], "rid");
  json native = json::parse(ErrorResponse(InferenceApi::kNative, e, "rid").body);
  EXPECT_EQ(native["code"], "InvalidParameter");
  EXPECT_EQ(native["message"], "bad");
  EXPECT_EQ(native["request_id"], "rid");
}

TEST(EngineStreamErrorTest, FindsTheErrorEventsOfEachEngine) {
  auto vllm = EngineStreamError(
      R"({"error":{"message":"CUDA out of memory","type":"InternalServerError","param":null,)"
      R"("code":500}})");
  ASSERT_TRUE(vllm.has_value());
  EXPECT_EQ(vllm->http_status, 500);
  EXPECT_EQ(vllm->message, "CUDA out of memory");
  auto sglang = EngineStreamError(
      R"({"error":{"object":"error","message":"aborted","type":"BadRequestError","code":400}})");
  ASSERT_TRUE(sglang.has_value());
  EXPECT_EQ(sglang->http_status, 400);
  auto llama = EngineStreamError(R"({"error":{"code":500,"message":"x","type":"server_error"}})");
  ASSERT_TRUE(llama.has_value());
  EXPECT_EQ(llama->message, "x");
  auto bare = EngineStreamError(R"({"error":"boom"})");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->message, "boom");
  // An "object" that is not a string is not the error object's mark (it threw, once).
  for (const char* odd : {"null", "1", "{}", "[\"error\"]"}) {
    const std::string event = std::string(R"({"error":"boom","object":)") + odd + "}";
    auto error = EngineStreamError(event);
    ASSERT_TRUE(error.has_value()) << event;
    EXPECT_EQ(error->message, "boom");
    EXPECT_FALSE(EngineStreamError(std::string(R"({"message":"m","object":)") + odd + "}")) << odd;
  }
}

TEST(EngineStreamErrorTest, LeavesOrdinaryChunksAlone) {
  EXPECT_FALSE(EngineStreamError(R"({"choices":[{"delta":{"content":"\"error\""}}]})"));
  EXPECT_FALSE(EngineStreamError(R"({"choices":[{"delta":{"content":"an error"}}]})"));
  EXPECT_FALSE(EngineStreamError("not json \"error\""));
}

TEST(DashScopeReasoningTest, RenamesVllmsReasoningField) {
  auto chunk = DashScopeReasoning(R"({"choices":[{"index":0,"delta":{"reasoning":"hmm"}}]})");
  ASSERT_TRUE(chunk.has_value());
  json doc = json::parse(*chunk);
  EXPECT_EQ(doc["choices"][0]["delta"]["reasoning_content"], "hmm");
  EXPECT_FALSE(doc["choices"][0]["delta"].contains("reasoning"));
  auto answer = DashScopeReasoning(
      R"({"choices":[{"message":{"role":"assistant","content":"4","reasoning":"2+2"}}]})");
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(json::parse(*answer)["choices"][0]["message"]["reasoning_content"], "2+2");
  EXPECT_FALSE(DashScopeReasoning(R"({"choices":[{"delta":{"reasoning_content":"a"}}]})"));
  EXPECT_FALSE(DashScopeReasoning(R"({"choices":[{"delta":{"content":"\"reasoning\""}}]})"));
}

// What the client gets of a chunk with usage (SplitUsageChunk's content).
std::optional<std::string> WithoutUsage(const std::string& chunk) {
  return SplitUsageChunk(chunk).content;
}

// The same by the tree: nullopt unless "choices" is a non-empty array, else the document with
// "usage" null.
std::optional<json> WithoutUsageByTree(const std::string& chunk) {
  json doc = json::parse(chunk, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array() || choices->empty()) return std::nullopt;
  doc["usage"] = nullptr;
  return doc;
}

TEST(WithoutUsageTest, KeepsContentChunksDropsTheUsageChunk) {
  auto content = WithoutUsage(
      R"({"choices":[{"delta":{"content":"a"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}})");
  ASSERT_TRUE(content.has_value());
  json doc = json::parse(*content);
  EXPECT_TRUE(doc["usage"].is_null());
  EXPECT_EQ(doc["choices"][0]["delta"]["content"], "a");
  EXPECT_FALSE(WithoutUsage(R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}})"));
}

// The chunk is spliced, not re-serialized: the engine's text is kept, only the usage changes;
// what the skimmer leaves to the full parser gives the same document.
TEST(WithoutUsageTest, SplicesTheEnginesTextAndAgreesWithTheParser) {
  EXPECT_EQ(WithoutUsage(R"({"id":"c","choices":[{"delta":{}}],"usage":{"total_tokens":4}})"),
            R"({"id":"c","choices":[{"delta":{}}],"usage":null})");
  EXPECT_EQ(WithoutUsage(R"( {"choices": [1], "z": 2} )"),
            R"( {"choices": [1], "z": 2,"usage":null} )");
  EXPECT_FALSE(WithoutUsage(R"({"choices":[ ],"usage":{"total_tokens":4}})"));
  EXPECT_FALSE(WithoutUsage(R"({"usage":{"total_tokens":4}})"));
  EXPECT_FALSE(WithoutUsage(R"({"choices":{},"usage":{"total_tokens":4}})"));
  EXPECT_FALSE(WithoutUsage(R"([{"choices":[1]}])"));
  EXPECT_FALSE(WithoutUsage(R"({"choices":[1],)"));
  // Left to the parser, which decides as before: an escaped key, a repeated one, an exponent.
  for (const char* chunk : {R"({"choices":[1],"usag\u0065":{"a":1}})",
                            R"({"choices":[1],"usage":{"a":1},"usage":{"a":2}})",
                            R"({"choices":[],"choices":[1],"usage":1e3})"}) {
    std::optional<std::string> out = WithoutUsage(chunk);
    ASSERT_TRUE(out.has_value()) << chunk;
    json doc = json::parse(*out);
    EXPECT_TRUE(doc["usage"].is_null()) << chunk;
    EXPECT_EQ(doc["choices"], json::array({1})) << chunk;
  }
}

// SplitUsageChunk reads a chunk once: its counts must be exactly ScanUsage's, and the client's
// chunk the document the tree gives, for hand-made edges and for chunks assembled at random
// from members that matter to either (usage objects, nulls and numbers, nested "usage" keys,
// escaped and repeated keys, empty and non-empty choices, broken text).
TEST(SplitUsageChunkTest, AgreesWithScanUsageAndTheTree) {
  const auto agree = [](const std::string& chunk) {
    const UsageChunk split = SplitUsageChunk(chunk);
    EXPECT_EQ(split.usage, ScanUsage(chunk)) << chunk;
    const std::optional<json> expected = WithoutUsageByTree(chunk);
    ASSERT_EQ(split.content.has_value(), expected.has_value()) << chunk;
    if (expected) {
      EXPECT_EQ(json::parse(*split.content), *expected) << chunk;
    }
  };
  for (
      const char* chunk :
      {R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})",
       R"({"choices":[{"delta":{"content":"a"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}})",
       R"({"choices":[1],"usage":{"prompt_tokens":3,"completion_tokens":1},"x":{"usage":{"prompt_tokens":9,"completion_tokens":9}}})",
       R"({"x":{"usage":{"prompt_tokens":9,"completion_tokens":9}},"choices":[1],"usage":{"prompt_tokens":3,"completion_tokens":1}})",
       R"({"choices":[1],"usage":null,"x":{"usage":{"prompt_tokens":9,"completion_tokens":9}}})",
       R"({"choices":[1],"usage":7})",
       R"({"choices":[1],"usage":{"prompt_tokens":1.5,"completion_tokens":1}})",
       R"({"choices":[1],"usag\u0065":{"prompt_tokens":3,"completion_tokens":1}})",
       R"({"choices":[1],"usage":{"prompt_tokens":3,"completion_tokens":1},"usage":{"prompt_tokens":5,"completion_tokens":2}})",
       R"({"choices":[1],"usage":{"prompt_tokens":3,"completion_tokens":1e1}})",
       R"({"choices":[1],"usage":{"prompt_tokens":3,"completion_tokens":1})", R"([])", R"()"}) {
    agree(chunk);
  }
  const std::vector<std::string> members = {
      R"("choices":[])",
      R"("choices":[{"delta":{"content":"x"}}])",
      R"("choices":{})",
      R"("usage":{"prompt_tokens":3,"completion_tokens":1})",
      R"("usage":null)",
      R"("usage":2)",
      R"("usage":{"prompt_tokens":4})",
      R"("usage" : { "completion_tokens" : 2 , "prompt_tokens" : 8 })",
      R"("x":{"usage":{"prompt_tokens":9,"completion_tokens":9}})",
      R"("usag\u0065":{"prompt_tokens":1,"completion_tokens":1})",
      R"("id":"chatcmpl-1")",
      R"("text":"\"usage\":{\"prompt_tokens\":5}")",
      R"("n":1e2)"};
  std::mt19937 random(12);
  for (int i = 0; i < 5000; ++i) {
    std::string chunk = "{";
    const int count = static_cast<int>(random() % 5);
    for (int m = 0; m < count; ++m) {
      if (m > 0) chunk += ',';
      chunk += members[random() % members.size()];
    }
    chunk += random() % 50 == 0 ? "" : "}";  // now and then, broken text
    agree(chunk);
  }
}

TEST(EngineThinkingFormTest, MovesTopLevelEnableThinkingToTemplateKwargs) {
  json body = {{"model", "m"}, {"enable_thinking", false}};
  EXPECT_TRUE(EngineThinkingForm(body));
  EXPECT_FALSE(body.contains("enable_thinking"));
  EXPECT_EQ(body["chat_template_kwargs"]["enable_thinking"], false);
  json both = {{"enable_thinking", true}, {"chat_template_kwargs", {{"enable_thinking", false}}}};
  EXPECT_TRUE(EngineThinkingForm(both));
  EXPECT_EQ(both["chat_template_kwargs"]["enable_thinking"], false);  // the explicit one wins
  json none = {{"model", "m"}};
  EXPECT_FALSE(EngineThinkingForm(none));
  EXPECT_EQ(none, json({{"model", "m"}}));
}

}  // namespace
}  // namespace berth
