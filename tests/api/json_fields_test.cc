#include "api/json_fields.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace berth {
namespace {

using nlohmann::json;

TEST(ParseJsonObjectTest, Errors) {
  struct Case {
    std::string body;
    std::string message;
  };
  const Case cases[] = {
      {"", "request body is empty; expected a JSON object"},
      {" \r\n\t", "request body is empty; expected a JSON object"},
      {"[1, 2]", "request body must be a JSON object, got array"},
      {"\"text\"", "request body must be a JSON object, got string"},
      {"null", "request body must be a JSON object, got null"},
      {"42", "request body must be a JSON object, got number"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseJsonObject(c.body).status(), InvalidArgument(c.message)) << c.body;
  }
  const std::string invalid[] = {"{", "{\"a\": }", "{'a': 1}", "{\"a\": 1} trailing"};
  for (const std::string& body : invalid) {
    StatusOr<json> parsed = ParseJsonObject(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message().rfind("request body is not valid JSON", 0), 0u)
        << parsed.status().message();
  }
}

TEST(ParseJsonObjectTest, AcceptsObjectsAndOptionalEmptyBody) {
  StatusOr<json> parsed = ParseJsonObject(" {\"a\": 1} ");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["a"], 1);
  parsed = ParseJsonObject("", /*allow_empty=*/true);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->is_object());
  EXPECT_TRUE(parsed->empty());
}

TEST(JsonFieldsTest, IntegerTable) {
  struct Case {
    std::string value;  // JSON text of "capacity"
    std::optional<int64_t> want;
    std::string error;  // "" when OK
  };
  const Case cases[] = {
      {"4", 4, ""},
      {"-3", -3, ""},
      {"4.0", 4, ""},
      {"0", 0, ""},
      {"null", std::nullopt, ""},
      {"9223372036854775807", INT64_MAX, ""},
      {"\"8\"", std::nullopt, "capacity must be an integer, got string \"8\""},
      {"4.5", std::nullopt, "capacity must be an integer, got number 4.5"},
      {"true", std::nullopt, "capacity must be an integer, got boolean true"},
      {"[4]", std::nullopt, "capacity must be an integer, got array [4]"},
      {"{}", std::nullopt, "capacity must be an integer, got object {}"},
      {"1e300", std::nullopt, "capacity must be an integer, got number 1e+300"},
      {"18446744073709551615", std::nullopt,
       "capacity must be an integer in range, got number 18446744073709551615"},
  };
  for (const Case& c : cases) {
    json body = json::parse("{\"capacity\": " + c.value + "}");
    JsonFields fields(body);
    EXPECT_EQ(fields.Integer("capacity"), c.want) << c.value;
    EXPECT_EQ(fields.status(), c.error.empty() ? Status::Ok() : InvalidArgument(c.error))
        << c.value;
  }
}

TEST(JsonFieldsTest, OtherTypeErrors) {
  json body = json::parse(R"({"s": 5, "b": "true", "o": [], "a": {"x": 1}})");
  struct Case {
    std::function<void(JsonFields&)> read;
    std::string error;
  };
  const Case cases[] = {
      {[](JsonFields& f) { EXPECT_EQ(f.String("s"), std::nullopt); },
       "s must be a string, got number 5"},
      {[](JsonFields& f) { EXPECT_EQ(f.Bool("b"), std::nullopt); },
       "b must be a boolean, got string \"true\""},
      {[](JsonFields& f) { EXPECT_EQ(f.Object("o"), nullptr); },
       "o must be an object, got array []"},
      {[](JsonFields& f) { EXPECT_EQ(f.Array("a"), nullptr); },
       "a must be an array, got object {\"x\":1}"},
  };
  for (const Case& c : cases) {
    JsonFields fields(body);
    c.read(fields);
    EXPECT_EQ(fields.status(), InvalidArgument(c.error));
  }
}

TEST(JsonFieldsTest, AbsentAndNullReadAsAbsent) {
  json body = json::parse(R"({"n": null, "s": "x", "t": true})");
  JsonFields fields(body);
  EXPECT_EQ(fields.String("missing"), std::nullopt);
  EXPECT_EQ(fields.String("n"), std::nullopt);
  EXPECT_EQ(fields.Integer("n"), std::nullopt);
  EXPECT_EQ(fields.Bool("n"), std::nullopt);
  EXPECT_EQ(fields.Object("n"), nullptr);
  EXPECT_EQ(fields.String("s"), "x");
  EXPECT_EQ(fields.Bool("t"), true);
  EXPECT_TRUE(fields.status().ok());
  EXPECT_TRUE(fields.Has("n"));
  EXPECT_TRUE(fields.IsNull("n"));
  EXPECT_FALSE(fields.IsNull("s"));
  EXPECT_FALSE(fields.Has("missing"));
  EXPECT_FALSE(fields.IsNull("missing"));
}

TEST(JsonFieldsTest, PrefixAndFirstErrorWins) {
  json body = json::parse(R"({"input_tpm": "x", "output_tpm": false})");
  JsonFields fields(body, "ptu_capacity.");
  fields.Integer("input_tpm");
  fields.Integer("output_tpm");
  EXPECT_EQ(fields.status(),
            InvalidArgument("ptu_capacity.input_tpm must be an integer, got string \"x\""));
}

}  // namespace
}  // namespace berth
