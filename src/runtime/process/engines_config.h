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
#include "core/engine_template.h"
#include "core/validation.h"

namespace berth {

// The `lora_pool` section of an entry: how the shared pool serving a base model's lora
// deployments is started, on top of the entry's own command and env.
struct LoraPoolSettings {
  int replicas = 1;                        // replicas of the base model's shared lora pool
  std::string lora_path;                   // where an adapter is; empty: not configured
  std::vector<std::string> args;           // appended to `command` for pool replicas only
  std::map<std::string, std::string> env;  // added to `env` for pool replicas only
};

struct EngineTemplate {
  std::string match;                       // the config key that chose it, "(built-in)" if none
  EngineKind kind = EngineKind::kOpenAI;   // decides health defaults and the LoRA API
  std::vector<std::string> command;        // argv with placeholders (core/engine_template.h)
  std::map<std::string, std::string> env;  // added to berth's environment, with placeholders
  std::string model_path;                  // value of {model_path}; may use placeholders
  HealthSettings health;                   // path answering 200 when it serves; probe budgets
  Millis startup_timeout{600000};          // time one start may take to become healthy
  std::optional<PtuSizing> ptu_sizing;     // per-replica throughput for ptu deployments
  LoraPoolSettings lora_pool;
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

// What a replica of `base`'s lora pool runs: the entry's command and env plus the lora_pool
// section's args and env (so the base model's own deployments start without LoRA flags).
EngineTemplate PoolTemplate(const EngineTemplate& base);

// OK when `engine` can serve lora deployments of `base_model`; FailedPrecondition with a
// message for the user otherwise (a llama.cpp engine; an entry without lora_path).
Status CheckLoraEngine(const EngineTemplate& engine, const std::string& base_model);

// The built-in template: this berth binary's `engine-sim`, healthy after `startup_ms`.
EngineTemplate EngineSimTemplate(const std::string& berth_binary, int startup_ms);

// Parses the JSON text of an engines config. InvalidArgument naming the entry and field.
StatusOr<EnginesConfig> ParseEnginesConfig(std::string_view json, EngineTemplate builtin);
// Reads and parses `path`; InvalidArgument when it cannot be read.
StatusOr<EnginesConfig> LoadEnginesConfig(const std::string& path, EngineTemplate builtin);

}  // namespace berth
