// Builds the Kubernetes runtime from `berth serve` flags (--kube-namespace, --kubeconfig or
// KUBECONFIG, else the in-cluster service account; --engines for the templates). Called once by
// the composition root, on its thread; a bad or unreachable cluster is a clear error here.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "runtime/kubernetes/kubernetes_runtime.h"

namespace berth {

struct KubernetesRuntimeFlags {
  std::string kube_namespace;          // empty: the kubeconfig context's, the pod's, else "default"
  std::string kubeconfig;              // empty: $KUBECONFIG, else in-cluster
  std::string context;                 // empty: current-context
  std::string engines_file;            // the `kubernetes` objects of its entries
  std::string image = "berth:latest";  // the built-in template's image
  Millis placement_timeout{600000};
  int watch_timeout_seconds = 240;  // each pod watch ends after this and resumes
};

StatusOr<std::unique_ptr<KubernetesRuntime>> OpenKubernetesRuntime(
    const KubernetesRuntimeFlags& flags, const Clock& clock);

}  // namespace berth
