// EngineClient: what the process runtime asks of a replica's engine over loopback HTTP: whether
// it serves (GET <health path> answers 200), and loading or unloading a LoRA adapter with the
// engine's own API: vLLM's POST /v1/load_lora_adapter and /v1/unload_lora_adapter (also the
// generic OpenAI kind's), SGLang's /load_lora_adapter and /unload_lora_adapter; llama.cpp has
// none. The Kubernetes runtime loads adapters into its pool pods with it too. Called from the
// runtimes' supervisor, probe and adapter threads, never from a caller of the RuntimeAdapter;
// implementations must be thread-safe and return within about `timeout`.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "core/engine_template.h"

namespace berth {

// Where an engine listens and which API it speaks.
struct EngineAddress {
  int port = 0;
  EngineKind kind = EngineKind::kOpenAI;
  std::string host = "127.0.0.1";  // a pod IP on the Kubernetes runtime
};

class EngineClient {
 public:
  virtual ~EngineClient() = default;
  // True when GET http://127.0.0.1:<port><path> answers 200 within `timeout`.
  virtual bool Healthy(int port, const std::string& path, Millis timeout) = 0;
  // Makes the engine serve adapter `name` from `path`: OK when it loaded it or already serves
  // it; otherwise the engine's answer (Unavailable when it cannot be reached; FailedPrecondition
  // for an engine that cannot load adapters at runtime).
  virtual Status EnsureAdapter(EngineAddress engine, const std::string& name,
                               const std::string& path, Millis timeout) = 0;
  // Makes the engine stop serving adapter `name`: OK when it unloaded it or never had it.
  virtual Status RemoveAdapter(EngineAddress engine, const std::string& name, Millis timeout) = 0;
};

// Talks to engines with berth's blocking HTTP client (http/http_client.h).
std::unique_ptr<EngineClient> MakeHttpEngineClient();

}  // namespace berth
