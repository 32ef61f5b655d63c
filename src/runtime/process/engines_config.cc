#include "runtime/process/engines_config.h"

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

StatusOr<EngineTemplate> ParseEntry(const std::string& key, const Json& j) {
  if (!j.is_object()) return FieldError(key, "", "must be an object");
  EngineTemplate t;
  t.match = key;
  if (!j.contains("command")) return FieldError(key, "command", "is required");
  for (const auto& [field, value] : j.items()) {
    if (IsComment(field)) continue;
    if (field == "command") {
      ASSIGN_OR_RETURN(t.command, ParseCommand(key, value));
    } else if (field == "env") {
      ASSIGN_OR_RETURN(t.env, ParseEnv(key, value));
    } else if (field == "model_path") {
      if (!value.is_string()) return FieldError(key, field, "must be a string");
      t.model_path = value.get<std::string>();
      RETURN_IF_ERROR(CheckTemplate(t.model_path));
    } else if (field == "health_path") {
      if (!value.is_string() || !value.get<std::string>().starts_with("/")) {
        return FieldError(key, field, "must be a path starting with /");
      }
      t.health_path = value.get<std::string>();
    } else if (field == "startup_timeout_s") {
      // Kept in whole milliseconds: below one it would be 0, and a huge value overflows.
      if (!value.is_number() || value.get<double>() < 0.001 ||
          value.get<double>() > kMaxStartupTimeoutS) {
        return FieldError(key, field,
                          "must be a positive number of seconds from 0.001 to " +
                              std::to_string(kMaxStartupTimeoutS));
      }
      t.startup_timeout = Millis(static_cast<int64_t>(value.get<double>() * 1000));
    } else if (field == "ptu_tpm_per_replica") {
      ASSIGN_OR_RETURN(t.ptu_sizing, ParsePtu(key, value));
    } else if (field == "lora_pool_replicas") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 64) {
        return FieldError(key, field, "must be an integer from 1 to 64");
      }
      t.lora_pool_replicas = value.get<int>();
    } else if (field == "lora_path") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return FieldError(key, field, "must be a non-empty string");
      }
      t.lora_path = value.get<std::string>();
      RETURN_IF_ERROR(CheckTemplate(t.lora_path));
    } else if (field == "kubernetes") {
      continue;  // the Kubernetes runtime's form of the template (runtime/kubernetes)
    } else {
      return FieldError(key, field, "is not a known field");
    }
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

EngineTemplate EngineSimTemplate(const std::string& berth_binary, int startup_ms) {
  EngineTemplate t;
  t.match = "(built-in)";
  t.command = {
      berth_binary,          "engine-sim",          "--port",       "{port}",
      "--served-model-name", "{served_model_name}", "--startup-ms", std::to_string(startup_ms)};
  t.startup_timeout = Millis(60000);
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
