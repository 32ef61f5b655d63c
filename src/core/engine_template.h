// Engine templates: the command line and environment that start one model-engine replica,
// with placeholders filled in per replica. Pure functions and plain values; safe anywhere.
//
// Placeholders are `{name}` with name one of: port, served_model_name, model_name, model_path,
// gpus, units, replica_id. `{{` and `}}` stand for literal braces; any other brace is kept as
// is, so JSON arguments such as '{"temperature": 0}' need no escaping. An unknown `{word}` is
// an error (most likely a typo that would otherwise reach the engine).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace berth {

struct TemplateValues {
  int port = 0;
  std::string served_model_name;  // the name clients (and the gateway) send as `model`
  std::string model_name;         // the catalog model
  std::string model_path;         // from the engines config; may itself use placeholders
  std::string gpus;               // device indices of the replica's units, "0,1"; may be empty
  int units = 0;                  // units the replica occupies
  std::string replica_id;
};

// Every placeholder name, in documentation order.
const std::vector<std::string_view>& TemplatePlaceholders();

// Fills the placeholders of `text`. InvalidArgument naming an unknown placeholder.
StatusOr<std::string> ExpandTemplate(std::string_view text, const TemplateValues& values);

// Checks `text` without values: OK when every placeholder is known.
Status CheckTemplate(std::string_view text);

struct ExpandedCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
};

// Expands every argument and environment value; `values.model_path` is expanded first (so a
// family entry can say "/models/{model_name}"). InvalidArgument on an empty argv or an unknown
// placeholder, naming where it is.
StatusOr<ExpandedCommand> ExpandCommand(const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& env,
                                        TemplateValues values);

// Which engine a template runs: decides the health defaults below, how LoRA adapters are loaded
// and whether they can be (docs/runtime.md, "Engine kinds").
enum class EngineKind { kOpenAI, kVllm, kSglang, kLlamaCpp };

std::string_view EngineKindName(EngineKind kind);  // "openai", "vllm", "sglang", "llamacpp"
std::optional<EngineKind> ParseEngineKind(std::string_view name);

// How berth watches an engine. Readiness: `unready_after` failed probes in a row take a ready
// replica out of routing (it comes back with the next passing probe). Liveness: a replica whose
// probes have all failed for `restart_after` since its last pass is restarted. A zero field
// means "the runtime's default" (ProcessRuntimeOptions).
struct HealthSettings {
  std::string path = "/health";
  Millis interval{0};
  Millis timeout{0};  // one probe
  int unready_after = 0;
  Millis restart_after{0};
  // Stopping: the engine's main process gets SIGTERM and this long to finish its requests
  // (vLLM's --shutdown-timeout, SGLang's drain) before its whole process group gets SIGTERM.
  Millis stop_grace{0};
};

// The defaults that suit each engine: SGLang's /health runs a one-token generation (seconds),
// a saturated vLLM answers late, llama.cpp answers at once. kOpenAI keeps the runtime's.
HealthSettings DefaultHealth(EngineKind kind);

}  // namespace berth
