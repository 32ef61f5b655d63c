#include "engine_sim/openai_response.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace berth::engine_sim {
namespace {

using nlohmann::ordered_json;

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  size_t clean = 0;  // start of the run of characters that need no escaping
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, clean, i - clean);
    clean = i + 1;
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += fmt::format("\\u{:04x}", c);
    }
  }
  out.append(text, clean, text.size() - clean);
  out += '"';
}

void AppendUsage(std::string& out, Usage usage) {
  out += fmt::format(R"({{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{}}})",
                     usage.prompt_tokens, usage.completion_tokens,
                     usage.prompt_tokens + usage.completion_tokens);
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
                           std::string_view finish_reason, Usage usage, Reasoning reasoning) {
  // Built by hand: this is the hot path of a non-streamed benchmark, and a JSON tree costs
  // more than the rest of the request together.
  std::string body = R"({"id":)";
  body.reserve(256 + text.size() + header.model.size());
  AppendJsonString(body, header.id);
  body += header.chat ? R"(,"object":"chat.completion","created":)"
                      : R"(,"object":"text_completion","created":)";
  body += std::to_string(header.created);
  body += R"(,"model":)";
  AppendJsonString(body, header.model);
  body += header.chat ? R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)"
                      : R"(,"choices":[{"index":0,"text":)";
  AppendJsonString(body, text);
  if (header.chat && !reasoning.field.empty()) {
    body += ',';
    AppendJsonString(body, reasoning.field);
    body += ':';
    AppendJsonString(body, reasoning.text);
  }
  body += header.chat ? R"(},"logprobs":null,"finish_reason":)"
                      : R"(,"logprobs":null,"finish_reason":)";
  AppendJsonString(body, finish_reason);
  body += header.chat ? "}]" : R"(,"stop_reason":null}])";
  body += R"(,"usage":)";
  AppendUsage(body, usage);
  body += R"(,"system_fingerprint":null})";
  return body;
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

std::string ChunkFormatter::ReasoningChunk(std::string_view field, std::string_view piece) const {
  std::string out = head_ + R"("choices":[{"index":0,"delta":{)";
  AppendJsonString(out, field);
  out += ':';
  AppendJsonString(out, piece);
  out += R"(},"logprobs":null,"finish_reason":null}],"usage":null})";
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
  std::string out = head_ + R"("choices":[],"usage":)";
  AppendUsage(out, usage);
  out += "}\n\n";
  return out;
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
