#include "json/request_json.h"

#include <gtest/gtest.h>

#include <string>

namespace berth {
namespace {

using nlohmann::json;

// `levels` nested arrays around `inner`, e.g. Nest(2, "1") == "[[1]]".
std::string Nest(int levels, const std::string& inner) {
  return std::string(levels, '[') + inner + std::string(levels, ']');
}

TEST(ParseRequestJsonTest, AcceptsDocumentsUpToTheDepthLimit) {
  StatusOr<json> parsed = ParseRequestJson(Nest(kMaxJsonDepth, "1"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const json* inner = &*parsed;
  for (int level = 0; level < kMaxJsonDepth; ++level) inner = &(*inner)[0];
  EXPECT_EQ(*inner, 1);
  parsed = ParseRequestJson(R"({"a": {"b": [1, {"c": null}]}, "d": "x"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["a"]["b"][1], json({{"c", nullptr}}));
}

TEST(ParseRequestJsonTest, RefusesDeeperDocumentsNamingTheOuterField) {
  EXPECT_EQ(ParseRequestJson(Nest(kMaxJsonDepth + 1, "1")).status(),
            InvalidArgument("request body nests JSON deeper than 128 levels (in [0])"));
  // The adversarial pass's crash: ~90,000 levels (a recursive copy or dump overflows the stack).
  const std::string deep = Nest(90000, "");
  EXPECT_EQ(ParseRequestJson(R"({"capacity": )" + deep + "}").status(),
            InvalidArgument("request body nests JSON deeper than 128 levels (in capacity)"));
  EXPECT_EQ(
      ParseRequestJson(R"({"model": "m", "messages": [{"role": "user", "content": )" + deep + "}]}")
          .status(),
      InvalidArgument("request body nests JSON deeper than 128 levels (in messages)"));
  std::string objects;
  for (int i = 0; i < 90000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(90000, '}');
  EXPECT_EQ(ParseRequestJson(R"({"parameters": )" + objects + "}").status(),
            InvalidArgument("request body nests JSON deeper than 128 levels (in parameters)"));
  // Unterminated, so the parser also meets a syntax error after the depth: the depth wins.
  EXPECT_EQ(ParseRequestJson(R"({"prompt": )" + std::string(90000, '[')).status(),
            InvalidArgument("request body nests JSON deeper than 128 levels (in prompt)"));
}

TEST(ParseRequestJsonTest, NamesTheFieldOfANumberOutOfRange) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {R"({"capacity": 1E400})", "capacity is a number out of range: 1E400"},
      {R"({"ptu_capacity": {"input_tpm": -1e999}})",
       "ptu_capacity.input_tpm is a number out of range: -1e999"},
      {R"({"messages": [{"a": 1}, {"content": [1, 2, 9e9999]}]})",
       "messages[1].content[2] is a number out of range: 9e9999"},
      {"1E400", "request body is a number out of range: 1E400"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseRequestJson(c.text).status(), InvalidArgument(c.message)) << c.text;
  }
  // Integers beyond 64 bits are not errors here: they read as doubles, and the field readers
  // refuse them as integers.
  StatusOr<json> big = ParseRequestJson(R"({"capacity": 123456789012345678901234567890})");
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE((*big)["capacity"].is_number_float());
}

TEST(ParseRequestJsonTest, SyntaxErrorsGiveTheByte) {
  EXPECT_EQ(ParseRequestJson(R"({"a": })").status(),
            InvalidArgument("request body is not valid JSON: syntax error at byte 7"));
  EXPECT_EQ(ParseRequestJson("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRequestJson(R"({"a": 1} x)").status(),
            InvalidArgument("request body is not valid JSON: syntax error at byte 10"));
}

}  // namespace
}  // namespace berth
