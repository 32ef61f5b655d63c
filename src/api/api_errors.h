// The one mapping from Status to the API's HTTP status and error body
// {"request_id", "code", "message"}. Handlers never build error JSON themselves.
#pragma once

#include <string>

#include "common/status.h"
#include "http/http_types.h"

namespace berth {

struct ApiErrorCode {
  int http_status;
  const char* code;
};

ApiErrorCode ApiErrorFor(StatusCode code);

// The error response for `status`, carrying `request_id` in the body.
HttpResponse ErrorResponse(const Status& status, const std::string& request_id);

}  // namespace berth
