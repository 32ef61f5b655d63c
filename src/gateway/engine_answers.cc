#include "gateway/engine_answers.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "gateway/json_skim.h"
#include "gateway/text_find.h"
#include "gateway/usage_scan.h"

namespace berth {
namespace {

using nlohmann::json;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// What SplitUsageChunk changes in a chunk's text: [from, to) becomes `insert`.
struct WithoutUsageSplice {
  bool has_choices = false;  // a non-empty "choices" array
  size_t from = 0;
  size_t to = 0;
  std::string_view insert;
  std::optional<JsonSpan> usage;              // the top-level "usage" value
  size_t usage_key = std::string_view::npos;  // where its key's opening quote is
};

// The splice for a chunk the skimmer reads plainly: the usage value becomes null, or
// "usage":null is added at the end of the object. nullopt for anything the full parser must
// decide: invalid or unusual JSON, an escaped key, "choices" or "usage" more than once.
std::optional<WithoutUsageSplice> SkimWithoutUsage(std::string_view data) {
  std::optional<JsonSpan> doc = SkimJson(data);
  if (!doc || doc->kind != JsonKind::kObject) return std::nullopt;
  WithoutUsageSplice splice;
  std::optional<JsonSpan> usage;
  bool seen_choices = false;
  JsonCursor members(*doc);
  std::string_view key;
  bool escaped = false;
  JsonSpan value;
  while (members.NextMember(key, escaped, value)) {
    if (escaped) return std::nullopt;
    if (key == "choices") {
      if (std::exchange(seen_choices, true)) return std::nullopt;
      JsonSpan first;
      splice.has_choices = value.kind == JsonKind::kArray && JsonCursor(value).NextElement(first);
    } else if (key == "usage") {
      if (usage) return std::nullopt;
      usage = value;
      splice.usage_key = static_cast<size_t>(key.data() - data.data()) - 1;
    }
  }
  splice.usage = usage;
  if (usage) {
    splice.from = static_cast<size_t>(usage->text.data() - data.data());
    splice.to = splice.from + usage->text.size();
    splice.insert = "null";
  } else {
    // Before the object's closing brace; an empty object has no choices, so no comma question.
    splice.from = splice.to =
        static_cast<size_t>(doc->text.data() - data.data()) + doc->text.size() - 1;
    splice.insert = R"(,"usage":null)";
  }
  return splice;
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
  if (FindText(data, "\"error\"") == std::string_view::npos) return std::nullopt;
  json doc = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.contains("choices")) return std::nullopt;
  auto object = doc.find("object");  // not value(): it throws when "object" is not a string
  bool error_object = object != doc.end() && object->is_string() && *object == "error";
  if (!doc.contains("error") && !error_object) return std::nullopt;
  const json* holder = ErrorHolder(doc);
  if (holder == nullptr) return ForStatus(500, "the engine's stream failed");
  std::string message = MessageOf(*holder);
  if (message.empty()) message = "the engine's stream failed: " + Dump(doc).substr(0, 300);
  return ForStatus(CodeOf(*holder, 500), std::move(message));
}

std::optional<std::string> DashScopeReasoning(std::string_view json_text) {
  if (FindText(json_text, "\"reasoning\"") == std::string_view::npos) return std::nullopt;
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

namespace {

std::optional<std::string> Spliced(std::string_view data, const WithoutUsageSplice& splice) {
  if (!splice.has_choices) return std::nullopt;
  std::string out;
  out.reserve(data.size() + splice.insert.size());
  out.append(data.substr(0, splice.from)).append(splice.insert).append(data.substr(splice.to));
  return out;
}

// The client's chunk for what the skimmer leaves to the full parser (an escaped or repeated key,
// an exponent).
std::optional<std::string> ParsedWithoutUsage(std::string_view data) {
  json doc = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array() || choices->empty()) return std::nullopt;
  doc["usage"] = nullptr;
  return Dump(doc);
}

}  // namespace

UsageChunk SplitUsageChunk(std::string_view data) {
  // Skimmed, not parsed (one chunk per stream; the tree was a tenth of a stream's CPU in the
  // gateway), and spliced, so the client gets the engine's text with only the usage changed.
  std::optional<WithoutUsageSplice> splice = SkimWithoutUsage(data);
  if (!splice) return {ScanUsage(data), ParsedWithoutUsage(data)};
  UsageChunk chunk{std::nullopt, Spliced(data, *splice)};
  // ScanUsage reads the object after the text's last "usage" key. When that key is this
  // top-level member's, its value is already skimmed; otherwise ScanUsage looks itself.
  if (splice->usage && RFindText(data, "\"usage\"") == splice->usage_key) {
    if (splice->usage->kind == JsonKind::kObject) chunk.usage = UsageOfObject(splice->usage->text);
  } else {
    chunk.usage = ScanUsage(data);
  }
  return chunk;
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
