// The skimmer against the tree: every body the skimmer reads must give what the gateway's tree
// path (nlohmann, openai_prompt.h) gives, and every body it refuses must be one the tree path
// can decide. Table-driven over the edges of JSON and of the OpenAI request shapes.
#include "gateway/request_skim.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateway/json_skim.h"
#include "gateway/openai_prompt.h"

namespace berth {
namespace {

using nlohmann::json;

std::optional<int64_t> TreeInt(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// What Gateway::Plan's tree path reads, for a body it forwards unchanged.
SkimmedRequest FromTree(const json& body, bool chat) {
  SkimmedRequest out;
  out.model = body["model"].get<std::string>();
  auto stream = body.find("stream");
  out.stream = stream != body.end() && stream->is_boolean() && stream->get<bool>();
  out.max_tokens = TreeInt(body, "max_tokens");
  if (!out.max_tokens) out.max_tokens = TreeInt(body, "max_completion_tokens");
  if (auto kw = body.find("chat_template_kwargs"); kw != body.end() && kw->is_object()) {
    if (auto it = kw->find("enable_thinking"); it != kw->end() && it->is_boolean()) {
      out.thinking_requested = it->get<bool>();
    }
  }
  out.prompt_tokens = chat ? EstimateChatPromptTokens(body.value("messages", json()))
                           : EstimateCompletionPromptTokens(body.value("prompt", json()));
  return out;
}

void ExpectSameAsTree(const std::string& body, bool chat) {
  SCOPED_TRACE(body);
  std::optional<SkimmedRequest> skim = SkimOpenAiRequest(body, chat);
  ASSERT_TRUE(skim.has_value());
  ASSERT_TRUE(json::accept(body));
  SkimmedRequest tree = FromTree(json::parse(body), chat);
  EXPECT_EQ(skim->model, tree.model);
  EXPECT_EQ(skim->stream, tree.stream);
  EXPECT_EQ(skim->max_tokens, tree.max_tokens);
  EXPECT_EQ(skim->thinking_requested, tree.thinking_requested);
  EXPECT_EQ(skim->prompt_tokens, tree.prompt_tokens);
}

TEST(RequestSkimTest, ChatBodiesReadAsTheTreeReadsThem) {
  for (
      const std::string& body : std::vector<std::string>{
          R"({"model":"m","messages":[{"role":"user","content":"Hello, world!"}],"max_tokens":16})",
          R"( {"model":"m","messages":[],"stream":true} )",
          R"({"model":"m","stream":false,"stream_options":{"include_usage":true}})",
          R"({"model":"m","stream":"yes","max_tokens":null,"max_completion_tokens":-3})",
          R"({"model":"m","max_tokens":5.0,"max_completion_tokens":7})",
          R"({"model":"m","max_tokens":123456789012345678})",
          R"({"model":"m","max_tokens":-0})",
          R"({"model":"m\u00e9\"x","messages":"not an array"})",
          R"({"model":"m","messages":[{"content":null},{"role":"user"},3,"x",[]]})",
          R"({"model":"m","messages":[{"content":"caf\u00e9 \ud83d\ude00 \n\t\\ \/"}]})",
          "{\"model\":\"m\",\"messages\":[{\"content\":\"\xe6\xa8\xa1\xe5\x9e\x8b "
          "\xf0\x9f\x98\x80\"}]}",
          R"({"model":"m","messages":[{"content":[{"type":"text","text":"a b"},)"
          R"({"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"c"}]}]})",
          R"({"model":"m","messages":[{"content":[{"type":"text","text":"a b"},)"
          R"({"type":"text"}]},{"content":[{"type":null,"text":"x"}]},{"content":[5]},)"
          R"({"content":{"text":"x"}},{"content":true}]})",
          R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function",)"
          R"("function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":)"
          R"("array","items":[1,2.5,-0.25,true,false,null,"\"]}"]}}}}}],"temperature":0.7})",
          R"({"model":"m","chat_template_kwargs":{"enable_thinking":false}})",
          R"({"model":"m","chat_template_kwargs":{"enable_thinking":"no"}})",
          R"({"model":"m","chat_template_kwargs":[1]})",
      }) {
    ExpectSameAsTree(body, /*chat=*/true);
  }
}

TEST(RequestSkimTest, CompletionPromptsReadAsTheTreeReadsThem) {
  for (const std::string& body : std::vector<std::string>{
           R"({"model":"m","prompt":"Hello, world!"})",
           R"({"model":"m","prompt":["one prompt"]})",
           R"({"model":"m","prompt":["two","prompts"]})",
           R"({"model":"m","prompt":[1,2,3]})",
           R"({"model":"m","prompt":[[1,2]]})",
           R"({"model":"m","prompt":[1,"x"]})",
           R"({"model":"m","prompt":[]})",
           R"({"model":"m","prompt":null})",
           R"({"model":"m","prompt":[1.5]})",
           R"({"model":"m","prompt":{"x":1}})",
       }) {
    ExpectSameAsTree(body, /*chat=*/false);
  }
}

TEST(RequestSkimTest, LeavesToTheTreeWhatItCannotReadExactly) {
  for (const std::string& body : std::vector<std::string>{
           "",
           "not json",
           R"({"model":"m",})",
           R"({"model":"m"} x)",
           R"(["model"])",
           R"({"messages":[]})",
           R"({"model":""})",
           R"({"model":7})",
           R"({"model":"m","enable_thinking":true})",
           R"({"model":"m","stream":true,"stream_options":{"include_usage":false}})",
           R"({"model":"m","stream":true,"stream_options":null})",
           R"({"model":"a","model":"b"})",
           R"({"mod\u0065l":"m"})",
           R"({"model":"m","max_tokens":1234567890123456789})",
           R"({"model":"m","max_tokens":1e3})",
           R"({"model":"m","messages":[{"content":"x","content":"y"}]})",
           "\xef\xbb\xbf{\"model\":\"m\"}",
           std::string(70, '[') + std::string(70, ']'),
       }) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(SkimOpenAiRequest(body, /*chat=*/true).has_value());
  }
}

TEST(JsonSkimTest, AcceptsOnlyWhatNlohmannAccepts) {
  for (const std::string& text : std::vector<std::string>{
           "0",
           "-0",
           "01",
           "-",
           "1.",
           ".5",
           "1.5",
           "-12.50",
           "[1,]",
           "[,1]",
           "{\"a\" 1}",
           "{\"a\":1,}",
           "{1:2}",
           "tru",
           "nul",
           "[true,false,null]",
           "\"\\x\"",
           "\"\\u12G4\"",
           "\"\\ud800\"",
           "\"\\udc00\"",
           "\"\\ud800\\u0041\"",
           "\"\\ud800\\udc00\"",
           std::string("\"a\x01\""),
           std::string("\"\xc0\xaf\""),
           std::string("\"\xe0\x80\xaf\""),
           std::string("\"\xed\xa0\x80\""),
           std::string("\"\xf4\x90\x80\x80\""),
           std::string("\"\xf0\x9f\x98\""),
           std::string("\"\xc3\xa9\""),
           "\"unterminated",
           " {\"a\" : [ 1 , {\"b\":\"c\"} ] } ",
           "{}",
           "[]",
           "{\"a\":{}}",
       }) {
    SCOPED_TRACE(text);
    if (SkimJson(text)) {
      EXPECT_TRUE(json::accept(text));
    }
  }
  EXPECT_TRUE(SkimJson("\"\\ud800\\udc00\"").has_value());
  EXPECT_TRUE(SkimJson("\"\xf0\x9f\x98\x80\"").has_value());
  EXPECT_FALSE(SkimJson("\"\xed\xa0\x80\"").has_value());
}

// Strings long enough for the eight-bytes-at-a-time scan, with each byte that ends a plain run
// at every offset within a word: the skimmer accepts exactly what nlohmann accepts, and the
// cursor finds the members nlohmann finds, value by value.
TEST(JsonSkimTest, LongStringsWithEachStopByteAtEveryOffset) {
  const std::vector<std::string> stops = {"\"",   "\\\"",     "\\\\", "\\u00e9",  "\x01", "\x1f",
                                          "\x7f", "\xc3\xa9", "\xff", "\xe4\xb8", " "};
  for (size_t offset = 0; offset < 24; ++offset) {
    for (const std::string& stop : stops) {
      const std::string inner = std::string(offset, 'a') + stop + std::string(17, 'b');
      for (const std::string& text :
           {"\"" + inner + "\"", "{\"" + inner + "\":[\"" + inner + "\",{\"" + inner +
                                     "\":2}],\"z\":\"" + inner + "\"}"}) {
        SCOPED_TRACE(::testing::PrintToString(text));
        const std::optional<JsonSpan> span = SkimJson(text);
        ASSERT_EQ(span.has_value(), json::accept(text));
        if (!span || span->kind != JsonKind::kObject) continue;
        const json doc = json::parse(text);
        JsonCursor members(*span);
        std::string_view key;
        bool escaped = false;
        JsonSpan value;
        size_t count = 0;
        std::string scratch;
        while (members.NextMember(key, escaped, value)) {
          const JsonSpan quoted{JsonKind::kString,
                                std::string_view(key.data() - 1, key.size() + 2)};
          const std::string name(StringValue(quoted, scratch));
          ASSERT_TRUE(doc.contains(name));
          EXPECT_EQ(json::parse(value.text), doc[name]);
          ++count;
        }
        EXPECT_EQ(count, doc.size());
      }
    }
  }
}

TEST(JsonSkimTest, DecodesStringsAsNlohmannDoes) {
  const std::string text = R"("a\"b\\c\/d\b\f\n\r\t\u00e9\u4e2d\ud83d\ude00\u0000z")";
  std::optional<JsonSpan> span = SkimJson(text);
  ASSERT_TRUE(span.has_value());
  std::string scratch;
  EXPECT_EQ(std::string(StringValue(*span, scratch)), json::parse(text).get<std::string>());
}

}  // namespace
}  // namespace berth
