#include "runtime/kubernetes/kube_transport.h"

#include <nlohmann/json.hpp>

namespace berth {

std::string KubeMessage(const KubeResponse& response) {
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    return body["message"].get<std::string>();
  }
  std::string text = response.body.substr(0, 300);
  return text.empty() ? "HTTP " + std::to_string(response.status) : text;
}

std::string KubeReason(std::string_view text) {
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_object() && body.contains("reason") && body["reason"].is_string()) {
    return body["reason"].get<std::string>();
  }
  return "";
}

Status KubeError(const KubeResponse& response, std::string_view verb, std::string_view resource) {
  std::string what = std::string(verb) + " " + std::string(resource);
  std::string message = "kubernetes: " + what + ": " + KubeMessage(response);
  switch (response.status) {
    case 401:
      return Unauthenticated(message);
    case 403:
      // An apply that creates the object is also authorized as a create, and the apiserver's
      // message then gives no reason.
      return PermissionDenied("kubernetes refused to " + what +
                              " (RBAC: grant the verb on the resource" +
                              (verb == "patch" ? "; an apply that creates needs create too" : "") +
                              "): " + KubeMessage(response));
    case 404:
      return NotFound(message);
    case 409:
      return KubeReason(response.body) == "AlreadyExists" ? AlreadyExists(message)
                                                          : Aborted(message);
    case 410:
      return FailedPrecondition(message);
    case 400:
    case 422:
      return InvalidArgument(message);
    default:
      break;
  }
  if (response.status == 429 || response.status >= 500) return Unavailable(message);
  return Internal(message);
}

}  // namespace berth
