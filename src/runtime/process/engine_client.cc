#include "runtime/process/engine_client.h"

#include <nlohmann/json.hpp>

#include "http/http_client.h"

namespace berth {
namespace {

StatusOr<HttpClientResponse> PostJson(const EngineAddress& engine, const std::string& target,
                                      const nlohmann::json& body, Millis timeout) {
  HttpClientRequest request;
  request.host = engine.host;
  request.port = engine.port;
  request.method = "POST";
  request.target = target;
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = body.dump();
  request.timeout = timeout;
  return HttpRequestBlocking(request);
}

// The engine's LoRA routes: SGLang's have no /v1. llama.cpp has none (--lora at start only).
StatusOr<std::string> LoraRoute(EngineKind kind, bool load) {
  if (kind == EngineKind::kLlamaCpp) {
    return FailedPrecondition("llama.cpp cannot load LoRA adapters at runtime");
  }
  std::string route = load ? "/load_lora_adapter" : "/unload_lora_adapter";
  return kind == EngineKind::kSglang ? route : "/v1" + route;
}

// SGLang answers 200 with {"success": false, "error_message"} for some refusals.
bool Succeeded(const HttpClientResponse& response) {
  if (response.status / 100 != 2) return false;
  nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  return !doc.is_object() || !doc.contains("success") || doc["success"] != false;
}

std::string Answer(const HttpClientResponse& response) {
  std::string body = response.body.substr(0, 300);
  return "HTTP " + std::to_string(response.status) + (body.empty() ? "" : ": " + body);
}

class HttpEngineClient : public EngineClient {
 public:
  bool Healthy(int port, const std::string& path, Millis timeout) override {
    StatusOr<HttpClientResponse> response = HttpGet("127.0.0.1", port, path, timeout);
    return response.ok() && response->status == 200;
  }

  Status EnsureAdapter(EngineAddress engine, const std::string& name, const std::string& path,
                       Millis timeout) override {
    ASSIGN_OR_RETURN(std::string route, LoraRoute(engine.kind, /*load=*/true));
    ASSIGN_OR_RETURN(HttpClientResponse loaded,
                     PostJson(engine, route, {{"lora_name", name}, {"lora_path", path}}, timeout));
    if (Succeeded(loaded)) return Status::Ok();
    // Engines refuse a second load of the same adapter (vLLM answers 400): ask what it serves.
    ASSIGN_OR_RETURN(bool serving, Serves(engine, name, timeout));
    if (serving) return Status::Ok();
    return FailedPrecondition("loading adapter " + name + " failed: " + Answer(loaded));
  }

  Status RemoveAdapter(EngineAddress engine, const std::string& name, Millis timeout) override {
    ASSIGN_OR_RETURN(std::string route, LoraRoute(engine.kind, /*load=*/false));
    ASSIGN_OR_RETURN(HttpClientResponse unloaded,
                     PostJson(engine, route, {{"lora_name", name}}, timeout));
    if (Succeeded(unloaded)) return Status::Ok();
    ASSIGN_OR_RETURN(bool serving, Serves(engine, name, timeout));
    if (!serving) return Status::Ok();
    return FailedPrecondition("unloading adapter " + name + " failed: " + Answer(unloaded));
  }

 private:
  // Whether GET /v1/models lists `name`.
  static StatusOr<bool> Serves(const EngineAddress& engine, const std::string& name,
                               Millis timeout) {
    ASSIGN_OR_RETURN(HttpClientResponse models,
                     HttpGet(engine.host, engine.port, "/v1/models", timeout));
    if (models.status != 200) return FailedPrecondition("GET /v1/models: " + Answer(models));
    nlohmann::json doc = nlohmann::json::parse(models.body, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("data") || !doc["data"].is_array()) {
      return FailedPrecondition("GET /v1/models: not an OpenAI model list");
    }
    for (const nlohmann::json& card : doc["data"]) {
      if (card.is_object() && card.value("id", "") == name) return true;
    }
    return false;
  }
};

}  // namespace

std::unique_ptr<EngineClient> MakeHttpEngineClient() {
  return std::make_unique<HttpEngineClient>();
}

}  // namespace berth
