// The Kubernetes objects berth writes and reads: the name and labels of a deployment
// incarnation's apps/v1 Deployment, its rendering from a pod template, and what berth reads
// from a Pod. Pure functions over JSON values; safe on any thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "common/status.h"
#include "runtime/kubernetes/pod_template.h"
#include "runtime/runtime_adapter.h"

namespace berth {

inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kUidLabel = "berth.dev/deployment-uid";
inline constexpr const char* kModelLabel = "berth.dev/deployment";
inline constexpr const char* kModelAnnotation = "berth.dev/deployed-model";
inline constexpr const char* kFieldManager = "berth";
// A lora pool's Deployment and pods: labelled so, the base model annotated, and their
// deployed-model annotation "lora-pool:<base>" (no deployed model has a ':', so a pool pod's
// change is never taken for a deployment's).
inline constexpr const char* kPoolLabel = "berth.dev/lora-pool";
inline constexpr const char* kPoolBaseAnnotation = "berth.dev/lora-pool-base";
inline constexpr const char* kPoolModelPrefix = "lora-pool:";
// On a pool pod, one per adapter loaded in it: "berth.dev/adapter-<uid label>" = "<restarts>
// <deployed model>", written by the instance that loaded it, so every instance can route to it.
inline constexpr const char* kAdapterAnnotationPrefix = "berth.dev/adapter-";

// DNS-1123 label from the deployed model (lowercase, [a-z0-9-], at most 40 characters) and a
// hash of the uid, so two incarnations or two names that clean up alike never collide.
std::string KubeObjectName(const std::string& deployed_model, const std::string& uid);
// A label value (at most 63 of [A-Za-z0-9._-], alphanumeric at both ends).
std::string LabelValue(const std::string& text);

// The Deployment for server-side apply. `replicas` is left out: berth scales only through
// /scale, so an apply never resets a scale (docs/kubernetes.md). InvalidArgument when a
// placeholder cannot be filled.
StatusOr<nlohmann::json> RenderDeployment(const ReplicaSpec& spec, const KubePodTemplate& t,
                                          const std::string& kube_namespace);

// Marks a rendered Deployment (and its pod template) as the lora pool of `base_model`.
void MarkPoolObject(nlohmann::json& object, const std::string& base_model);

// What berth reads from a Pod.
struct PodView {
  std::string name;
  std::string uid_label;       // the deployment incarnation
  std::string deployed_model;  // from the annotation
  std::string resource_version;
  std::string ip;
  std::string node;
  std::string phase;
  std::string created;  // RFC 3339, sorts in time order
  bool ready = false;   // condition Ready True
  bool terminating = false;
  bool unschedulable = false;  // PodScheduled False, reason Unschedulable
  std::string schedule_message;
  std::string waiting_reason;  // a container's state.waiting.reason
  std::string waiting_message;
  std::string last_error;  // the last termination's reason and message
  int restarts = 0;
  int units = 1;
  int port = 8000;        // the engine container's first port
  std::string pool_base;  // a lora pool pod: its base model
  // Adapters loaded in a pool pod, by adapter uid label: {restarts when loaded, deployed model}.
  std::map<std::string, std::pair<int, std::string>> adapters;
};
// The annotation that says `deployed_model` (adapter deployment `uid`) is loaded in a pod whose
// container has restarted `restarts` times, and its value.
std::string AdapterAnnotation(const std::string& uid);
std::string AdapterAnnotationValue(int restarts, const std::string& deployed_model);
PodView ReadPod(const nlohmann::json& pod);

// Reasons a container waits with that mean it will not start without a change.
bool IsFatalWaiting(const std::string& reason);

}  // namespace berth
