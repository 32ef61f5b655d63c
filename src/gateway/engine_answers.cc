#include "gateway/engine_answers.h"

#include <nlohmann/json.hpp>

namespace berth {
namespace {

using nlohmann::json;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The object holding an engine error's message and code: {"error": {...}} or the body itself
// when it is an error object ({"object": "error", ...}); nullptr for anything else.
const json* ErrorHolder(const json& doc) {
  if (!doc.is_object()) return nullptr;
  auto error = doc.find("error");
  if (error != doc.end() && error->is_object()) return &*error;
  if (error != doc.end() && error->is_string()) return &doc;
  auto message = doc.find("message");
  if (message != doc.end() && message->is_string()) return &doc;
  return nullptr;
}

std::string MessageOf(const json& holder) {
  for (const char* name : {"message", "error"}) {
    auto it = holder.find(name);
    if (it != holder.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

int CodeOf(const json& holder, int fallback) {
  auto code = holder.find("code");
  if (code == holder.end() || !code->is_number_integer()) return fallback;
  int value = code->get<int>();
  return value >= 400 && value <= 599 ? value : fallback;
}

GatewayError ForStatus(int status, std::string message) {
  switch (status) {
    case 400:
      return {400, "InvalidParameter", "invalid_parameter_error", "invalid_request_error",
              std::move(message)};
    case 404:
      return {404, "ModelNotFound", "model_not_found", "invalid_request_error", std::move(message)};
    case 429:
      return {429, "Throttling", "Throttling", "requests", std::move(message)};
    case 503:
      return {503, "ServiceUnavailable", "service_unavailable", "server_error", std::move(message)};
    default:
      break;
  }
  if (status >= 400 && status < 500) {
    return {status, "InvalidParameter", "invalid_request_error", "invalid_request_error",
            std::move(message)};
  }
  return {status >= 500 && status <= 599 ? status : 502, "InternalError", "internal_error",
          "server_error", std::move(message)};
}

// Renames `reasoning` to `reasoning_content` in one delta or message; true when it did.
bool Rename(json& holder) {
  if (!holder.is_object()) return false;
  auto reasoning = holder.find("reasoning");
  if (reasoning == holder.end()) return false;
  auto content = holder.find("reasoning_content");
  if ((content == holder.end() || content->is_null()) && !reasoning->is_null()) {
    holder["reasoning_content"] = std::move(*reasoning);
  }
  holder.erase("reasoning");
  return true;
}

}  // namespace

GatewayError EngineFailure(int status, std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const json* holder = ErrorHolder(doc);
  std::string message = holder ? MessageOf(*holder) : "";
  if (message.empty()) {
    std::string text(body.substr(0, 500));
    message = text.empty()
                  ? "the engine answered HTTP " + std::to_string(status) + " with an empty body"
                  : "the engine answered HTTP " + std::to_string(status) + ": " + text;
  }
  return ForStatus(status, std::move(message));
}

std::optional<GatewayError> EngineStreamError(std::string_view data) {
  if (data.find("\"error\"") == std::string_view::npos) return std::nullopt;
  json doc = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.contains("choices")) return std::nullopt;
  bool error_object = doc.value("object", "") == "error";
  if (!doc.contains("error") && !error_object) return std::nullopt;
  const json* holder = ErrorHolder(doc);
  if (holder == nullptr) return ForStatus(500, "the engine's stream failed");
  std::string message = MessageOf(*holder);
  if (message.empty()) message = "the engine's stream failed: " + Dump(doc).substr(0, 300);
  return ForStatus(CodeOf(*holder, 500), std::move(message));
}

std::optional<std::string> DashScopeReasoning(std::string_view json_text) {
  if (json_text.find("\"reasoning\"") == std::string_view::npos) return std::nullopt;
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("choices") || !doc["choices"].is_array()) {
    return std::nullopt;
  }
  bool renamed = false;
  for (json& choice : doc["choices"]) {
    if (!choice.is_object()) continue;
    for (const char* part : {"delta", "message"}) {
      if (choice.contains(part)) renamed = Rename(choice[part]) || renamed;
    }
  }
  if (!renamed) return std::nullopt;
  return Dump(doc);
}

std::optional<std::string> WithoutUsage(std::string_view data) {
  json doc = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array() || choices->empty()) return std::nullopt;
  doc["usage"] = nullptr;
  return Dump(doc);
}

std::string WithModel(const std::string& body, const std::string& model) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return body;
  doc["model"] = model;
  return Dump(doc);
}

bool EngineThinkingForm(json& body) {
  if (!body.is_object()) return false;
  auto thinking = body.find("enable_thinking");
  if (thinking == body.end() || !thinking->is_boolean()) return false;
  bool value = thinking->get<bool>();
  body.erase(thinking);
  json& kwargs = body["chat_template_kwargs"];
  if (kwargs.is_null()) kwargs = json::object();
  if (kwargs.is_object() && !kwargs.contains("enable_thinking")) {
    kwargs["enable_thinking"] = value;
  }
  return true;
}

}  // namespace berth
