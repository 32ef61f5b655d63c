#include "api/api_errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace berth {
namespace {

TEST(ApiErrorForTest, Table) {
  struct Case {
    StatusCode code;
    int http_status;
    std::string api_code;
  };
  const Case cases[] = {
      {StatusCode::kInvalidArgument, 400, "InvalidParameter"},
      {StatusCode::kNotFound, 404, "NotFound"},
      {StatusCode::kAlreadyExists, 409, "Conflict"},
      {StatusCode::kAborted, 409, "Conflict"},
      {StatusCode::kFailedPrecondition, 400, "UnsupportedOperation"},
      {StatusCode::kUnauthenticated, 401, "InvalidApiKey"},
      {StatusCode::kPermissionDenied, 403, "AccessDenied"},
      {StatusCode::kPayloadTooLarge, 413, "BadRequest.TooLarge"},
      {StatusCode::kResourceExhausted, 429, "Throttling.RateQuota"},
      {StatusCode::kUnavailable, 503, "ServiceUnavailable"},
      {StatusCode::kMethodNotAllowed, 405, "MethodNotAllowed"},
      {StatusCode::kDeadlineExceeded, 408, "RequestTimeOut"},
      {StatusCode::kInternal, 500, "InternalError"},
  };
  for (const Case& c : cases) {
    ApiErrorCode e = ApiErrorFor(c.code);
    EXPECT_EQ(e.http_status, c.http_status) << StatusCodeName(c.code);
    EXPECT_EQ(std::string(e.code), c.api_code) << StatusCodeName(c.code);
  }
}

TEST(ErrorResponseTest, BodyCarriesRequestIdCodeAndMessage) {
  HttpResponse r = ErrorResponse(NotFound("Model: x not found!"), "req-1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  nlohmann::json body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body, nlohmann::json::parse(
                      R"({"request_id": "req-1", "code": "NotFound",
                          "message": "Model: x not found!"})"));
}

TEST(ErrorResponseTest, InvalidUtf8InMessageStillMakesValidJson) {
  HttpResponse r = ErrorResponse(InvalidArgument("bad \xff byte"), "req-2");
  EXPECT_EQ(r.status, 400);
  nlohmann::json body = nlohmann::json::parse(r.body);  // would throw on invalid JSON
  EXPECT_EQ(body["code"], "InvalidParameter");
}

}  // namespace
}  // namespace berth
