#include "gateway/gateway_errors.h"

#include <nlohmann/json.hpp>

namespace berth {

GatewayError AuthError(const Status& status) {
  if (status.code() == StatusCode::kPermissionDenied) {
    return {403, "AccessDenied", "access_denied", "invalid_request_error", status.message()};
  }
  // The native wording ("Invalid API-key provided."); OpenAiErrorBody words it the OpenAI way.
  return {401, "InvalidApiKey", "invalid_api_key", "invalid_request_error", status.message()};
}

GatewayError BadRequest(const std::string& message) {
  return {400, "InvalidParameter", "invalid_parameter_error", "invalid_request_error", message};
}

GatewayError UnknownModel(const std::string& model) {
  return {404, "ModelNotFound", "model_not_found", "invalid_request_error",
          "The model `" + model + "` does not exist or you do not have access to it."};
}

GatewayError NotServing(const std::string& message) {
  return {503, "ServiceUnavailable", "service_unavailable", "server_error", message};
}

GatewayError RateLimited(int retry_after_s, const std::string& reason) {
  GatewayError e{429, "Throttling.RateQuota", "Throttling.RateQuota", "requests",
                 "Requests rate limit exceeded, please try again later. (" + reason + ")"};
  e.retry_after_s = retry_after_s;
  return e;
}

GatewayError UpstreamFailed(const std::string& message) {
  return {502, "InternalError", "upstream_error", "server_error", message};
}

std::string OpenAiErrorBody(const GatewayError& error, const std::string& request_id) {
  nlohmann::ordered_json body;
  // dashscope-api.md §5.4: a wrong key is "Invalid API-key provided." on the native API and
  // "Incorrect API key provided." on compatible-mode.
  bool wrong_key =
      error.openai_code == "invalid_api_key" && !error.message.starts_with("No API-key");
  body["error"] = {{"message", wrong_key ? "Incorrect API key provided." : error.message},
                   {"type", error.openai_type},
                   {"param", nullptr},
                   {"code", error.openai_code}};
  body["request_id"] = request_id;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse ErrorResponse(InferenceApi api, const GatewayError& error,
                           const std::string& request_id) {
  HttpResponse response;
  response.status = error.http_status;
  if (api == InferenceApi::kCompatible) {
    response.body = OpenAiErrorBody(error, request_id);
  } else {
    nlohmann::ordered_json body = {
        {"request_id", request_id}, {"code", error.code}, {"message", error.message}};
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (error.retry_after_s > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_s));
  }
  return response;
}

}  // namespace berth
