#include "gateway/native_protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/sse.h"

namespace berth {
namespace {

using nlohmann::json;

TEST(ParseNativeCallTest, BuildsTheEngineBody) {
  StatusOr<NativeCall> call = ParseNativeCall(R"({
      "model": "qwen-plus-dep",
      "input": {"messages": [{"role": "system", "content": "Be brief."},
                             {"role": "user", "content": "Hi"}]},
      "parameters": {"result_format": "message", "incremental_output": true, "max_tokens": 64,
                     "temperature": 0.7, "top_p": 0.8, "top_k": 20, "seed": 42, "stop": ["\n"],
                     "presence_penalty": 0.5, "repetition_penalty": 1.1, "enable_thinking": false,
                     "n": 1, "unknown": "ignored"}})",
                                              /*sse_requested=*/false);
  ASSERT_TRUE(call.ok()) << call.status().message();
  EXPECT_EQ(call->model, "qwen-plus-dep");
  EXPECT_FALSE(call->stream);
  EXPECT_TRUE(call->incremental_output);
  EXPECT_TRUE(call->message_format);
  EXPECT_EQ(call->max_tokens, 64);
  const json expected = json::parse(R"({
      "model": "qwen-plus-dep",
      "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
      "max_tokens": 64, "temperature": 0.7, "top_p": 0.8, "top_k": 20, "seed": 42, "stop": ["\n"],
      "presence_penalty": 0.5, "repetition_penalty": 1.1,
      "chat_template_kwargs": {"enable_thinking": false}})");
  EXPECT_EQ(call->openai_body, expected) << call->openai_body.dump();
}

TEST(ParseNativeCallTest, PromptBecomesOneUserMessageAndStreamsAskForUsage) {
  StatusOr<NativeCall> call =
      ParseNativeCall(R"({"model": "m", "input": {"prompt": "Tell me a story"}})", true);
  ASSERT_TRUE(call.ok()) << call.status().message();
  EXPECT_TRUE(call->stream);
  EXPECT_FALSE(call->incremental_output);
  EXPECT_FALSE(call->message_format);
  EXPECT_EQ(call->max_tokens, std::nullopt);
  EXPECT_EQ(call->openai_body, json::parse(R"({
      "model": "m", "messages": [{"role": "user", "content": "Tell me a story"}],
      "stream": true, "stream_options": {"include_usage": true}})"));
}

TEST(ParseNativeCallTest, MessagesWinOverPrompt) {
  StatusOr<NativeCall> call = ParseNativeCall(
      R"({"model": "m", "input": {"prompt": "p", "messages": [{"role": "user", "content": "x"}]},
          "parameters": {"result_format": "text"}})",
      false);
  ASSERT_TRUE(call.ok()) << call.status().message();
  EXPECT_EQ(call->openai_body["messages"], json::parse(R"([{"role": "user", "content": "x"}])"));
}

TEST(ParseNativeCallTest, RefusesBadBodiesNamingTheField) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {"not json", "request body is not valid JSON: syntax error at byte 2"},
      {"[]", "The request body must be a JSON object."},
      {R"({"input": {"prompt": "x"}})", "model is required"},
      {R"({"model": 7, "input": {"prompt": "x"}})", "model must be a non-empty string"},
      {R"({"model": "m"})", "input.messages or input.prompt is required"},
      {R"({"model": "m", "input": {}})", "input.messages or input.prompt is required"},
      {R"({"model": "m", "input": "x"})", "input must be an object"},
      {R"({"model": "m", "input": {"prompt": 1}})", "input.prompt must be a string"},
      {R"({"model": "m", "input": {"messages": []}})", "input.messages must be a non-empty array"},
      {R"({"model": "m", "input": {"messages": [{"content": "x"}]}})",
       "input.messages[0].role must be a string"},
      {R"({"model": "m", "input": {"messages": [{"role": "user", "content": 5}]}})",
       "input.messages[0]: A message's 'content' must be a string or an array of parts."},
      {R"({"model": "m", "input": {"prompt": "x"}, "parameters": []})",
       "parameters must be an object"},
      {R"({"model": "m", "input": {"prompt": "x"}, "parameters": {"max_tokens": 0}})",
       "parameters.max_tokens must be a positive integer"},
      {R"({"model": "m", "input": {"prompt": "x"}, "parameters": {"temperature": "hot"}})",
       "parameters.temperature must be a number"},
      {R"({"model": "m", "input": {"prompt": "x"}, "parameters": {"top_k": 1.5}})",
       "parameters.top_k must be an integer"},
      {R"({"model": "m", "input": {"prompt": "x"}, "parameters": {"stop": 3}})",
       "parameters.stop must be a string or an array"},
      {R"({"model": "m", "input": {"prompt": "x"}, "parameters": {"incremental_output": 1}})",
       "parameters.incremental_output must be a boolean"},
      {R"({"model": "m", "input": {"prompt": "x"}, "parameters": {"enable_thinking": "no"}})",
       "parameters.enable_thinking must be a boolean"},
      {R"({"model": "m", "input": {"prompt": "x"}, "parameters": {"result_format": "xml"}})",
       "parameters.result_format must be \"text\" or \"message\""},
      {R"({"model": "m", "input": {"prompt": "x"}, "parameters": {"n": 2}})",
       "parameters.n is not supported (only 1)"},
  };
  for (const Case& c : cases) {
    StatusOr<NativeCall> call = ParseNativeCall(c.body, false);
    ASSERT_FALSE(call.ok()) << c.body;
    EXPECT_EQ(call.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(call.status().message(), c.message) << c.body;
  }
}

// The adversarial pass's crash: ~90,000 levels under input.messages or parameters overflowed
// the stack when the body was copied or dumped; the bounded parse refuses them first.
TEST(ParseNativeCallTest, RefusesDeepNestingAndNumbersOutOfRange) {
  const std::string deep = std::string(90000, '[') + std::string(90000, ']');
  StatusOr<NativeCall> call = ParseNativeCall(
      R"({"model": "m", "input": {"messages": [{"role": "user", "content": )" + deep + "}]}}",
      false);
  EXPECT_EQ(call.status(),
            InvalidArgument("request body nests JSON deeper than 128 levels (in input)"));
  call = ParseNativeCall(R"({"model": "m", "input": {"prompt": "x"}, "parameters": )" + deep + "}",
                         false);
  EXPECT_EQ(call.status(),
            InvalidArgument("request body nests JSON deeper than 128 levels (in parameters)"));
  call = ParseNativeCall(
      R"({"model": "m", "input": {"prompt": "x"}, "parameters": {"temperature": 1E400}})", false);
  EXPECT_EQ(call.status(),
            InvalidArgument("parameters.temperature is a number out of range: 1E400"));
}

NativeCall Call(bool message_format, bool incremental = false) {
  NativeCall call;
  call.model = "m";
  call.message_format = message_format;
  call.incremental_output = incremental;
  return call;
}

constexpr const char* kCompletion = R"({
    "id": "chatcmpl-1", "object": "chat.completion", "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there."},
                 "logprobs": null, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 8, "completion_tokens": 3, "total_tokens": 11}})";

TEST(NativeAnswerTest, TextFormat) {
  StatusOr<std::string> answer = NativeAnswer(kCompletion, Call(false), "req-1");
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(json::parse(*answer), json::parse(R"({
      "output": {"text": "Hello there.", "finish_reason": "stop"},
      "usage": {"input_tokens": 8, "output_tokens": 3, "total_tokens": 11},
      "request_id": "req-1"})"));
}

TEST(NativeAnswerTest, MessageFormatKeepsReasoning) {
  json body = json::parse(kCompletion);
  body["choices"][0]["message"]["reasoning_content"] = "Think.";
  body["choices"][0]["finish_reason"] = "length";
  StatusOr<std::string> answer = NativeAnswer(body.dump(), Call(true), "req-2");
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(json::parse(*answer), json::parse(R"({
      "output": {"choices": [{"finish_reason": "length",
                              "message": {"role": "assistant", "content": "Hello there.",
                                          "reasoning_content": "Think."}}]},
      "usage": {"input_tokens": 8, "output_tokens": 3, "total_tokens": 11},
      "request_id": "req-2"})"));
}

TEST(NativeAnswerTest, InternalForWhatIsNotAChatCompletion) {
  const char* bodies[] = {
      "<html>",
      "{}",
      R"({"choices": []})",
      R"({"choices": [{"message": {"content": "x"}}]})",  // no usage
      R"({"error": {"message": "boom", "code": 500}})",
  };
  for (const char* body : bodies) {
    StatusOr<std::string> answer = NativeAnswer(body, Call(false), "r");
    ASSERT_FALSE(answer.ok()) << body;
    EXPECT_EQ(answer.status().code(), StatusCode::kInternal) << body;
  }
}

TEST(OpenAiUsageTest, ReadsUsageWhenPresent) {
  EXPECT_EQ(OpenAiUsage(json::parse(kCompletion)), (TokenCount{8, 3}));
  EXPECT_EQ(OpenAiUsage(json::parse(R"({"usage": null})")), std::nullopt);
  EXPECT_EQ(OpenAiUsage(json::parse(R"({"usage": {"prompt_tokens": "8"}})")), std::nullopt);
  EXPECT_EQ(OpenAiUsage(json::parse("[]")), std::nullopt);
}

// The engine-sim's stream for "Hi" with max_tokens 3 (docs/engine-sim.md).
std::vector<json> EngineChunks() {
  return {
      json::parse(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}],
                      "usage":null})"),
      json::parse(R"({"choices":[{"index":0,"delta":{"content":"Was"}}],"usage":null})"),
      json::parse(R"({"choices":[{"index":0,"delta":{"content":" so"}}],"usage":null})"),
      json::parse(R"({"choices":[{"index":0,"delta":{"content":" green"}}],"usage":null})"),
      json::parse(R"({"choices":[{"index":0,"delta":{},"finish_reason":"length"}],
                      "usage":null})"),
      json::parse(R"({"choices":[],
                      "usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}})"),
  };
}

// Runs the chunks through a translator; returns each OnChunk's output, then Finish()'s.
std::vector<std::string> Translate(NativeStreamTranslator& translator,
                                   const std::vector<json>& chunks) {
  std::vector<std::string> out;
  for (const json& chunk : chunks) out.push_back(translator.OnChunk(chunk));
  out.push_back(translator.Finish());
  return out;
}

std::string ResultEvent(int n, const std::string& data) {
  return "id:" + std::to_string(n) +
         "\nevent:result\n:HTTP_STATUS/200\ndata:" + json::parse(data).dump() + "\n\n";
}

TEST(NativeStreamTranslatorTest, CumulativeTextFormat) {
  NativeStreamTranslator translator(Call(false), "req", 6);
  const std::vector<std::string> out = Translate(translator, EngineChunks());
  const std::vector<std::string> expected = {
      "",
      ResultEvent(1, R"({"output":{"text":"Was","finish_reason":"null"},
          "usage":{"input_tokens":6,"output_tokens":1,"total_tokens":7},"request_id":"req"})"),
      ResultEvent(2, R"({"output":{"text":"Was so","finish_reason":"null"},
          "usage":{"input_tokens":6,"output_tokens":2,"total_tokens":8},"request_id":"req"})"),
      ResultEvent(3, R"({"output":{"text":"Was so green","finish_reason":"null"},
          "usage":{"input_tokens":6,"output_tokens":3,"total_tokens":9},"request_id":"req"})"),
      "",  // the finish_reason chunk: held for the usage
      ResultEvent(4, R"({"output":{"text":"Was so green","finish_reason":"length"},
          "usage":{"input_tokens":5,"output_tokens":3,"total_tokens":8},"request_id":"req"})"),
      "",
  };
  EXPECT_EQ(out, expected);
  EXPECT_EQ(translator.usage(), (TokenCount{5, 3}));
  EXPECT_TRUE(translator.saw_finish());
  EXPECT_EQ(translator.events_sent(), 4);
}

TEST(NativeStreamTranslatorTest, IncrementalMessageFormat) {
  NativeStreamTranslator translator(Call(true, /*incremental=*/true), "req", 5);
  const std::vector<std::string> out = Translate(translator, EngineChunks());
  auto event = [](int n, const char* content, const char* finish, int64_t in, int64_t out) {
    const json data = {
        {"output",
         {{"choices",
           json::array({{{"finish_reason", finish},
                         {"message", {{"role", "assistant"}, {"content", content}}}}})}}},
        {"usage", {{"input_tokens", in}, {"output_tokens", out}, {"total_tokens", in + out}}},
        {"request_id", "req"}};
    return ResultEvent(n, data.dump());
  };
  const std::vector<std::string> expected = {
      "",
      event(1, "Was", "null", 5, 1),
      event(2, " so", "null", 5, 2),
      event(3, " green", "null", 5, 3),
      "",
      event(4, "", "length", 5, 3),
      "",
  };
  EXPECT_EQ(out, expected);
}

TEST(NativeStreamTranslatorTest, FinishSendsTheHeldEventWithoutAUsageChunk) {
  std::vector<json> chunks = EngineChunks();
  chunks.pop_back();  // an engine that never sends usage
  NativeStreamTranslator translator(Call(false), "req", 6);
  const std::vector<std::string> out = Translate(translator, chunks);
  EXPECT_EQ(out.back(),
            ResultEvent(4, R"({"output":{"text":"Was so green","finish_reason":"length"},
      "usage":{"input_tokens":6,"output_tokens":3,"total_tokens":9},"request_id":"req"})"));
  EXPECT_EQ(translator.usage(), std::nullopt);
  EXPECT_EQ(translator.Finish(), "");  // sent once
}

TEST(NativeStreamTranslatorTest, ContentInTheFinishChunkGoesInTheFinalEvent) {
  NativeStreamTranslator translator(Call(false, /*incremental=*/true), "req", 1);
  EXPECT_NE(translator.OnChunk(json::parse(R"({"choices":[{"delta":{"content":"a"}}]})")), "");
  EXPECT_EQ(translator.OnChunk(
                json::parse(R"({"choices":[{"delta":{"content":"b"},"finish_reason":"stop"}]})")),
            "");
  const std::string last = translator.OnChunk(
      json::parse(R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})"));
  EXPECT_EQ(last, ResultEvent(2, R"({"output":{"text":"b","finish_reason":"stop"},
      "usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3},"request_id":"req"})"));
}

TEST(NativeStreamTranslatorTest, ReasoningChunksShowInMessageFormatOnly) {
  const std::vector<json> chunks = {
      json::parse(R"({"choices":[{"delta":{"reasoning_content":"Hmm"}}]})"),
      json::parse(R"({"choices":[{"delta":{"content":"Yes"}}]})"),
  };
  NativeStreamTranslator text(Call(false), "req", 1);
  EXPECT_EQ(text.OnChunk(chunks[0]), "");
  EXPECT_EQ(text.OnChunk(chunks[1]),
            ResultEvent(1, R"({"output":{"text":"Yes","finish_reason":"null"},
                "usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3},"request_id":"req"})"));
  NativeStreamTranslator message(Call(true), "req", 1);
  const std::string first = message.OnChunk(chunks[0]);
  ASSERT_TRUE(SseData(first).has_value());
  EXPECT_EQ(json::parse(*SseData(first))["output"]["choices"][0]["message"]["reasoning_content"],
            "Hmm");
  const json second = json::parse(*SseData(message.OnChunk(chunks[1])));
  EXPECT_EQ(second["output"]["choices"][0]["message"]["reasoning_content"], "Hmm");
  EXPECT_EQ(second["output"]["choices"][0]["message"]["content"], "Yes");
}

TEST(NativeStreamTranslatorTest, AStreamCutShortHasNoFinalEvent) {
  NativeStreamTranslator translator(Call(false), "req", 1);
  EXPECT_NE(translator.OnChunk(json::parse(R"({"choices":[{"delta":{"content":"a"}}]})")), "");
  EXPECT_EQ(translator.Finish(), "");
  EXPECT_FALSE(translator.saw_finish());
  EXPECT_EQ(translator.events_sent(), 1);
}

TEST(NativeErrorEventTest, Shape) {
  EXPECT_EQ(NativeErrorEvent(3, 500, "InternalError", "engine \"died\"", "req"),
            "id:3\nevent:error\n:HTTP_STATUS/500\n"
            "data:{\"code\":\"InternalError\",\"message\":\"engine \\\"died\\\"\","
            "\"request_id\":\"req\"}\n\n");
}

}  // namespace
}  // namespace berth
