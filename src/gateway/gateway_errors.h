// The gateway's error answers, each in the shape of the API it was called through: the
// OpenAI envelope {"error":{message,type,param,code},"request_id"} on compatible-mode, and
// DashScope's flat {"request_id","code","message"} on the native API (dashscope-api.md §5).
// Pure values; any thread.
#pragma once

#include <string>

#include "common/status.h"
#include "http/http_types.h"

namespace berth {

enum class InferenceApi { kCompatible, kNative };

struct GatewayError {
  int http_status = 500;
  std::string code;         // DashScope code, e.g. "Throttling.RateQuota"
  std::string openai_code;  // compatible-mode code, e.g. "invalid_api_key"
  std::string openai_type;  // e.g. "invalid_request_error"
  std::string message;
  int retry_after_s = 0;  // > 0: a Retry-After header
};

GatewayError AuthError(const Status& status);         // 401 or 403 from AuthService
GatewayError BadRequest(const std::string& message);  // 400 InvalidParameter
GatewayError UnknownModel(const std::string& model);
GatewayError NotServing(const std::string& message);  // 503: not ready, no replica answers
GatewayError RateLimited(int retry_after_s, const std::string& reason);  // 429
GatewayError UpstreamFailed(const std::string& message);                 // 502

HttpResponse ErrorResponse(InferenceApi api, const GatewayError& error,
                           const std::string& request_id);
// The JSON body alone (for an error inside an already started compatible-mode stream).
std::string OpenAiErrorBody(const GatewayError& error, const std::string& request_id);

}  // namespace berth
