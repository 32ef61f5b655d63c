// EngineSim: the HTTP routes of the engine simulator, an OpenAI-compatible server in the manner of
// vLLM's (chat and text completions, streamed or not; /v1/models; /health; LoRA adapter
// loading; /metrics). Generations are paced by a Scheduler the caller owns. Handle() may be
// called from any thread, concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "engine_sim/behaviour.h"
#include "engine_sim/model_table.h"
#include "engine_sim/openai_request.h"
#include "engine_sim/openai_response.h"
#include "engine_sim/scheduler.h"
#include "http/http_types.h"

namespace berth::engine_sim {

struct EngineSimOptions {
  std::string served_model_name = "berth-sim";
  std::string model_path;  // "root" in /v1/models; defaults to served_model_name
  int max_model_len = 32768;
  uint64_t seed = 0;
  std::chrono::milliseconds startup{0};  // /health answers 503 until this has passed
  Behaviour behaviour;                   // how it departs from plain vLLM (behaviour.h)
  bool lora_routes = true;  // false: a gated vLLM without VLLM_ALLOW_RUNTIME_LORA_UPDATING
  // Monotonic time (tests inject their own); wall-clock seconds for "created".
  std::function<SteadyTime()> now = [] { return std::chrono::steady_clock::now(); };
  std::function<int64_t()> unix_seconds;
};

class EngineSim {
 public:
  // `scheduler` must outlive this object and every response stream it starts.
  EngineSim(EngineSimOptions options, Scheduler& scheduler);

  void Handle(HttpRequest request, HttpResponder respond);

  // A validated generation: what to produce and how to label it.
  struct Plan {
    bool chat = true;
    std::string model;  // as echoed back: the requested name or the served one
    uint64_t seed = 0;
    int length = 0;
    bool stopped_naturally = true;  // finish_reason "stop" rather than "length"
    int prompt_tokens = 0;
    bool include_usage = false;
    bool continuous_usage = false;  // usage on every chunk
    int reasoning_tokens = 0;       // of `length`, the first ones, in the reasoning field
  };

 private:
  struct Counters {
    std::atomic<int64_t> requests_ok{0};
    std::atomic<int64_t> prompt_tokens{0};
    std::atomic<int64_t> generation_tokens{0};
  };

  bool Ready() const;
  void Health(HttpResponder respond) const;
  HttpResponse Metrics() const;
  HttpResponse Error(const Status& status) const;  // in the engine's error shape
  std::string LoadingMessage() const;
  std::string_view ReasoningFieldName() const;  // "" when reasoning is off
  static CompletionHeader HeaderFor(bool chat, const std::string& model, int64_t created);
  static std::string FinishReason(bool stopped_naturally);
  // server_lora.cc: the LoRA routes of the engine's API; nullopt when `path` is not one.
  std::optional<HttpResponse> LoraRoute(const HttpRequest& request);
  HttpResponse LoadLora(const HttpRequest& request);
  HttpResponse UnloadLora(const HttpRequest& request);
  // SGLang names an adapter "<base>:<adapter>"; the others by its name.
  std::string AdapterNamed(const std::string& model) const;
  // Whether `model` names the served model or a loaded adapter the way this engine's clients
  // must (SGLang: only as "<base>:<adapter>").
  bool ServesModel(const std::string& model) const;
  void Generate(const HttpRequest& request, bool chat, HttpResponder respond);
  StatusOr<Plan> PlanGeneration(const GenerationRequest& request, bool chat) const;
  void RunUnary(Plan plan, HttpResponder respond);
  // server_stream.cc
  HttpResponse StreamResponse(Plan plan);

  const EngineSimOptions options_;
  Scheduler& scheduler_;
  const SteadyTime started_;
  ModelTable models_;
  // Shared with the scheduler's callbacks, which may outlive this object.
  const std::shared_ptr<Counters> counters_;
};

}  // namespace berth::engine_sim
