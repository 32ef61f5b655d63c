#include "runtime/kubernetes/kube_setup.h"

#include <cstdlib>

#include "common/log.h"
#include "runtime/kubernetes/kube_http_client.h"

namespace berth {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

StatusOr<KubeConnection> Connection(const KubernetesRuntimeFlags& flags) {
  std::string path = flags.kubeconfig.empty() ? Env("KUBECONFIG") : flags.kubeconfig;
  if (!path.empty()) return LoadKubeconfig(path, flags.context);
  return InClusterConnection(Env("KUBERNETES_SERVICE_HOST"),
                             Env("KUBERNETES_SERVICE_PORT_HTTPS").empty()
                                 ? Env("KUBERNETES_SERVICE_PORT")
                                 : Env("KUBERNETES_SERVICE_PORT_HTTPS"),
                             "/var/run/secrets/kubernetes.io/serviceaccount");
}

}  // namespace

StatusOr<std::unique_ptr<KubernetesRuntime>> OpenKubernetesRuntime(
    const KubernetesRuntimeFlags& flags, const Clock& clock) {
  ASSIGN_OR_RETURN(KubeConnection connection, Connection(flags));
  ASSIGN_OR_RETURN(KubeTemplates templates, LoadKubeTemplates(flags.engines_file, flags.image));
  ASSIGN_OR_RETURN(std::unique_ptr<KubeHttpClient> client,
                   KubeHttpClient::Create(connection, clock));
  KubernetesRuntimeOptions options;
  options.kube_namespace = !flags.kube_namespace.empty()        ? flags.kube_namespace
                           : !connection.kube_namespace.empty() ? connection.kube_namespace
                                                                : "default";
  options.placement_timeout = flags.placement_timeout;
  options.cache.watch_timeout_seconds = flags.watch_timeout_seconds;
  LOG_INFO("kubernetes runtime: {} at {}, namespace {}", connection.source, connection.server,
           options.kube_namespace);
  StatusOr<std::unique_ptr<KubernetesRuntime>> runtime =
      KubernetesRuntime::Open(options, std::move(templates), std::move(client), clock);
  if (!runtime.ok()) {
    return Status(runtime.status().code(), "kubernetes runtime (" + connection.source + ", " +
                                               connection.server +
                                               "): " + runtime.status().message());
  }
  return runtime;
}

}  // namespace berth
