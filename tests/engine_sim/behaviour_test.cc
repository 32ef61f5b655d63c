// EngineSim acting like vLLM, SGLang and llama.cpp (behaviour.h): error shapes and mid-stream
// errors, LoRA routes per engine, reasoning fields, tokens per chunk, continuous usage, prompt
// counts. Called directly (no sockets), with a scheduler without delays.
#include "engine_sim/behaviour.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine_sim/server.h"
#include "engine_sim_test_util.h"

namespace berth::engine_sim {
namespace {

using nlohmann::json;
using testing::DataEvents;
using testing::FakeWriter;

class BehaviourTest : public ::testing::Test {
 protected:
  void Make(const std::string& personality, const std::function<void(Behaviour&)>& tweak = {}) {
    EngineSimOptions options;
    options.served_model_name = "base";
    options.unix_seconds = [] { return int64_t{1750000000}; };
    if (!personality.empty()) {
      ASSERT_TRUE(ApplyPersonality(personality, options.behaviour).ok());
    }
    if (tweak) tweak(options.behaviour);
    sim_.emplace(options, scheduler_);
  }
  HttpResponse Post(const std::string& path, const json& body) {
    HttpRequest request;
    request.method = "POST";
    request.path = request.target = path;
    request.body = body.dump();
    std::optional<HttpResponse> answer;
    sim_->Handle(std::move(request), [&answer](HttpResponse response) { answer = response; });
    EXPECT_TRUE(answer.has_value());
    return answer.value_or(HttpResponse{});
  }
  std::string Stream(json body) {
    body["stream"] = true;
    HttpResponse response = Post("/v1/chat/completions", body);
    EXPECT_EQ(response.status, 200) << response.body;
    auto writer = std::make_shared<FakeWriter>();
    if (response.on_stream) response.on_stream(writer);
    EXPECT_TRUE(writer->finished_);
    return writer->body_;
  }
  static json Chat(const std::string& model = "base", int max_tokens = 6) {
    return {{"model", model},
            {"max_tokens", max_tokens},
            {"messages", {{{"role", "user"}, {"content", "Hello there"}}}}};
  }

  Scheduler scheduler_{SchedulerOptions{.max_num_seqs = 4}};
  std::optional<EngineSim> sim_;
};

TEST_F(BehaviourTest, ErrorBodiesInEachEnginesShape) {
  json too_long = Chat("base", 1 << 20);
  Make("vllm");
  json vllm = json::parse(Post("/v1/chat/completions", too_long).body);
  EXPECT_EQ(vllm["error"]["code"], 400);
  EXPECT_EQ(vllm["error"]["type"], "BadRequestError");
  Make("sglang");
  json sglang = json::parse(Post("/v1/chat/completions", too_long).body);
  EXPECT_EQ(sglang["object"], "error");
  EXPECT_EQ(sglang["code"], 400);
  Make("llamacpp");
  json llama = json::parse(Post("/v1/chat/completions", too_long).body);
  EXPECT_EQ(llama["error"]["type"], "invalid_request_error");
  EXPECT_EQ(llama["error"]["code"], 400);
  Make("", [](Behaviour& b) {
    b.fail_status = 500;
    b.empty_error_body = true;
  });
  HttpResponse empty = Post("/v1/chat/completions", Chat());
  EXPECT_EQ(empty.status, 500);
  EXPECT_EQ(empty.body, "");
}

TEST_F(BehaviourTest, AnErrorAfterNTokensWithOrWithoutDone) {
  for (const char* personality : {"vllm", "llamacpp"}) {
    Make(personality, [](Behaviour& b) { b.error_after_tokens = 2; });
    std::vector<json> events = DataEvents(Stream(Chat("base", 10)));
    ASSERT_GE(events.size(), 2u) << personality;
    bool done = events.back() == "[DONE]";
    EXPECT_EQ(done, std::string(personality) == "vllm");
    const json& error = events[events.size() - (done ? 2 : 1)];
    ASSERT_TRUE(error.contains("error")) << error;
    EXPECT_EQ(error["error"]["code"], 500);
    int tokens = 0;
    for (const json& e : events) {
      if (e.is_object() && e.contains("choices") && !e["choices"].empty()) {
        tokens += e["choices"][0]["delta"].value("content", "").empty() ? 0 : 1;
      }
    }
    EXPECT_EQ(tokens, 2) << personality;
  }
}

TEST_F(BehaviourTest, ReasoningFieldsAndTokensPerChunk) {
  Make("vllm", [](Behaviour& b) {
    b.reasoning_tokens = 3;
    b.tokens_per_chunk = 2;
  });
  json answer = json::parse(Post("/v1/chat/completions", Chat()).body);
  EXPECT_TRUE(answer["choices"][0]["message"].contains("reasoning"));
  json off = Chat();
  off["chat_template_kwargs"] = {{"enable_thinking", false}};
  EXPECT_FALSE(
      json::parse(Post("/v1/chat/completions", off).body)["choices"][0]["message"].contains(
          "reasoning"));
  std::vector<json> events = DataEvents(Stream(Chat("base", 6)));
  // role, reasoning (2 + 1 tokens: the kind changes), content (2 + 1), finish, [DONE]
  ASSERT_EQ(events.size(), 1u + 2u + 2u + 1u + 1u);
  EXPECT_TRUE(events[1]["choices"][0]["delta"].contains("reasoning"));
  EXPECT_TRUE(events[3]["choices"][0]["delta"].contains("content"));
  Make("sglang", [](Behaviour& b) { b.reasoning_tokens = 1; });
  EXPECT_TRUE(
      json::parse(Post("/v1/chat/completions", Chat()).body)["choices"][0]["message"].contains(
          "reasoning_content"));
}

TEST_F(BehaviourTest, ContinuousUsageOnlyWhenAskedAndADifferentPromptCount) {
  Make("", [](Behaviour& b) { b.prompt_token_delta = 7; });
  json plain = json::parse(Post("/v1/chat/completions", Chat()).body);
  json body = Chat("base", 3);
  body["stream_options"] = {{"include_usage", true}, {"continuous_usage_stats", true}};
  std::vector<json> events = DataEvents(Stream(body));
  for (size_t i = 1; i + 1 < events.size(); ++i) {
    EXPECT_TRUE(events[i]["usage"].is_object()) << events[i];
  }
  EXPECT_EQ(events[events.size() - 2]["usage"]["prompt_tokens"], plain["usage"]["prompt_tokens"]);
  body["stream_options"] = {{"continuous_usage_stats", true}};  // without include_usage
  events = DataEvents(Stream(body));
  for (size_t i = 0; i + 1 < events.size(); ++i) EXPECT_TRUE(events[i]["usage"].is_null());
  // 4 per message + "Hello there" (2) = 6, plus the delta.
  EXPECT_EQ(plain["usage"]["prompt_tokens"], 6 + 7);
}

TEST_F(BehaviourTest, LoraRoutesOfEachEngine) {
  json adapter = {{"lora_name", "sql"}, {"lora_path", "/nonexistent/sql"}};
  Make("vllm");  // without --enable-lora
  EXPECT_EQ(Post("/v1/load_lora_adapter", adapter).status, 400);
  Make("vllm", [](Behaviour& b) { b.enable_lora = true; });
  EXPECT_EQ(Post("/v1/load_lora_adapter", adapter).status, 200);
  EXPECT_EQ(Post("/load_lora_adapter", adapter).status, 404);  // SGLang's route
  Make("sglang", [](Behaviour& b) { b.enable_lora = true; });
  EXPECT_EQ(Post("/v1/load_lora_adapter", adapter).status, 404);
  HttpResponse loaded = Post("/load_lora_adapter", adapter);
  EXPECT_EQ(loaded.status, 200);
  EXPECT_EQ(json::parse(loaded.body)["success"], true);
  EXPECT_EQ(Post("/v1/chat/completions", Chat("base:sql")).status, 200);
  EXPECT_EQ(Post("/v1/chat/completions", Chat("sql")).status, 404);
  EXPECT_EQ(Post("/unload_lora_adapter", {{"lora_name", "sql"}}).status, 200);
  Make("llamacpp");
  EXPECT_EQ(Post("/v1/load_lora_adapter", adapter).status, 404);
  Make("vllm", [](Behaviour& b) {
    b.enable_lora = true;
    b.max_lora_rank = 4;  // a path without adapter_config.json is rank 8
  });
  HttpResponse refused = Post("/v1/load_lora_adapter", adapter);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("max_lora_rank"), std::string::npos);
}

TEST(BehaviourShapesTest, StreamErrorEvents) {
  EXPECT_EQ(
      StreamErrorEvent(ErrorShape::kSglang, "x").rfind(R"(data: {"error":{"object":"error")", 0),
      0u);
  EXPECT_EQ(StreamErrorEvent(ErrorShape::kLlamaCpp, "x"),
            "data: {\"error\":{\"code\":500,\"message\":\"x\",\"type\":\"server_error\"}}\n\n");
  Behaviour b;
  EXPECT_FALSE(ApplyPersonality("tgi", b).ok());
}

}  // namespace
}  // namespace berth::engine_sim
