// EngineSim's routes, called directly (no sockets) with a fake clock and a scheduler without
// delays, so every answer arrives before Handle() returns.
#include "engine_sim/server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/token_count.h"
#include "engine_sim_test_util.h"

namespace berth::engine_sim {
namespace {

using nlohmann::json;

using testing::FakeWriter;

class EngineSimTest : public ::testing::Test {
 protected:
  explicit EngineSimTest(uint64_t seed = 0) : sim_(Options(seed), scheduler_) {}

  EngineSimOptions Options(uint64_t seed) {
    EngineSimOptions options;
    options.served_model_name = "sim-model";
    options.model_path = "/models/sim";
    options.max_model_len = 200;
    options.seed = seed;
    options.startup = std::chrono::milliseconds(500);
    options.now = [this] { return now_; };
    options.unix_seconds = [] { return int64_t{1750000000}; };
    return options;
  }

  HttpResponse Call(const std::string& method, const std::string& path, std::string body = "") {
    HttpRequest request;
    request.method = method;
    request.path = path;
    request.target = path;
    request.body = std::move(body);
    std::optional<HttpResponse> answer;
    sim_.Handle(std::move(request), [&answer](HttpResponse response) { answer = response; });
    EXPECT_TRUE(answer.has_value()) << path;
    return answer.value_or(HttpResponse{});
  }
  HttpResponse Post(const std::string& path, const json& body) {
    return Call("POST", path, body.dump());
  }
  void Start() { now_ += std::chrono::milliseconds(500); }

  static json Chat(const std::string& content) {
    return {{"model", "sim-model"}, {"messages", {{{"role", "user"}, {"content", content}}}}};
  }
  // The SSE events of a streamed response, each parsed ("[DONE]" kept as a string).
  static std::vector<json> Events(const std::string& body) {
    std::vector<json> events;
    size_t pos = 0;
    while ((pos = body.find("data: ", pos)) != std::string::npos) {
      const size_t end = body.find("\n\n", pos);
      const std::string data = body.substr(pos + 6, end - pos - 6);
      events.push_back(data == "[DONE]" ? json(data) : json::parse(data));
      pos = end;
    }
    return events;
  }

  SteadyTime now_ = SteadyTime(std::chrono::hours(1));
  Scheduler scheduler_{SchedulerOptions{.max_num_seqs = 4}};
  EngineSim sim_;
};

TEST_F(EngineSimTest, HealthIs503UntilStartupHasPassed) {
  EXPECT_EQ(Call("GET", "/health").status, 503);
  EXPECT_EQ(Post("/v1/chat/completions", Chat("hi")).status, 503);
  Start();
  EXPECT_EQ(Call("GET", "/health").status, 200);
  EXPECT_EQ(Post("/v1/chat/completions", Chat("hi")).status, 200);
}

TEST_F(EngineSimTest, ChatCompletionHasTheOpenAiShapeAndCountedUsage) {
  Start();
  const HttpResponse response = Post("/v1/chat/completions", Chat("Hello, world!"));
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = json::parse(response.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(body["model"], "sim-model");
  EXPECT_EQ(body["created"], 1750000000);
  const json& choice = body["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["message"]["role"], "assistant");
  EXPECT_EQ(choice["finish_reason"], "stop");
  EXPECT_TRUE(choice["logprobs"].is_null());
  const std::string content = choice["message"]["content"];
  EXPECT_EQ(body["usage"]["prompt_tokens"], 4 + kTokensPerMessage);
  EXPECT_EQ(body["usage"]["completion_tokens"], CountTokens(content));
  EXPECT_EQ(body["usage"]["total_tokens"], 4 + kTokensPerMessage + CountTokens(content));
  EXPECT_GE(CountTokens(content), 16);
  EXPECT_LE(CountTokens(content), 63);
  // Deterministic: the same prompt gives the same text.
  EXPECT_EQ(json::parse(Post("/v1/chat/completions", Chat("Hello, world!"))
                            .body)["choices"][0]["message"]["content"],
            content);
}

TEST_F(EngineSimTest, MaxTokensSetsTheLengthAndFinishReason) {
  Start();
  json request = Chat("Tell me a story");
  request["max_tokens"] = 7;
  const json body = json::parse(Post("/v1/chat/completions", request).body);
  EXPECT_EQ(body["usage"]["completion_tokens"], 7);
  EXPECT_EQ(CountTokens(body["choices"][0]["message"]["content"].get<std::string>()), 7);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
}

TEST_F(EngineSimTest, CompletionsAnswerTextCompletions) {
  Start();
  const HttpResponse response =
      Post("/v1/completions", {{"model", "sim-model"}, {"prompt", "Once upon"}, {"max_tokens", 5}});
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = json::parse(response.body);
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["id"].get<std::string>().rfind("cmpl-", 0), 0u);
  EXPECT_EQ(CountTokens(body["choices"][0]["text"].get<std::string>()), 5);
  EXPECT_EQ(body["usage"]["prompt_tokens"], 2);
}

TEST_F(EngineSimTest, StreamsChunksThenUsageThenDone) {
  Start();
  json request = Chat("Hello there");
  request["stream"] = true;
  request["stream_options"] = {{"include_usage", true}};
  request["max_tokens"] = 5;
  HttpResponse response = Post("/v1/chat/completions", request);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type.rfind("text/event-stream", 0), 0u);
  ASSERT_TRUE(response.on_stream);
  auto writer = std::make_shared<FakeWriter>();
  response.on_stream(writer);
  EXPECT_TRUE(writer->finished_);
  const std::vector<json> events = Events(writer->body_);
  ASSERT_EQ(events.size(), 1u + 5u + 1u + 1u + 1u);  // role, tokens, finish, usage, [DONE]
  EXPECT_EQ(events[0]["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(events[i]["object"], "chat.completion.chunk");
    EXPECT_TRUE(events[i]["usage"].is_null());
    text += events[i]["choices"][0]["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(events[6]["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(events[7]["choices"].empty());
  EXPECT_EQ(events[7]["usage"]["completion_tokens"], CountTokens(text));
  EXPECT_EQ(events[7]["usage"]["prompt_tokens"], 2 + kTokensPerMessage);
  EXPECT_EQ(events[8], "[DONE]");
  // The streamed text is the non-streamed text.
  request.erase("stream");
  request.erase("stream_options");
  EXPECT_EQ(
      json::parse(Post("/v1/chat/completions", request).body)["choices"][0]["message"]["content"],
      text);
}

TEST_F(EngineSimTest, AClientThatLeavesFreesItsSlot) {
  Start();
  json request = Chat("Hello");
  request["stream"] = true;
  request["max_tokens"] = 50;
  auto writer = std::make_shared<FakeWriter>();
  writer->accept_ = 3;
  Post("/v1/chat/completions", request).on_stream(writer);
  EXPECT_FALSE(writer->finished_);
  EXPECT_EQ(writer->writes_, 3);
  EXPECT_EQ(scheduler_.running(), 0);
}

TEST_F(EngineSimTest, LoraAdaptersLoadListServeAndUnload) {
  Start();
  const json load = {{"lora_name", "sql-lora"}, {"lora_path", "/adapters/sql"}};
  HttpResponse loaded = Post("/v1/load_lora_adapter", load);
  EXPECT_EQ(loaded.status, 200);
  EXPECT_EQ(loaded.body, "Success: LoRA adapter 'sql-lora' added successfully.");
  EXPECT_EQ(Post("/v1/load_lora_adapter", load).status, 400);
  const json models = json::parse(Call("GET", "/v1/models").body);
  ASSERT_EQ(models["data"].size(), 2u);
  EXPECT_EQ(models["data"][0]["id"], "sim-model");
  EXPECT_EQ(models["data"][0]["root"], "/models/sim");
  EXPECT_EQ(models["data"][1]["id"], "sql-lora");
  EXPECT_EQ(models["data"][1]["parent"], "sim-model");
  EXPECT_EQ(models["data"][1]["root"], "/adapters/sql");
  EXPECT_EQ(models["data"][1]["owned_by"], "berth");

  json request = Chat("Hello");
  const std::string base =
      json::parse(Post("/v1/chat/completions", request).body)["choices"][0]["message"]["content"];
  request["model"] = "sql-lora";
  const HttpResponse adapted = Post("/v1/chat/completions", request);
  ASSERT_EQ(adapted.status, 200);
  EXPECT_EQ(json::parse(adapted.body)["model"], "sql-lora");
  EXPECT_NE(json::parse(adapted.body)["choices"][0]["message"]["content"], base);

  EXPECT_EQ(Post("/v1/unload_lora_adapter", {{"lora_name", "sql-lora"}}).status, 200);
  EXPECT_EQ(Post("/v1/unload_lora_adapter", {{"lora_name", "sql-lora"}}).status, 404);
  EXPECT_EQ(Post("/v1/chat/completions", request).status, 404);
}

TEST_F(EngineSimTest, NamesNeedingEscapesSurviveEveryResponseShape) {
  Start();
  const std::string name = "we\"ird\\ \x01\n\xc3\xa9";
  ASSERT_EQ(Post("/v1/load_lora_adapter", {{"lora_name", name}, {"lora_path", "/a"}}).status, 200);
  json request = Chat("Hello");
  request["model"] = name;
  EXPECT_EQ(json::parse(Post("/v1/chat/completions", request).body)["model"], name);
  request["stream"] = true;
  auto writer = std::make_shared<FakeWriter>();
  Post("/v1/chat/completions", request).on_stream(writer);
  for (const json& event : Events(writer->body_)) {
    if (event.is_object()) {
      EXPECT_EQ(event["model"], name);
    }
  }
}

struct BadRequest {
  std::string path;
  std::string body;
  int status;
  std::string type;
};

TEST_F(EngineSimTest, BadRequestsGetOpenAiErrors) {
  Start();
  const BadRequest cases[] = {
      {"/v1/chat/completions", "{not json", 400, "BadRequestError"},
      {"/v1/chat/completions", "[]", 400, "BadRequestError"},
      {"/v1/chat/completions", R"({"model":"sim-model"})", 400, "BadRequestError"},
      {"/v1/chat/completions", R"({"messages":[]})", 400, "BadRequestError"},
      {"/v1/chat/completions", R"({"messages":[{"content":"x"}]})", 400, "BadRequestError"},
      {"/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"max_tokens":0})",
       400, "BadRequestError"},
      {"/v1/chat/completions",
       R"({"messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}})",
       400, "BadRequestError"},
      {"/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"max_tokens":500})",
       400, "BadRequestError"},
      {"/v1/chat/completions", R"({"model":"nope","messages":[{"role":"user","content":"x"}]})",
       404, "NotFoundError"},
      {"/v1/completions", R"({"model":"sim-model"})", 400, "BadRequestError"},
      {"/v1/completions", R"({"prompt":["a","b"]})", 400, "BadRequestError"},
      {"/v1/load_lora_adapter", R"({"lora_name":"x"})", 400, "BadRequestError"},
      {"/v1/unload_lora_adapter", R"({"lora_name":"never-loaded"})", 404, "NotFoundError"},
      {"/v1/nothing", "{}", 404, "NotFoundError"},
  };
  for (const BadRequest& c : cases) {
    const HttpResponse response = Call("POST", c.path, c.body);
    EXPECT_EQ(response.status, c.status) << c.path << " " << c.body << " -> " << response.body;
    const json body = json::parse(response.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << response.body;
    EXPECT_EQ(body["error"]["type"], c.type) << response.body;
    EXPECT_EQ(body["error"]["code"], c.status) << response.body;
    EXPECT_TRUE(body["error"]["param"].is_null());
    EXPECT_TRUE(body["error"]["message"].is_string());
  }
  EXPECT_EQ(Call("GET", "/v1/chat/completions").status, 405);
  EXPECT_EQ(Call("POST", "/v1/models").status, 405);
}

class SeededEngineSimTest : public EngineSimTest {
 protected:
  SeededEngineSimTest() : EngineSimTest(42) {}
};

TEST_F(SeededEngineSimTest, AnotherSeedGivesAnotherText) {
  Scheduler scheduler(SchedulerOptions{.max_num_seqs = 1});
  EngineSim unseeded(Options(0), scheduler);
  Start();
  HttpRequest request;
  request.method = "POST";
  request.path = "/v1/chat/completions";
  request.body = Chat("Hello").dump();
  std::string a;
  std::string b;
  unseeded.Handle(request, [&a](HttpResponse r) { a = r.body; });
  sim_.Handle(request, [&b](HttpResponse r) { b = r.body; });
  EXPECT_NE(json::parse(a)["choices"][0]["message"]["content"],
            json::parse(b)["choices"][0]["message"]["content"]);
}

}  // namespace
}  // namespace berth::engine_sim
