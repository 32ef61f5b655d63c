// KubernetesRuntime::ReplicaLogTail: the end of a pod's engine log, read through the apiserver
// (GET .../pods/<name>/log, which the apiserver proxies to the pod's kubelet), bounded by
// tailLines and limitBytes (docs/kubernetes.md, "Logs").
#include <algorithm>

#include "runtime/kubernetes/kubernetes_runtime.h"

namespace berth {
namespace {

// The last `max_bytes` (at most) of `text`, from a line start; `more` says the log may have
// lines before `text`.
LogTail TailOf(std::string text, size_t max_bytes, bool more) {
  if (text.size() <= max_bytes) return {std::move(text), more};
  size_t from = text.size() - max_bytes;
  bool at_line = text[from - 1] == '\n';
  text.erase(0, from);
  if (!at_line) {
    size_t newline = text.find('\n');
    // Unless the whole window is one line's end, its partial first line goes.
    if (newline != std::string::npos && newline + 1 < text.size()) text.erase(0, newline + 1);
  }
  return {std::move(text), true};
}

}  // namespace

StatusOr<LogTail> KubernetesRuntime::ReplicaLogTail(const std::string& replica_id,
                                                    size_t max_bytes) {
  std::vector<PodView> pods = cache_->All();
  if (std::none_of(pods.begin(), pods.end(),
                   [&](const PodView& p) { return p.name == replica_id; })) {
    return NotFound("no pod " + replica_id + " (a replica without a pod has no log yet)");
  }
  max_bytes = std::max<size_t>(max_bytes, 1);
  // Log lines are rarely under 16 bytes; limitBytes bounds what comes back (it counts from the
  // first of the tail lines, so a cut there means fewer lines are asked for).
  size_t lines = std::clamp<size_t>(max_bytes / 16 + 1, 1, 20000);
  const size_t limit = max_bytes * 2 + 4096;
  for (;;) {
    std::string path = "/api/v1/namespaces/" + options_.kube_namespace + "/pods/" + replica_id +
                       "/log?container=engine&tailLines=" + std::to_string(lines) +
                       "&limitBytes=" + std::to_string(limit);
    ASSIGN_OR_RETURN(KubeResponse r, api_->Call({"GET", path, "", ""}));
    if (r.status == 404) return NotFound("pod " + replica_id + " is gone: " + KubeMessage(r));
    // 400: the container has not started yet, or the pod is waiting (the apiserver says which).
    if (r.status == 400) return FailedPrecondition("pod " + replica_id + ": " + KubeMessage(r));
    if (r.status != 200) return KubeError(r, "get", "pods/log");
    if (r.body.size() >= limit && lines > 1) {
      lines = std::max<size_t>(1, lines / 4);
      continue;
    }
    size_t got = static_cast<size_t>(std::count(r.body.begin(), r.body.end(), '\n'));
    return TailOf(std::move(r.body), max_bytes, got >= lines || r.body.size() >= limit);
  }
}

}  // namespace berth
