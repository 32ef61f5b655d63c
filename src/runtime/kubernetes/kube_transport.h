// KubeTransport: how the Kubernetes runtime talks to an apiserver. One request and its whole
// answer (Call), or a watch whose newline-delimited events are handed over as they arrive
// (Watch). KubeHttpClient (kube_http_client.h) is the real one over HTTPS; unit tests use an
// in-process fake of the API semantics. Implementations are thread-safe: the runtime's
// callers, its watch thread and its worker may call at once.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace berth {

struct KubeRequest {
  std::string method = "GET";
  std::string path;  // with the query, e.g. /api/v1/namespaces/ns/pods?labelSelector=...
  std::string content_type = "application/json";
  std::string body;
};

struct KubeResponse {
  int status = 0;
  std::string body;
};

class KubeTransport {
 public:
  virtual ~KubeTransport() = default;
  // Sends one request. Any HTTP answer is a response (the caller reads its status);
  // Unavailable or DeadlineExceeded when the apiserver could not be reached or did not answer,
  // Unauthenticated when no credential could be obtained.
  virtual StatusOr<KubeResponse> Call(const KubeRequest& request) = 0;
  // GETs `path` (a watch) and calls `on_line` with each line of a 200 answer as it arrives,
  // until the server ends the stream, `on_line` returns false, or CancelWatches(). Returns the
  // response with its status (and, when it is not 200, its whole body); fails as Call does.
  using LineHandler = std::function<bool(std::string_view line)>;
  virtual StatusOr<KubeResponse> Watch(const std::string& path, const LineHandler& on_line) = 0;
  // Ends every running Watch soon (they return Cancelled-like Unavailable); for shutdown.
  virtual void CancelWatches() = 0;
};

// The apiserver's error for a non-2xx response as a Status: the Status object's message, with
// 403 naming `verb` and `resource` (RBAC), 404 NotFound, 409 Aborted (Conflict) or
// AlreadyExists, 410 FailedPrecondition ("expired"), 422/400 InvalidArgument, 5xx and 429
// Unavailable.
Status KubeError(const KubeResponse& response, std::string_view verb, std::string_view resource);

// The message of a Status object body; else the body's start; else "HTTP <status>".
std::string KubeMessage(const KubeResponse& response);

// The `reason` of a Status object body ("Conflict", "AlreadyExists", "Expired", ...); empty
// when the body is not one.
std::string KubeReason(std::string_view body);

}  // namespace berth
