// Fuzz target: the engines config (`berth serve --engines FILE`), parsed by ParseEnginesConfig.
// Properties: no crash, leak or UB; a config is accepted or refused with an InvalidArgument; and
// what it accepts can be used: every entry's startup timeout is positive and its command,
// environment, lora pool args and env and lora path expand for a replica (CheckTemplate at load
// time promises that), its health budgets are not negative, and its ptu sizing sizes the largest
// deployment.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/engine_template.h"
#include "core/validation.h"
#include "fuzz_check.h"
#include "runtime/process/engines_config.h"

namespace {

using namespace berth;

void CheckUsable(const EngineTemplate& engine) {
  FUZZ_CHECK(!engine.command.empty());
  FUZZ_CHECK(engine.startup_timeout > Millis(0));
  FUZZ_CHECK(engine.health.path.starts_with("/"));
  FUZZ_CHECK(engine.health.timeout >= Millis(0) && engine.health.interval >= Millis(0));
  FUZZ_CHECK(engine.health.restart_after >= Millis(0) && engine.health.stop_grace >= Millis(0));
  FUZZ_CHECK(engine.health.unready_after >= 0);
  FUZZ_CHECK(engine.lora_pool.replicas >= 1);
  TemplateValues values;
  values.port = 8000;
  values.served_model_name = "qwen3-8b-abc";
  values.model_name = "qwen3-8b";
  values.model_path = engine.model_path;
  values.gpus = "0,1";
  values.units = 2;
  values.replica_id = "r-1";
  FUZZ_CHECK(ExpandCommand(engine.command, engine.env, values).ok());
  EngineTemplate pool = PoolTemplate(engine);
  FUZZ_CHECK(ExpandCommand(pool.command, pool.env, values).ok());
  FUZZ_CHECK(ExpandTemplate(engine.lora_pool.lora_path, values).ok());
  if (engine.ptu_sizing) {
    const PtuCapacity most{kMaxPtuTpm, kMaxPtuTpm, kMaxPtuTpm};
    // Any accepted sizing gives a replica count for the largest purchase, or a clear 400 when
    // that would be more replicas than a deployment may have.
    StatusOr<int> replicas = PtuReplicas(most, *engine.ptu_sizing);
    FUZZ_CHECK(replicas.ok() ? *replicas >= 1 && *replicas < kMaxCapacityExclusive
                             : replicas.status().code() == StatusCode::kInvalidArgument);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  StatusOr<EnginesConfig> config = ParseEnginesConfig(text, EngineSimTemplate("/bin/berth", 10));
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  for (const auto& [key, engine] : config->entries()) {
    CheckUsable(engine);
    if (!key.ends_with("*")) FUZZ_CHECK(&config->Resolve(key, "") == &engine);
  }
  CheckUsable(config->Resolve("some-model", "some-base"));
  return 0;
}
