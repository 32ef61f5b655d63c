#include "core/engine_template.h"

#include <gtest/gtest.h>

#include <string>

namespace berth {
namespace {

TemplateValues Values() {
  TemplateValues v;
  v.port = 8001;
  v.served_model_name = "qwen3-8b-1a2b3c4d";
  v.model_name = "qwen3-8b";
  v.model_path = "/models/{model_name}";
  v.gpus = "0,1";
  v.units = 2;
  v.replica_id = "qwen3-8b-1a2b3c4d-abc123";
  return v;
}

TEST(ExpandTemplateTest, Table) {
  struct Case {
    std::string text;
    std::string want;  // "" with ok=false: an error
    bool ok = true;
  };
  const Case cases[] = {
      {"--port", "--port"},
      {"{port}", "8001"},
      {"--port={port}", "--port=8001"},
      {"{served_model_name}", "qwen3-8b-1a2b3c4d"},
      {"{model_name}", "qwen3-8b"},
      {"{gpus}", "0,1"},
      {"{units}", "2"},
      {"{replica_id}.sock", "qwen3-8b-1a2b3c4d-abc123.sock"},
      {"{port}{units}", "80012"},
      {"{{port}}", "{port}"},
      {"a}}b{{c", "a}b{c"},
      {"{\"temperature\": 0}", "{\"temperature\": 0}"},
      {"{}", "{}"},
      {"{ port }", "{ port }"},
      {"{PORT}", "{PORT}"},
      {"{port", "{port"},
      {"}", "}"},
      {"", ""},
      {"{prot}", "", false},
      {"x {model} y", "", false},
  };
  for (const Case& c : cases) {
    StatusOr<std::string> got = ExpandTemplate(c.text, Values());
    ASSERT_EQ(got.ok(), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(*got, c.want) << c.text;
    } else {
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(got.status().message().find("unknown placeholder"), std::string::npos);
    }
  }
}

TEST(ExpandTemplateTest, EveryDocumentedPlaceholderIsKnown) {
  for (std::string_view name : TemplatePlaceholders()) {
    std::string braced = "{";
    braced += name;
    braced += '}';
    EXPECT_TRUE(CheckTemplate(braced).ok()) << name;
  }
  EXPECT_FALSE(CheckTemplate("{nope}").ok());
}

TEST(ExpandCommandTest, ExpandsArgvEnvAndModelPath) {
  StatusOr<ExpandedCommand> got = ExpandCommand(
      {"vllm", "serve", "{model_path}", "--port", "{port}", "--tensor-parallel-size", "{units}"},
      {{"CUDA_VISIBLE_DEVICES", "{gpus}"}, {"PLAIN", "x"}}, Values());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->argv, (std::vector<std::string>{"vllm", "serve", "/models/qwen3-8b", "--port",
                                                 "8001", "--tensor-parallel-size", "2"}));
  EXPECT_EQ(got->env,
            (std::map<std::string, std::string>{{"CUDA_VISIBLE_DEVICES", "0,1"}, {"PLAIN", "x"}}));
}

TEST(ExpandCommandTest, Errors) {
  EXPECT_EQ(ExpandCommand({}, {}, Values()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ExpandCommand({""}, {}, Values()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ExpandCommand({"x", "{bad}"}, {}, Values()).ok());
  EXPECT_FALSE(ExpandCommand({"x"}, {{"A", "{bad}"}}, Values()).ok());
  TemplateValues self_ref = Values();
  self_ref.model_path = "/m/{model_path}";  // expands to "/m/", not recursion
  EXPECT_EQ(ExpandCommand({"{model_path}"}, {}, self_ref)->argv.front(), "/m/");
}

}  // namespace
}  // namespace berth
