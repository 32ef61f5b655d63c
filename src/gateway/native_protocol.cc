#include "gateway/native_protocol.h"

#include <utility>

#include "gateway/openai_prompt.h"
#include "json/request_json.h"

namespace berth {
namespace {

using nlohmann::json;

Status TypeError(const std::string& field, const char* expected) {
  return InvalidArgument(field + " must be " + expected);
}

StatusOr<json> ParseObject(std::string_view body) {
  ASSIGN_OR_RETURN(json parsed, ParseRequestJson(body));
  if (!parsed.is_object()) return InvalidArgument("The request body must be a JSON object.");
  return parsed;
}

StatusOr<json> Messages(const json& input) {
  if (const json* messages = JsonField(input, "messages")) {
    if (!messages->is_array() || messages->empty()) {
      return TypeError("input.messages", "a non-empty array");
    }
    for (size_t i = 0; i < messages->size(); ++i) {
      const json& message = (*messages)[i];
      const std::string name = "input.messages[" + std::to_string(i) + "]";
      if (!message.is_object()) return TypeError(name, "an object");
      const json* role = JsonField(message, "role");
      if (!role || !role->is_string()) return TypeError(name + ".role", "a string");
      StatusOr<std::string> text = ChatMessageText(message);
      if (!text.ok()) return InvalidArgument(name + ": " + text.status().message());
    }
    return *messages;
  }
  if (const json* prompt = JsonField(input, "prompt")) {
    if (!prompt->is_string()) return TypeError("input.prompt", "a string");
    return json::array({{{"role", "user"}, {"content", *prompt}}});
  }
  return InvalidArgument("input.messages or input.prompt is required");
}

// Copies parameters.<name> to the engine body after checking its JSON type.
enum class Kind { kNumber, kInteger, kStop };

Status CopyParameter(const json& parameters, const char* name, Kind kind, json& body) {
  const json* value = JsonField(parameters, name);
  if (!value) return Status::Ok();
  const std::string field = std::string("parameters.") + name;
  switch (kind) {
    case Kind::kNumber:
      if (!value->is_number()) return TypeError(field, "a number");
      break;
    case Kind::kInteger:
      if (!value->is_number_integer()) return TypeError(field, "an integer");
      break;
    case Kind::kStop:
      if (!value->is_string() && !value->is_array()) {
        return TypeError(field, "a string or an array");
      }
      break;
  }
  body[name] = *value;
  return Status::Ok();
}

StatusOr<bool> OptionalBool(const json& parameters, const char* name) {
  const json* value = JsonField(parameters, name);
  if (!value) return false;
  if (!value->is_boolean()) return TypeError(std::string("parameters.") + name, "a boolean");
  return value->get<bool>();
}

Status ParseFormat(const json& parameters, NativeCall& call) {
  const json* format = JsonField(parameters, "result_format");
  if (!format) return Status::Ok();
  if (!format->is_string() || (*format != "text" && *format != "message")) {
    return TypeError("parameters.result_format", "\"text\" or \"message\"");
  }
  call.message_format = *format == "message";
  return Status::Ok();
}

Status ParseMaxTokens(const json& parameters, NativeCall& call) {
  const json* value = JsonField(parameters, "max_tokens");
  if (!value) return Status::Ok();
  if (!value->is_number_integer() || value->get<int64_t>() < 1) {
    return TypeError("parameters.max_tokens", "a positive integer");
  }
  call.max_tokens = value->get<int64_t>();
  call.openai_body["max_tokens"] = *call.max_tokens;
  return Status::Ok();
}

Status ParseParameters(const json& parameters, NativeCall& call) {
  if (!parameters.is_object()) return TypeError("parameters", "an object");
  RETURN_IF_ERROR(ParseFormat(parameters, call));
  RETURN_IF_ERROR(ParseMaxTokens(parameters, call));
  ASSIGN_OR_RETURN(call.incremental_output, OptionalBool(parameters, "incremental_output"));
  const std::pair<const char*, Kind> passed[] = {
      {"temperature", Kind::kNumber},
      {"top_p", Kind::kNumber},
      {"top_k", Kind::kInteger},
      {"seed", Kind::kInteger},
      {"stop", Kind::kStop},
      {"presence_penalty", Kind::kNumber},
      {"repetition_penalty", Kind::kNumber},
  };
  for (const auto& [name, kind] : passed) {
    RETURN_IF_ERROR(CopyParameter(parameters, name, kind, call.openai_body));
  }
  if (JsonField(parameters, "enable_thinking")) {
    ASSIGN_OR_RETURN(bool thinking, OptionalBool(parameters, "enable_thinking"));
    call.openai_body["chat_template_kwargs"] = {{"enable_thinking", thinking}};
  }
  if (const json* n = JsonField(parameters, "n")) {
    if (!n->is_number_integer() || n->get<int64_t>() != 1) {
      return InvalidArgument("parameters.n is not supported (only 1)");
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<NativeCall> ParseNativeCall(std::string_view body, bool sse_requested) {
  ASSIGN_OR_RETURN(json object, ParseObject(body));
  NativeCall call;
  const json* model = JsonField(object, "model");
  if (!model) return InvalidArgument("model is required");
  if (!model->is_string() || model->get_ref<const std::string&>().empty()) {
    return TypeError("model", "a non-empty string");
  }
  call.model = model->get<std::string>();
  const json* input = JsonField(object, "input");
  if (!input) return InvalidArgument("input.messages or input.prompt is required");
  if (!input->is_object()) return TypeError("input", "an object");
  call.openai_body = {{"model", call.model}};
  ASSIGN_OR_RETURN(call.openai_body["messages"], Messages(*input));
  if (const json* parameters = JsonField(object, "parameters")) {
    RETURN_IF_ERROR(ParseParameters(*parameters, call));
  }
  call.stream = sse_requested;
  if (call.stream) {
    call.openai_body["stream"] = true;
    call.openai_body["stream_options"] = {{"include_usage", true}};
  }
  return call;
}

std::string NativeErrorEvent(int n, int http_status, std::string_view code,
                             std::string_view message, std::string_view request_id) {
  const json data = {{"code", code}, {"message", message}, {"request_id", request_id}};
  // A message quoting client input may hold invalid UTF-8; replace rather than throw.
  const std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
  return "id:" + std::to_string(n) + "\nevent:error\n:HTTP_STATUS/" + std::to_string(http_status) +
         "\ndata:" + text + "\n\n";
}

}  // namespace berth
