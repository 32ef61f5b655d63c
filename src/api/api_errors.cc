#include "api/api_errors.h"

#include <nlohmann/json.hpp>

namespace berth {

ApiErrorCode ApiErrorFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return {200, ""};
    case StatusCode::kInvalidArgument:
      return {400, "InvalidParameter"};
    case StatusCode::kNotFound:
      return {404, "NotFound"};
    case StatusCode::kAlreadyExists:
      return {409, "Conflict"};
    case StatusCode::kFailedPrecondition:
      return {400, "UnsupportedOperation"};
    case StatusCode::kAborted:
      return {409, "Conflict"};
    case StatusCode::kResourceExhausted:
      return {429, "Throttling.RateQuota"};
    case StatusCode::kUnavailable:
      return {503, "ServiceUnavailable"};
    case StatusCode::kUnauthenticated:
      return {401, "InvalidApiKey"};
    case StatusCode::kPermissionDenied:
      return {403, "AccessDenied"};
    case StatusCode::kPayloadTooLarge:
      return {413, "BadRequest.TooLarge"};
    case StatusCode::kMethodNotAllowed:
      return {405, "MethodNotAllowed"};
    case StatusCode::kDeadlineExceeded:
      return {408, "RequestTimeOut"};
    case StatusCode::kInternal:
      return {500, "InternalError"};
  }
  return {500, "InternalError"};
}

HttpResponse ErrorResponse(const Status& status, const std::string& request_id) {
  ApiErrorCode error = ApiErrorFor(status.code());
  nlohmann::ordered_json body;
  body["request_id"] = request_id;
  body["code"] = error.code;
  body["message"] = status.message();
  HttpResponse response;
  response.status = error.http_status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

}  // namespace berth
