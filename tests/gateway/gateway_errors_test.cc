#include "gateway/gateway_errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace berth {
namespace {

using nlohmann::json;

std::optional<std::string> HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

int CountHeader(const HttpResponse& r, const std::string& name) {
  int n = 0;
  for (const auto& [k, v] : r.headers) n += k == name;
  return n;
}

// The compatible-mode body: {"error":{message,type,param,code},"request_id"} and nothing else.
json OpenAiShape(const HttpResponse& r, const std::string& request_id) {
  EXPECT_EQ(r.content_type, "application/json");
  json body = json::parse(r.body, nullptr, false);
  EXPECT_TRUE(body.is_object()) << r.body;
  if (!body.is_object()) return body;
  EXPECT_EQ(body.size(), 2u) << r.body;
  EXPECT_EQ(body.value("request_id", ""), request_id) << r.body;
  EXPECT_TRUE(body["error"].is_object()) << r.body;
  const json& e = body["error"];
  EXPECT_EQ(e.size(), 4u) << r.body;
  EXPECT_TRUE(e["message"].is_string()) << r.body;
  EXPECT_TRUE(e["type"].is_string()) << r.body;
  EXPECT_TRUE(e.contains("param") && e["param"].is_null()) << r.body;
  EXPECT_TRUE(e["code"].is_string()) << r.body;
  return body;
}

// The native body: exactly {"request_id","code","message"}.
json NativeShape(const HttpResponse& r, const std::string& request_id) {
  EXPECT_EQ(r.content_type, "application/json");
  json body = json::parse(r.body, nullptr, false);
  EXPECT_TRUE(body.is_object()) << r.body;
  if (!body.is_object()) return body;
  EXPECT_EQ(body.size(), 3u) << r.body;
  EXPECT_EQ(body.value("request_id", ""), request_id) << r.body;
  EXPECT_TRUE(body["code"].is_string()) << r.body;
  EXPECT_TRUE(body["message"].is_string()) << r.body;
  EXPECT_FALSE(body.contains("error")) << r.body;
  EXPECT_FALSE(body.contains("output")) << r.body;
  return body;
}

TEST(GatewayErrorsTest, InvalidKeyOnBothApis) {
  GatewayError e = AuthError(Unauthenticated("Invalid API-key provided."));
  EXPECT_EQ(e.http_status, 401);
  EXPECT_EQ(e.retry_after_s, 0);

  HttpResponse compat = ErrorResponse(InferenceApi::kCompatible, e, "req-1");
  EXPECT_EQ(compat.status, 401);
  json c = OpenAiShape(compat, "req-1");
  EXPECT_EQ(c["error"]["code"], "invalid_api_key");
  EXPECT_EQ(c["error"]["type"], "invalid_request_error");
  // dashscope-api.md §5.4: the compatible-mode message.
  EXPECT_TRUE(c["error"]["message"].get<std::string>().starts_with("Incorrect API key provided"))
      << compat.body;
  EXPECT_FALSE(HeaderOf(compat, "Retry-After"));

  HttpResponse native = ErrorResponse(InferenceApi::kNative, e, "req-2");
  EXPECT_EQ(native.status, 401);
  json n = NativeShape(native, "req-2");
  EXPECT_EQ(n["code"], "InvalidApiKey");
  // dashscope-api.md §5.4: {"code":"InvalidApiKey","message":"Invalid API-key provided."}
  EXPECT_EQ(n["message"], "Invalid API-key provided.") << native.body;
}

TEST(GatewayErrorsTest, NoKeyOnBothApis) {
  GatewayError e = AuthError(Unauthenticated("No API-key provided."));
  EXPECT_EQ(e.http_status, 401);
  json n = NativeShape(ErrorResponse(InferenceApi::kNative, e, "r"), "r");
  EXPECT_EQ(n["code"], "InvalidApiKey");
  EXPECT_EQ(n["message"], "No API-key provided.");
  json c = OpenAiShape(ErrorResponse(InferenceApi::kCompatible, e, "r"), "r");
  EXPECT_EQ(c["error"]["code"], "invalid_api_key");
  EXPECT_EQ(c["error"]["message"], "No API-key provided.");
}

TEST(GatewayErrorsTest, ForbiddenWorkspace) {
  GatewayError e = AuthError(PermissionDenied("Workspace access denied."));
  EXPECT_EQ(e.http_status, 403);
  HttpResponse native = ErrorResponse(InferenceApi::kNative, e, "r");
  EXPECT_EQ(native.status, 403);
  json n = NativeShape(native, "r");
  EXPECT_EQ(n["code"], "AccessDenied");
  EXPECT_EQ(n["message"], "Workspace access denied.");
  HttpResponse compat = ErrorResponse(InferenceApi::kCompatible, e, "r");
  EXPECT_EQ(compat.status, 403);
  json c = OpenAiShape(compat, "r");
  EXPECT_EQ(c["error"]["code"], "access_denied");
  EXPECT_EQ(c["error"]["message"], "Workspace access denied.");
}

TEST(GatewayErrorsTest, UnknownModel) {
  GatewayError e = UnknownModel("qwen3-8b-nope");
  HttpResponse compat = ErrorResponse(InferenceApi::kCompatible, e, "r1");
  EXPECT_EQ(compat.status, 404);
  json c = OpenAiShape(compat, "r1");
  EXPECT_EQ(c["error"]["code"], "model_not_found");
  EXPECT_EQ(c["error"]["type"], "invalid_request_error");
  EXPECT_NE(c["error"]["message"].get<std::string>().find("qwen3-8b-nope"), std::string::npos);

  HttpResponse native = ErrorResponse(InferenceApi::kNative, e, "r2");
  EXPECT_EQ(native.status, 404);
  json n = NativeShape(native, "r2");
  EXPECT_EQ(n["code"], "ModelNotFound");
  EXPECT_NE(n["message"].get<std::string>().find("qwen3-8b-nope"), std::string::npos);
}

TEST(GatewayErrorsTest, BadRequest) {
  GatewayError e = BadRequest("input.messages or input.prompt is required");
  HttpResponse native = ErrorResponse(InferenceApi::kNative, e, "r");
  EXPECT_EQ(native.status, 400);
  json n = NativeShape(native, "r");
  EXPECT_EQ(n["code"], "InvalidParameter");
  EXPECT_EQ(n["message"], "input.messages or input.prompt is required");
  json c = OpenAiShape(ErrorResponse(InferenceApi::kCompatible, e, "r"), "r");
  EXPECT_EQ(c["error"]["code"], "invalid_parameter_error");
  EXPECT_EQ(c["error"]["type"], "invalid_request_error");
}

TEST(GatewayErrorsTest, NotServing) {
  GatewayError e = NotServing("Deployment m is PENDING and has no ready replica to serve it");
  HttpResponse native = ErrorResponse(InferenceApi::kNative, e, "r");
  EXPECT_EQ(native.status, 503);
  EXPECT_EQ(NativeShape(native, "r")["code"], "ServiceUnavailable");
  HttpResponse compat = ErrorResponse(InferenceApi::kCompatible, e, "r");
  EXPECT_EQ(compat.status, 503);
  json c = OpenAiShape(compat, "r");
  EXPECT_EQ(c["error"]["type"], "server_error");
  EXPECT_EQ(c["error"]["message"], e.message);
  EXPECT_FALSE(HeaderOf(compat, "Retry-After"));
}

TEST(GatewayErrorsTest, RateLimitedCarriesRetryAfterOnBothApis) {
  GatewayError e = RateLimited(7, "rpm_limit 10");
  EXPECT_EQ(e.http_status, 429);
  for (InferenceApi api : {InferenceApi::kCompatible, InferenceApi::kNative}) {
    HttpResponse r = ErrorResponse(api, e, "r");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(HeaderOf(r, "Retry-After"), std::optional<std::string>("7"));
    EXPECT_EQ(CountHeader(r, "Retry-After"), 1);
  }
  json n = NativeShape(ErrorResponse(InferenceApi::kNative, e, "r"), "r");
  EXPECT_EQ(n["code"], "Throttling.RateQuota");  // dashscope-api.md §5.5
  EXPECT_TRUE(n["message"].get<std::string>().starts_with(
      "Requests rate limit exceeded, please try again later"));
  EXPECT_NE(n["message"].get<std::string>().find("rpm_limit 10"), std::string::npos);
  json c = OpenAiShape(ErrorResponse(InferenceApi::kCompatible, e, "r"), "r");
  EXPECT_EQ(c["error"]["code"], "Throttling.RateQuota");
  EXPECT_TRUE(c["error"]["message"].get<std::string>().starts_with(
      "Requests rate limit exceeded, please try again later"));
}

TEST(GatewayErrorsTest, RetryAfterOnlyWhenPositive) {
  GatewayError e = RateLimited(0, "x");
  EXPECT_FALSE(HeaderOf(ErrorResponse(InferenceApi::kNative, e, "r"), "Retry-After"));
}

TEST(GatewayErrorsTest, UpstreamFailed) {
  GatewayError e = UpstreamFailed("connection reset");
  HttpResponse native = ErrorResponse(InferenceApi::kNative, e, "r");
  EXPECT_EQ(native.status, 502);
  json n = NativeShape(native, "r");
  EXPECT_EQ(n["code"], "InternalError");
  EXPECT_EQ(n["message"], "connection reset");
  json c = OpenAiShape(ErrorResponse(InferenceApi::kCompatible, e, "r"), "r");
  EXPECT_EQ(c["error"]["type"], "server_error");
}

TEST(GatewayErrorsTest, OpenAiErrorBodyIsTheCompatibleBody) {
  GatewayError e = UpstreamFailed("broke off");
  EXPECT_EQ(OpenAiErrorBody(e, "rid"), ErrorResponse(InferenceApi::kCompatible, e, "rid").body);
  json body = json::parse(OpenAiErrorBody(e, "rid"));
  // Key order as OpenAI sends it: message, type, param, code.
  std::vector<std::string> keys;
  for (auto it = body["error"].begin(); it != body["error"].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(body.dump().find("\"error\""), 1u);
  EXPECT_EQ(OpenAiErrorBody(e, "rid").find("{\"error\":{\"message\""), 0u);
}

TEST(GatewayErrorsTest, InvalidUtf8InAMessageStillGivesJson) {
  GatewayError e = BadRequest(std::string("bad \xff\xfe byte"));
  for (InferenceApi api : {InferenceApi::kCompatible, InferenceApi::kNative}) {
    HttpResponse r = ErrorResponse(api, e, "r");
    EXPECT_TRUE(json::parse(r.body, nullptr, false).is_object()) << r.body;
  }
}

TEST(GatewayErrorsTest, MessagesWithQuotesAreEscaped) {
  GatewayError e = UnknownModel("a\"b\\c");
  json n = NativeShape(ErrorResponse(InferenceApi::kNative, e, "r"), "r");
  EXPECT_NE(n["message"].get<std::string>().find("a\"b\\c"), std::string::npos);
}

}  // namespace
}  // namespace berth
