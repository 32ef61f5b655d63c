// EngineSim's LoRA routes, as each engine has them: vLLM's POST /v1/load_lora_adapter and
// /v1/unload_lora_adapter (only with VLLM_ALLOW_RUNTIME_LORA_UPDATING, working only with
// --enable-lora and an adapter rank up to --max-lora-rank), SGLang's /load_lora_adapter and
// /unload_lora_adapter (no /v1; adapters requested as "<base>:<adapter>"), or none (llama.cpp).
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine_sim/openai_response.h"
#include "engine_sim/server.h"

namespace berth::engine_sim {
namespace {

// The rank of a PEFT adapter directory (adapter_config.json "r"); 8 when it cannot be read,
// since engine-sim needs no real adapter files.
int AdapterRank(const std::string& path) {
  std::ifstream in(path + "/adapter_config.json");
  if (!in) return 8;
  nlohmann::json config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object() || !config.contains("r") || !config["r"].is_number_integer()) return 8;
  return config["r"].get<int>();
}

HttpResponse SglangAnswer(int status, const std::string& error, const nlohmann::json& loaded) {
  nlohmann::json body = {{"success", error.empty()}, {"error_message", error}};
  if (error.empty()) body["loaded_adapters"] = loaded;
  return JsonResponse(status, body.dump());
}

}  // namespace

std::optional<HttpResponse> EngineSim::LoraRoute(const HttpRequest& request) {
  const std::string& path = request.path;
  const bool vllm_path = path == "/v1/load_lora_adapter" || path == "/v1/unload_lora_adapter";
  const bool sglang_path = path == "/load_lora_adapter" || path == "/unload_lora_adapter";
  if (!vllm_path && !sglang_path) return std::nullopt;
  const LoraApi api = options_.behaviour.lora_api;
  const bool offered =
      vllm_path ? api == LoraApi::kVllm && options_.lora_routes : api == LoraApi::kSglang;
  if (!offered) return Error(NotFound("Not Found"));
  if (request.method != "POST") {
    return ErrorResponse(Status(StatusCode::kMethodNotAllowed, "Method Not Allowed"));
  }
  if (!Ready()) return Error(Unavailable(LoadingMessage()));
  bool load = path.ends_with("/load_lora_adapter");
  if (!options_.behaviour.enable_lora) {
    std::string message = "LoRA is not enabled. Please start the server with --enable-lora.";
    return api == LoraApi::kSglang ? SglangAnswer(400, message, {})
                                   : Error(InvalidArgument(message));
  }
  return load ? LoadLora(request) : UnloadLora(request);
}

HttpResponse EngineSim::LoadLora(const HttpRequest& request) {
  const bool sglang = options_.behaviour.lora_api == LoraApi::kSglang;
  StatusOr<LoraAdapter> adapter = ParseLoadLoraRequest(request.body);
  if (!adapter.ok()) {
    return sglang ? SglangAnswer(400, adapter.status().message(), {}) : Error(adapter.status());
  }
  const std::string name = adapter->name;
  int rank = AdapterRank(adapter->path);
  Status loaded =
      rank > options_.behaviour.max_lora_rank
          ? InvalidArgument(fmt::format("LoRA rank {} is greater than max_lora_rank {}.", rank,
                                        options_.behaviour.max_lora_rank))
          : models_.LoadAdapter(std::move(adapter->name), std::move(adapter->path),
                                options_.unix_seconds());
  if (sglang) {
    nlohmann::json all = nlohmann::json::object();
    for (const ModelCard& card : models_.List()) {
      if (card.parent) all[card.id] = card.root;
    }
    return loaded.ok() ? SglangAnswer(200, "", all) : SglangAnswer(400, loaded.message(), {});
  }
  if (!loaded.ok()) return Error(loaded);
  HttpResponse response =
      JsonResponse(200, "Success: LoRA adapter '" + name + "' added successfully.");
  response.content_type = "text/plain; charset=utf-8";
  return response;
}

HttpResponse EngineSim::UnloadLora(const HttpRequest& request) {
  const bool sglang = options_.behaviour.lora_api == LoraApi::kSglang;
  StatusOr<std::string> name = ParseUnloadLoraRequest(request.body);
  Status unloaded = name.ok() ? models_.UnloadAdapter(*name) : name.status();
  if (sglang) {
    return unloaded.ok() ? SglangAnswer(200, "", nlohmann::json::object())
                         : SglangAnswer(400, unloaded.message(), {});
  }
  if (!unloaded.ok()) return Error(unloaded);
  HttpResponse response =
      JsonResponse(200, "Success: LoRA adapter '" + *name + "' removed successfully.");
  response.content_type = "text/plain; charset=utf-8";
  return response;
}

bool EngineSim::ServesModel(const std::string& model) const {
  const std::string adapter = AdapterNamed(model);
  if (options_.behaviour.lora_api == LoraApi::kSglang && adapter == model &&
      model != models_.served_model_name()) {
    return false;  // SGLang would silently answer with the base model: refuse it loudly
  }
  return models_.Serves(adapter);
}

std::string EngineSim::AdapterNamed(const std::string& model) const {
  if (options_.behaviour.lora_api != LoraApi::kSglang) return model;
  const std::string& base = models_.served_model_name();
  if (model.size() > base.size() + 1 && model.starts_with(base) && model[base.size()] == ':') {
    return model.substr(base.size() + 1);
  }
  return model;
}

}  // namespace berth::engine_sim
