// Fuzz target: the gateway's JSON skimmer (json_skim.h) and its request reader (request_skim.h)
// against the full parser the gateway falls back to (ParseRequestJson, nlohmann underneath).
// Properties: no crash, leak or UB; whatever SkimJson accepts the full parser accepts too, as a
// value of the same kind; and whatever SkimOpenAiRequest reads (model, stream, output cap,
// enable_thinking, prompt tokens) equals what the tree path reads from nlohmann's tree, for chat
// and for completions.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "gateway/json_skim.h"
#include "gateway/openai_prompt.h"
#include "gateway/request_skim.h"
#include "json/request_json.h"

namespace {

using Json = nlohmann::json;

bool SameKind(berth::JsonKind kind, const Json& value) {
  switch (kind) {
    case berth::JsonKind::kNull:
      return value.is_null();
    case berth::JsonKind::kBool:
      return value.is_boolean();
    case berth::JsonKind::kInteger:  // integer syntax: one past 64 bits is a double in the tree
      return value.is_number();
    case berth::JsonKind::kNumber:
      return value.is_number();
    case berth::JsonKind::kString:
      return value.is_string();
    case berth::JsonKind::kArray:
      return value.is_array();
    case berth::JsonKind::kObject:
      return value.is_object();
  }
  return false;
}

// The tree path's readings (gateway.cc's IntField and the chat_template_kwargs half of
// ThinkingRequested: a body with a top-level enable_thinking is left to the tree path).
std::optional<int64_t> IntField(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::optional<bool> TemplateThinking(const Json& body) {
  auto kw = body.find("chat_template_kwargs");
  if (kw == body.end() || !kw->is_object()) return std::nullopt;
  auto it = kw->find("enable_thinking");
  if (it == kw->end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

void CheckRequest(std::string_view text, const Json& tree, bool chat) {
  std::optional<berth::SkimmedRequest> skim = berth::SkimOpenAiRequest(text, chat);
  if (!skim) return;
  FUZZ_CHECK(!tree.is_discarded() && tree.is_object());
  FUZZ_CHECK(tree.contains("model") && tree["model"].is_string());
  FUZZ_CHECK(skim->model == tree["model"].get<std::string>());
  auto stream = tree.find("stream");
  FUZZ_CHECK(skim->stream == (stream != tree.end() && stream->is_boolean() && stream->get<bool>()));
  std::optional<int64_t> cap = IntField(tree, "max_tokens");
  if (!cap) cap = IntField(tree, "max_completion_tokens");
  FUZZ_CHECK(skim->max_tokens == cap);
  FUZZ_CHECK(!tree.contains("enable_thinking"));
  FUZZ_CHECK(skim->thinking_requested == TemplateThinking(tree));
  int64_t tokens = chat ? berth::EstimateChatPromptTokens(tree.value("messages", Json()))
                        : berth::EstimateCompletionPromptTokens(tree.value("prompt", Json()));
  FUZZ_CHECK(skim->prompt_tokens == tokens);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The gateway's own full parser (bounded depth), as its tree path uses it.
  berth::StatusOr<Json> parsed = berth::ParseRequestJson(text);
  const Json tree = parsed.ok() ? std::move(*parsed) : Json(Json::value_t::discarded);
  if (std::optional<berth::JsonSpan> span = berth::SkimJson(text)) {
    FUZZ_CHECK(!tree.is_discarded());
    FUZZ_CHECK(SameKind(span->kind, tree));
  }
  CheckRequest(text, tree, /*chat=*/true);
  CheckRequest(text, tree, /*chat=*/false);
  return 0;
}
