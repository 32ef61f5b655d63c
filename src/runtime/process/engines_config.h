// The engines config (`--engines FILE`): which command line starts a replica of which model.
// Parsed once at startup into immutable values, then shared read-only between threads.
// The format is documented in docs/runtime.md ("Engines config").
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/validation.h"

namespace berth {

struct EngineTemplate {
  std::string match;                       // the config key that chose it, "(built-in)" if none
  std::vector<std::string> command;        // argv with placeholders (core/engine_template.h)
  std::map<std::string, std::string> env;  // added to berth's environment, with placeholders
  std::string model_path;                  // value of {model_path}; may use placeholders
  std::string health_path = "/health";     // GET answering 200 when the engine serves
  Millis startup_timeout{600000};          // time one start may take to become healthy
  std::optional<PtuSizing> ptu_sizing;     // per-replica throughput for ptu deployments
  int lora_pool_replicas = 1;              // replicas of the base model's shared lora pool
  std::string lora_path = "{model_name}";  // where an adapter is, for the engine's load call
};

class EnginesConfig {
 public:
  // `builtin` is used for models no entry matches.
  explicit EnginesConfig(EngineTemplate builtin,
                         std::map<std::string, EngineTemplate> entries = {});

  // The template for a model: the entry named exactly `model_name`, else exactly `base_model`,
  // else the longest "prefix*" entry matching model_name, then base_model, else "*", else
  // the built-in one.
  const EngineTemplate& Resolve(const std::string& model_name, const std::string& base_model) const;
  const std::map<std::string, EngineTemplate>& entries() const { return entries_; }

 private:
  const EngineTemplate* Exact(const std::string& name) const;
  const EngineTemplate* LongestPrefix(const std::string& name) const;

  EngineTemplate builtin_;
  std::map<std::string, EngineTemplate> entries_;  // by key: "name", "prefix*" or "*"
};

// The built-in template: this berth binary's `engine-sim`, healthy after `startup_ms`.
EngineTemplate EngineSimTemplate(const std::string& berth_binary, int startup_ms);

// Parses the JSON text of an engines config. InvalidArgument naming the entry and field.
StatusOr<EnginesConfig> ParseEnginesConfig(std::string_view json, EngineTemplate builtin);
// Reads and parses `path`; InvalidArgument when it cannot be read.
StatusOr<EnginesConfig> LoadEnginesConfig(const std::string& path, EngineTemplate builtin);

}  // namespace berth
