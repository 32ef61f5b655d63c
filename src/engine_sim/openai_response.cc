#include "engine_sim/openai_response.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace berth::engine_sim {
namespace {

using nlohmann::ordered_json;

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

ordered_json UsageJson(Usage usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

struct ErrorKind {
  int status;
  const char* type;
};

ErrorKind KindOf(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return {400, "BadRequestError"};
    case StatusCode::kUnauthenticated:
      return {401, "AuthenticationError"};
    case StatusCode::kPermissionDenied:
      return {403, "PermissionDeniedError"};
    case StatusCode::kNotFound:
      return {404, "NotFoundError"};
    case StatusCode::kMethodNotAllowed:
      return {405, "MethodNotAllowedError"};
    case StatusCode::kDeadlineExceeded:
      return {408, "RequestTimeoutError"};
    case StatusCode::kPayloadTooLarge:
      return {413, "PayloadTooLargeError"};
    case StatusCode::kResourceExhausted:
      return {429, "RateLimitError"};
    case StatusCode::kUnavailable:
      return {503, "ServiceUnavailableError"};
    default:
      return {500, "InternalServerError"};
  }
}

// Replaces invalid UTF-8 instead of throwing (text normally comes from parsed, valid JSON).
std::string Dump(const ordered_json& value) {
  return value.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace

std::string CompletionBody(const CompletionHeader& header, std::string_view text,
                           std::string_view finish_reason, Usage usage) {
  ordered_json choice = {{"index", 0}};
  if (header.chat) {
    choice["message"] = {{"role", "assistant"}, {"content", text}};
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = finish_reason;
  } else {
    choice["text"] = text;
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = finish_reason;
    choice["stop_reason"] = nullptr;
  }
  ordered_json body = {{"id", header.id},
                       {"object", header.chat ? "chat.completion" : "text_completion"},
                       {"created", header.created},
                       {"model", header.model},
                       {"choices", ordered_json::array({std::move(choice)})},
                       {"usage", UsageJson(usage)},
                       {"system_fingerprint", nullptr}};
  return Dump(body);
}

ChunkFormatter::ChunkFormatter(const CompletionHeader& header) : chat_(header.chat) {
  head_ = "data: {\"id\":";
  AppendJsonString(head_, header.id);
  head_ += header.chat ? R"(,"object":"chat.completion.chunk","created":)"
                       : R"(,"object":"text_completion","created":)";
  head_ += std::to_string(header.created);
  head_ += ",\"model\":";
  AppendJsonString(head_, header.model);
  head_ += ',';
}

std::string ChunkFormatter::RoleChunk() const {
  return head_ +
         R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,)"
         R"("finish_reason":null}],"usage":null})"
         "\n\n";
}

std::string ChunkFormatter::TokenChunk(std::string_view piece) const {
  std::string out = head_;
  out +=
      chat_ ? R"("choices":[{"index":0,"delta":{"content":)" : R"("choices":[{"index":0,"text":)";
  AppendJsonString(out, piece);
  out += chat_ ? R"(},"logprobs":null,"finish_reason":null}],"usage":null})"
               : R"(,"logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null})";
  out += "\n\n";
  return out;
}

std::string ChunkFormatter::FinishChunk(std::string_view finish_reason) const {
  std::string out = head_;
  out += chat_ ? R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":)"
               : R"("choices":[{"index":0,"text":"","logprobs":null,"finish_reason":)";
  AppendJsonString(out, finish_reason);
  out += chat_ ? R"(}],"usage":null})" : R"(,"stop_reason":null}],"usage":null})";
  out += "\n\n";
  return out;
}

std::string ChunkFormatter::UsageChunk(Usage usage) const {
  return head_ + R"("choices":[],"usage":)" + Dump(UsageJson(usage)) + "}\n\n";
}

std::string ModelListBody(const std::vector<ModelCard>& cards) {
  ordered_json data = ordered_json::array();
  for (const ModelCard& card : cards) {
    ordered_json entry = {{"id", card.id},       {"object", "model"}, {"created", card.created},
                          {"owned_by", "berth"}, {"root", card.root}, {"parent", nullptr}};
    if (card.parent) entry["parent"] = *card.parent;
    entry["max_model_len"] = card.max_model_len ? ordered_json(*card.max_model_len) : nullptr;
    data.push_back(std::move(entry));
  }
  return Dump(ordered_json{{"object", "list"}, {"data", std::move(data)}});
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorResponse(const Status& status) {
  const ErrorKind kind = KindOf(status.code());
  ordered_json error = {{"message", status.message()},
                        {"type", kind.type},
                        {"param", nullptr},
                        {"code", kind.status}};
  return JsonResponse(kind.status, Dump(ordered_json{{"error", std::move(error)}}));
}

}  // namespace berth::engine_sim
