#include "runtime/kubernetes/pod_template.h"

#include <fstream>
#include <sstream>

#include "core/engine_template.h"

namespace berth {
namespace {

using Json = nlohmann::json;

Status FieldError(const std::string& key, const std::string& field, const std::string& what) {
  return InvalidArgument("engines config: entry \"" + key + "\": kubernetes." + field + " " + what);
}

StatusOr<std::vector<std::string>> Strings(const std::string& key, const std::string& field,
                                           const Json& v) {
  if (!v.is_array()) return FieldError(key, field, "must be an array of strings");
  std::vector<std::string> out;
  for (const Json& s : v) {
    if (!s.is_string()) return FieldError(key, field, "must be an array of strings");
    RETURN_IF_ERROR(CheckTemplate(s.get<std::string>()));
    out.push_back(s.get<std::string>());
  }
  return out;
}

StatusOr<std::map<std::string, std::map<std::string, int64_t>>> UnitResources(
    const std::string& key, const Json& v) {
  std::map<std::string, std::map<std::string, int64_t>> out;
  if (!v.is_object()) return FieldError(key, "resources_per_unit", "must be an object");
  for (const auto& [spec, resources] : v.items()) {
    if (!resources.is_object()) {
      return FieldError(key, "resources_per_unit." + spec, "must map resource names to counts");
    }
    for (const auto& [name, count] : resources.items()) {
      if (!count.is_number_integer() || count.get<int64_t>() < 0 || count.get<int64_t>() > 1024) {
        return FieldError(key, "resources_per_unit." + spec + "." + name,
                          "must be an integer from 0 to 1024");
      }
      out[spec][name] = count.get<int64_t>();
    }
  }
  return out;
}

Status ParseInt(const std::string& key, const std::string& field, const Json& v, int lo, int hi,
                int& out) {
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
    return FieldError(
        key, field, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  out = v.get<int>();
  return Status::Ok();
}

StatusOr<std::map<std::string, std::string>> Env(const std::string& key, const std::string& field,
                                                 const Json& v) {
  if (!v.is_object()) return FieldError(key, field, "must map names to strings");
  std::map<std::string, std::string> env;
  for (const auto& [name, value] : v.items()) {
    if (!value.is_string()) return FieldError(key, field + "." + name, "must be a string");
    RETURN_IF_ERROR(CheckTemplate(value.get<std::string>()));
    env[name] = value.get<std::string>();
  }
  return env;
}

Status ParseLoraPool(const std::string& key, const Json& v, KubeLoraPool& pool) {
  if (!v.is_object()) return FieldError(key, "lora_pool", "must be an object");
  for (const auto& [field, value] : v.items()) {
    std::string name = "lora_pool." + field;
    if (field == "replicas") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 64) {
        return FieldError(key, name, "must be an integer from 1 to 64");
      }
      pool.replicas = value.get<int>();
    } else if (field == "lora_path") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return FieldError(key, name, "must be a non-empty string");
      }
      RETURN_IF_ERROR(CheckTemplate(value.get<std::string>()));
      pool.lora_path = value.get<std::string>();
    } else if (field == "args") {
      ASSIGN_OR_RETURN(pool.args, Strings(key, name, value));
    } else if (field == "env") {
      ASSIGN_OR_RETURN(pool.env, Env(key, name, value));
    } else if (field.rfind("//", 0) != 0 && field != "_comment") {
      return FieldError(key, name, "is not a known field");
    }
  }
  return Status::Ok();
}

Status ParseField(const std::string& key, const std::string& field, const Json& v,
                  KubePodTemplate& t) {
  if (field == "image") {
    if (!v.is_string() || v.get<std::string>().empty())
      return FieldError(key, field, "must be a non-empty string");
    t.image = v.get<std::string>();
  } else if (field == "command") {
    ASSIGN_OR_RETURN(t.command, Strings(key, field, v));
  } else if (field == "args") {
    ASSIGN_OR_RETURN(t.args, Strings(key, field, v));
  } else if (field == "env") {
    ASSIGN_OR_RETURN(t.env, Env(key, field, v));
  } else if (field == "lora_pool") {
    return ParseLoraPool(key, v, t.lora_pool);
  } else if (field == "port") {
    return ParseInt(key, field, v, 1, 65535, t.port);
  } else if (field == "health_path") {
    if (!v.is_string() || v.get<std::string>().rfind('/', 0) != 0)
      return FieldError(key, field, "must start with /");
    t.health_path = v.get<std::string>();
  } else if (field == "resources_per_unit") {
    ASSIGN_OR_RETURN(t.unit_resources, UnitResources(key, v));
  } else if (field == "node_selector") {
    if (!v.is_object()) return FieldError(key, field, "must be an object");
    t.node_selector = v;
  } else if (field == "tolerations" || field == "volumes" || field == "volume_mounts") {
    if (!v.is_array()) return FieldError(key, field, "must be an array");
    (field == "tolerations" ? t.tolerations : field == "volumes" ? t.volumes : t.volume_mounts) = v;
  } else if (field == "probes") {
    if (!v.is_object()) return FieldError(key, field, "must be an object");
    t.probes = v;
  } else if (field == "startup_failure_threshold") {
    return ParseInt(key, field, v, 1, 10000, t.startup_failure_threshold);
  } else if (field == "termination_grace_seconds") {
    return ParseInt(key, field, v, 0, 86400, t.termination_grace_seconds);
  } else if (field == "pre_stop_sleep_seconds") {
    return ParseInt(key, field, v, 0, 3600, t.pre_stop_sleep_seconds);
  } else if (field == "model_path") {
    if (!v.is_string()) return FieldError(key, field, "must be a string");
    t.model_path = v.get<std::string>();
  } else if (field.rfind("//", 0) != 0 && field != "_comment") {
    return FieldError(key, field, "is not a known field");
  }
  return Status::Ok();
}

}  // namespace

KubePodTemplate EngineSimPodTemplate(const std::string& image) {
  KubePodTemplate t;
  t.image = image;
  t.command = {"berth"};
  t.args = {"engine-sim",         "--host", "0.0.0.0", "--port", "{port}", "--served-model-name",
            "{served_model_name}"};
  t.unit_resources["*"]["nvidia.com/gpu"] = 1;
  t.lora_pool.lora_path = "{model_name}";  // engine-sim reads no adapter file
  return t;
}

KubePodTemplate KubePoolTemplate(const KubePodTemplate& base) {
  KubePodTemplate t = base;
  t.args.insert(t.args.end(), base.lora_pool.args.begin(), base.lora_pool.args.end());
  for (const auto& [name, value] : base.lora_pool.env) t.env[name] = value;
  return t;
}

Status CheckKubeLora(const KubePodTemplate& t, const std::string& base_model) {
  std::string entry = "engines config entry \"" + t.match + "\" (for " + base_model + ")";
  if (t.kind == EngineKind::kLlamaCpp) {
    return FailedPrecondition(entry + " is a llamacpp engine, which cannot load LoRA adapters " +
                              "at runtime; lora deployments need a vllm or sglang entry");
  }
  if (t.lora_pool.lora_path.empty()) {
    return FailedPrecondition(entry + " has no kubernetes.lora_pool.lora_path: set it to where " +
                              "adapters are in the pod, e.g. \"/models/loras/{model_name}\"");
  }
  return Status::Ok();
}

StatusOr<KubePodTemplate> ParsePodTemplate(const std::string& key, const Json& value) {
  if (!value.is_object()) return FieldError(key, "", "must be an object");
  KubePodTemplate t;
  t.match = key;
  t.unit_resources["*"]["nvidia.com/gpu"] = 1;
  for (const auto& [field, v] : value.items()) RETURN_IF_ERROR(ParseField(key, field, v, t));
  if (t.command.empty() && t.args.empty()) {
    return FieldError(key, "command", "or args is needed (what the container runs)");
  }
  return t;
}

KubeTemplates::KubeTemplates(KubePodTemplate builtin,
                             std::map<std::string, KubePodTemplate> entries)
    : builtin_(std::move(builtin)), entries_(std::move(entries)) {}

const KubePodTemplate* KubeTemplates::LongestPrefix(const std::string& name) const {
  const KubePodTemplate* best = nullptr;
  size_t best_len = 0;
  for (const auto& [key, t] : entries_) {
    if (key.size() < 2 || key.back() != '*') continue;
    std::string_view prefix(key.data(), key.size() - 1);
    if (!name.empty() && name.starts_with(prefix) && prefix.size() > best_len) {
      best = &t;
      best_len = prefix.size();
    }
  }
  return best;
}

const KubePodTemplate& KubeTemplates::Resolve(const std::string& model_name,
                                              const std::string& base_model) const {
  auto exact = [this](const std::string& n) -> const KubePodTemplate* {
    auto it = n.empty() ? entries_.end() : entries_.find(n);
    return it == entries_.end() ? nullptr : &it->second;
  };
  for (const KubePodTemplate* t : {exact(model_name), exact(base_model), LongestPrefix(model_name),
                                   LongestPrefix(base_model), exact("*")}) {
    if (t != nullptr) return *t;
  }
  return builtin_;
}

StatusOr<KubeTemplates> LoadKubeTemplates(const std::string& engines_file,
                                          const std::string& default_image) {
  KubePodTemplate builtin = EngineSimPodTemplate(default_image);
  if (engines_file.empty()) return KubeTemplates(builtin);
  std::ifstream in(engines_file);
  if (!in) return InvalidArgument("cannot read engines config " + engines_file);
  std::stringstream text;
  text << in.rdbuf();
  Json root = Json::parse(text.str(), nullptr, false);
  if (!root.is_object() || !root.contains("engines") || !root["engines"].is_object()) {
    return InvalidArgument(engines_file + ": not an engines config");
  }
  std::map<std::string, KubePodTemplate> entries;
  for (const auto& [key, entry] : root["engines"].items()) {
    if (!entry.is_object() || !entry.contains("kubernetes")) continue;
    StatusOr<KubePodTemplate> t = ParsePodTemplate(key, entry["kubernetes"]);
    if (!t.ok()) return InvalidArgument(engines_file + ": " + t.status().message());
    if (entry.contains("kind")) {
      std::optional<EngineKind> kind = entry["kind"].is_string()
                                           ? ParseEngineKind(entry["kind"].get<std::string>())
                                           : std::nullopt;
      if (!kind) {
        return InvalidArgument(engines_file + ": entry \"" + key +
                               "\": kind must be one of vllm, sglang, llamacpp, openai");
      }
      t->kind = *kind;
    }
    if (t->image.empty()) t->image = default_image;
    entries[key] = std::move(*t);
  }
  return KubeTemplates(std::move(builtin), std::move(entries));
}

}  // namespace berth
