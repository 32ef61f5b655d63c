#include "runtime/process/engines_config.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/engine_template.h"

namespace berth {
namespace {

using Json = nlohmann::json;

constexpr int64_t kMaxStartupTimeoutS = 86400;  // a day

bool IsComment(const std::string& key) { return key == "comment" || key.starts_with("_"); }

Status FieldError(const std::string& key, const std::string& field, const std::string& what) {
  return InvalidArgument("engines config: engines[\"" + key + "\"]." + field + " " + what);
}

StatusOr<std::vector<std::string>> ParseCommand(const std::string& key, const Json& j) {
  if (!j.is_array() || j.empty()) return FieldError(key, "command", "must be a non-empty array");
  std::vector<std::string> argv;
  for (const Json& arg : j) {
    if (!arg.is_string()) return FieldError(key, "command", "must hold only strings");
    RETURN_IF_ERROR(CheckTemplate(arg.get<std::string>()));
    argv.push_back(arg.get<std::string>());
  }
  if (argv.front().empty()) return FieldError(key, "command", "must not start with \"\"");
  return argv;
}

StatusOr<std::map<std::string, std::string>> ParseEnv(const std::string& key, const Json& j) {
  if (!j.is_object()) return FieldError(key, "env", "must be an object of strings");
  std::map<std::string, std::string> env;
  for (const auto& [name, value] : j.items()) {
    if (name.empty() || name.find('=') != std::string::npos) {
      return FieldError(key, "env", "has a bad variable name \"" + name + "\"");
    }
    if (!value.is_string()) return FieldError(key, "env." + name, "must be a string");
    RETURN_IF_ERROR(CheckTemplate(value.get<std::string>()));
    env[name] = value.get<std::string>();
  }
  return env;
}

StatusOr<PtuSizing> ParsePtu(const std::string& key, const Json& j) {
  if (!j.is_object()) return FieldError(key, "ptu_tpm_per_replica", "must be an object");
  PtuSizing sizing;
  for (const auto& [name, value] : j.items()) {
    // Beyond the most a deployment can buy, a larger value sizes nothing differently.
    if (!value.is_number_integer() || value.get<int64_t>() <= 0 ||
        value.get<int64_t>() > kMaxPtuTpm) {
      return FieldError(key, "ptu_tpm_per_replica." + name,
                        "must be a positive integer up to " + std::to_string(kMaxPtuTpm));
    }
    if (name == "input") {
      sizing.input_tpm_per_replica = value.get<int64_t>();
    } else if (name == "output") {
      sizing.output_tpm_per_replica = value.get<int64_t>();
    } else {
      return FieldError(key, "ptu_tpm_per_replica", "has an unknown field \"" + name + "\"");
    }
  }
  return sizing;
}

// A number of seconds from `min_s` to `max_s`, kept in whole milliseconds.
StatusOr<Millis> ParseSeconds(const std::string& key, const std::string& field, const Json& j,
                              double min_s, double max_s) {
  if (!j.is_number() || j.get<double>() < min_s || j.get<double>() > max_s) {
    return FieldError(key, field,
                      fmt::format("must be a {}number of seconds from {:g} to {:g}",
                                  min_s > 0 ? "positive " : "", min_s, max_s));
  }
  return Millis(static_cast<int64_t>(j.get<double>() * 1000));
}

StatusOr<std::string> ParsePath(const std::string& key, const std::string& field, const Json& j) {
  if (!j.is_string() || !j.get<std::string>().starts_with("/")) {
    return FieldError(key, field, "must be a path starting with /");
  }
  return j.get<std::string>();
}

Status ParseHealth(const std::string& key, const Json& j, HealthSettings& h) {
  if (!j.is_object()) return FieldError(key, "health", "must be an object");
  for (const auto& [field, value] : j.items()) {
    std::string name = "health." + field;
    if (IsComment(field)) continue;
    if (field == "path") {
      ASSIGN_OR_RETURN(h.path, ParsePath(key, name, value));
    } else if (field == "interval_s") {
      ASSIGN_OR_RETURN(h.interval, ParseSeconds(key, name, value, 0.01, 3600));
    } else if (field == "timeout_s") {
      ASSIGN_OR_RETURN(h.timeout, ParseSeconds(key, name, value, 0.01, 3600));
    } else if (field == "restart_after_s") {
      ASSIGN_OR_RETURN(h.restart_after, ParseSeconds(key, name, value, 0.01, kMaxStartupTimeoutS));
    } else if (field == "unready_after") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 100) {
        return FieldError(key, name, "must be an integer from 1 to 100");
      }
      h.unready_after = value.get<int>();
    } else {
      return FieldError(key, name, "is not a known field");
    }
  }
  return Status::Ok();
}

StatusOr<int> ParsePoolReplicas(const std::string& key, const std::string& field, const Json& j) {
  if (!j.is_number_integer() || j.get<int64_t>() < 1 || j.get<int64_t>() > 64) {
    return FieldError(key, field, "must be an integer from 1 to 64");
  }
  return j.get<int>();
}

StatusOr<std::string> ParseLoraPath(const std::string& key, const std::string& field,
                                    const Json& j) {
  if (!j.is_string() || j.get<std::string>().empty()) {
    return FieldError(key, field, "must be a non-empty string");
  }
  RETURN_IF_ERROR(CheckTemplate(j.get<std::string>()));
  return j.get<std::string>();
}

Status ParseLoraPool(const std::string& key, const Json& j, LoraPoolSettings& pool) {
  if (!j.is_object()) return FieldError(key, "lora_pool", "must be an object");
  for (const auto& [field, value] : j.items()) {
    std::string name = "lora_pool." + field;
    if (IsComment(field)) continue;
    if (field == "replicas") {
      ASSIGN_OR_RETURN(pool.replicas, ParsePoolReplicas(key, name, value));
    } else if (field == "lora_path") {
      ASSIGN_OR_RETURN(pool.lora_path, ParseLoraPath(key, name, value));
    } else if (field == "args") {
      if (!value.is_array()) return FieldError(key, name, "must be an array of strings");
      for (const Json& arg : value) {
        if (!arg.is_string()) return FieldError(key, name, "must hold only strings");
        RETURN_IF_ERROR(CheckTemplate(arg.get<std::string>()));
        pool.args.push_back(arg.get<std::string>());
      }
    } else if (field == "env") {
      ASSIGN_OR_RETURN(pool.env, ParseEnv(key, value));
    } else {
      return FieldError(key, name, "is not a known field");
    }
  }
  return Status::Ok();
}

StatusOr<EngineKind> ParseKind(const std::string& key, const Json& j) {
  if (!j.contains("kind")) return EngineKind::kOpenAI;
  const Json& value = j["kind"];
  std::optional<EngineKind> kind =
      value.is_string() ? ParseEngineKind(value.get<std::string>()) : std::nullopt;
  if (!kind) return FieldError(key, "kind", "must be one of vllm, sglang, llamacpp, openai");
  return *kind;
}

Status ParseField(const std::string& key, const std::string& field, const Json& value,
                  EngineTemplate& t) {
  if (field == "kind") return Status::Ok();  // read first: it sets the defaults
  if (field == "command") {
    ASSIGN_OR_RETURN(t.command, ParseCommand(key, value));
  } else if (field == "env") {
    ASSIGN_OR_RETURN(t.env, ParseEnv(key, value));
  } else if (field == "model_path") {
    if (!value.is_string()) return FieldError(key, field, "must be a string");
    t.model_path = value.get<std::string>();
    RETURN_IF_ERROR(CheckTemplate(t.model_path));
  } else if (field == "health_path") {
    ASSIGN_OR_RETURN(t.health.path, ParsePath(key, field, value));
  } else if (field == "health") {
    RETURN_IF_ERROR(ParseHealth(key, value, t.health));
  } else if (field == "stop_grace_s") {
    ASSIGN_OR_RETURN(t.health.stop_grace, ParseSeconds(key, field, value, 0, 3600));
  } else if (field == "startup_timeout_s") {
    ASSIGN_OR_RETURN(t.startup_timeout,
                     ParseSeconds(key, field, value, 0.001, kMaxStartupTimeoutS));
  } else if (field == "ptu_tpm_per_replica") {
    ASSIGN_OR_RETURN(t.ptu_sizing, ParsePtu(key, value));
  } else if (field == "lora_pool_replicas") {
    ASSIGN_OR_RETURN(t.lora_pool.replicas, ParsePoolReplicas(key, field, value));
  } else if (field == "lora_path") {
    ASSIGN_OR_RETURN(t.lora_pool.lora_path, ParseLoraPath(key, field, value));
  } else if (field == "lora_pool") {
    RETURN_IF_ERROR(ParseLoraPool(key, value, t.lora_pool));
  } else if (field == "kubernetes") {
    return Status::Ok();  // the Kubernetes runtime's form of the template (runtime/kubernetes)
  } else {
    return FieldError(key, field, "is not a known field");
  }
  return Status::Ok();
}

StatusOr<EngineTemplate> ParseEntry(const std::string& key, const Json& j) {
  if (!j.is_object()) return FieldError(key, "", "must be an object");
  EngineTemplate t;
  t.match = key;
  if (!j.contains("command")) return FieldError(key, "command", "is required");
  ASSIGN_OR_RETURN(t.kind, ParseKind(key, j));
  t.health = DefaultHealth(t.kind);
  for (const auto& [field, value] : j.items()) {
    if (IsComment(field)) continue;
    RETURN_IF_ERROR(ParseField(key, field, value, t));
  }
  // llama.cpp takes adapters only at start (--lora FILE): it has no API to load one by path.
  bool has_pool =
      j.contains("lora_pool") || j.contains("lora_path") || j.contains("lora_pool_replicas");
  if (t.kind == EngineKind::kLlamaCpp && has_pool) {
    return FieldError(key, "lora_pool",
                      "is not possible with kind llamacpp: llama.cpp cannot load LoRA adapters "
                      "at runtime (it preloads them with --lora); serve this base model's lora "
                      "deployments with a vllm or sglang entry");
  }
  return t;
}

Status CheckKey(const std::string& key) {
  size_t star = key.find('*');
  if (key.empty() || (star != std::string::npos && star != key.size() - 1)) {
    return InvalidArgument("engines config: bad key \"" + key +
                           "\": use a model name, a \"prefix*\" or \"*\"");
  }
  return Status::Ok();
}

}  // namespace

EnginesConfig::EnginesConfig(EngineTemplate builtin, std::map<std::string, EngineTemplate> entries)
    : builtin_(std::move(builtin)), entries_(std::move(entries)) {}

const EngineTemplate* EnginesConfig::Exact(const std::string& name) const {
  if (name.empty()) return nullptr;
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

const EngineTemplate* EnginesConfig::LongestPrefix(const std::string& name) const {
  const EngineTemplate* best = nullptr;
  size_t best_len = 0;
  for (const auto& [key, t] : entries_) {
    if (key.size() < 2 || key.back() != '*') continue;  // "*" alone is the last resort
    std::string_view prefix(key.data(), key.size() - 1);
    if (!name.empty() && name.starts_with(prefix) && prefix.size() > best_len) {
      best = &t;
      best_len = prefix.size();
    }
  }
  return best;
}

const EngineTemplate& EnginesConfig::Resolve(const std::string& model_name,
                                             const std::string& base_model) const {
  for (const EngineTemplate* t : {Exact(model_name), Exact(base_model), LongestPrefix(model_name),
                                  LongestPrefix(base_model), Exact("*")}) {
    if (t != nullptr) return *t;
  }
  return builtin_;
}

EngineTemplate PoolTemplate(const EngineTemplate& base) {
  EngineTemplate t = base;
  t.command.insert(t.command.end(), base.lora_pool.args.begin(), base.lora_pool.args.end());
  for (const auto& [name, value] : base.lora_pool.env) t.env[name] = value;
  return t;
}

Status CheckLoraEngine(const EngineTemplate& engine, const std::string& base_model) {
  std::string entry = "engines config entry \"" + engine.match + "\" (for " + base_model + ")";
  if (engine.kind == EngineKind::kLlamaCpp) {
    return FailedPrecondition(entry + " is a llamacpp engine, which cannot load LoRA adapters " +
                              "at runtime; lora deployments need a vllm or sglang entry");
  }
  if (engine.lora_pool.lora_path.empty()) {
    return FailedPrecondition(entry + " has no lora_path: set lora_pool.lora_path to where " +
                              "adapters are, e.g. \"/models/loras/{model_name}\"");
  }
  return Status::Ok();
}

EngineTemplate EngineSimTemplate(const std::string& berth_binary, int startup_ms) {
  EngineTemplate t;
  t.match = "(built-in)";
  t.command = {
      berth_binary,          "engine-sim",          "--port",       "{port}",
      "--served-model-name", "{served_model_name}", "--startup-ms", std::to_string(startup_ms)};
  t.startup_timeout = Millis(60000);
  t.lora_pool.lora_path = "{model_name}";  // engine-sim reads no adapter file
  return t;
}

StatusOr<EnginesConfig> ParseEnginesConfig(std::string_view text, EngineTemplate builtin) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::exception& e) {
    return InvalidArgument(std::string("engines config is not valid JSON: ") + e.what());
  }
  if (!root.is_object()) return InvalidArgument("engines config must be a JSON object");
  std::map<std::string, EngineTemplate> entries;
  for (const auto& [field, value] : root.items()) {
    if (IsComment(field)) continue;
    if (field != "engines") {
      return InvalidArgument("engines config: unknown top-level field \"" + field + "\"");
    }
    if (!value.is_object()) return InvalidArgument("engines config: \"engines\" must be an object");
    for (const auto& [key, entry] : value.items()) {
      if (IsComment(key)) continue;
      RETURN_IF_ERROR(CheckKey(key));
      ASSIGN_OR_RETURN(entries[key], ParseEntry(key, entry));
    }
  }
  return EnginesConfig(std::move(builtin), std::move(entries));
}

StatusOr<EnginesConfig> LoadEnginesConfig(const std::string& path, EngineTemplate builtin) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read engines config " + path);
  std::stringstream text;
  text << in.rdbuf();
  StatusOr<EnginesConfig> config = ParseEnginesConfig(text.str(), std::move(builtin));
  if (!config.ok()) return InvalidArgument(path + ": " + config.status().message());
  return config;
}

}  // namespace berth
