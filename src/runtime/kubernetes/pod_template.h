// The Kubernetes form of an engine template: the `kubernetes` object of an engines-config entry
// (docs/runtime.md, "Kubernetes templates"). Parsed once at startup into immutable values
// shared read-only between threads.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/engine_template.h"

namespace berth {

// The `lora_pool` object of a Kubernetes template: the shared pool serving a base model's lora
// deployments (one Deployment), as the process runtime's section of the same name.
struct KubeLoraPool {
  int replicas = 1;                        // pods of the pool
  std::string lora_path;                   // where an adapter is, inside the pod; empty: none
  std::vector<std::string> args;           // appended to `args` for pool pods only
  std::map<std::string, std::string> env;  // added to `env` for pool pods only
};

struct KubePodTemplate {
  std::string match = "(built-in)";  // the engines-config key that chose it
  std::string image;                 // empty: the runtime's default image (berth's own)
  std::vector<std::string> command;  // with the process templates' placeholders
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // with placeholders
  int port = 8000;
  std::string health_path = "/health";
  // Per unit spec ("MU1", or "*" for any): the resources one unit means, e.g.
  // {"nvidia.com/gpu": 1}. A replica of n units asks for n times each.
  std::map<std::string, std::map<std::string, int64_t>> unit_resources;
  nlohmann::json node_selector = nlohmann::json::object();
  nlohmann::json tolerations = nlohmann::json::array();
  nlohmann::json volumes = nlohmann::json::array();
  nlohmann::json volume_mounts = nlohmann::json::array();
  nlohmann::json probes = nlohmann::json::object();  // startupProbe/readinessProbe/livenessProbe
  int startup_failure_threshold = 60;                // × 10 s: generous for large models
  int termination_grace_seconds = 60;
  int pre_stop_sleep_seconds = 10;
  std::string model_path;                 // value of {model_path}
  EngineKind kind = EngineKind::kOpenAI;  // the entry's `kind`: which LoRA API the engine has
  KubeLoraPool lora_pool;
};

// What a pod of the base model's lora pool runs: `base` plus its lora_pool args and env.
KubePodTemplate KubePoolTemplate(const KubePodTemplate& base);

// OK when `t` can serve lora deployments of `base_model`; FailedPrecondition saying why not
// (a llamacpp engine, no lora_pool.lora_path).
Status CheckKubeLora(const KubePodTemplate& t, const std::string& base_model);

// The built-in template: berth's own image running engine-sim, one nvidia.com/gpu per unit.
KubePodTemplate EngineSimPodTemplate(const std::string& image);

// Parses the `kubernetes` object of entry `key`. InvalidArgument naming the entry and field.
StatusOr<KubePodTemplate> ParsePodTemplate(const std::string& key, const nlohmann::json& value);

class KubeTemplates {
 public:
  explicit KubeTemplates(KubePodTemplate builtin,
                         std::map<std::string, KubePodTemplate> entries = {});
  // Matches as the process runtime's EnginesConfig::Resolve does: model, base, longest
  // "prefix*" of either, "*", built-in.
  const KubePodTemplate& Resolve(const std::string& model_name,
                                 const std::string& base_model) const;

 private:
  const KubePodTemplate* LongestPrefix(const std::string& name) const;
  KubePodTemplate builtin_;
  std::map<std::string, KubePodTemplate> entries_;
};

// Reads the `kubernetes` objects of the engines config file (other fields are the process
// runtime's, but for the entry's `kind`); entries without one are not Kubernetes templates.
// Empty path: built-in only.
StatusOr<KubeTemplates> LoadKubeTemplates(const std::string& engines_file,
                                          const std::string& default_image);

}  // namespace berth
