#include "core/engine_template.h"

#include <algorithm>

namespace berth {
namespace {

bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

// The value of placeholder `name`, or nullptr when there is no such placeholder.
const std::string* Lookup(std::string_view name, const TemplateValues& v, std::string& scratch) {
  if (name == "port") return &(scratch = std::to_string(v.port));
  if (name == "units") return &(scratch = std::to_string(v.units));
  if (name == "served_model_name") return &v.served_model_name;
  if (name == "model_name") return &v.model_name;
  if (name == "model_path") return &v.model_path;
  if (name == "gpus") return &v.gpus;
  if (name == "replica_id") return &v.replica_id;
  return nullptr;
}

}  // namespace

const std::vector<std::string_view>& TemplatePlaceholders() {
  static const std::vector<std::string_view> names = {
      "port", "served_model_name", "model_name", "model_path", "gpus", "units", "replica_id"};
  return names;
}

StatusOr<std::string> ExpandTemplate(std::string_view text, const TemplateValues& values) {
  std::string out;
  std::string scratch;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out += c;  // "{{" or "}}"
      i += 2;
      continue;
    }
    if (c == '{') {
      size_t end = i + 1;
      while (end < text.size() && IsNameChar(text[end])) ++end;
      if (end > i + 1 && end < text.size() && text[end] == '}') {
        std::string_view name = text.substr(i + 1, end - i - 1);
        const std::string* value = Lookup(name, values, scratch);
        if (value == nullptr) {
          return InvalidArgument("unknown placeholder {" + std::string(name) + "} in \"" +
                                 std::string(text) + "\"");
        }
        out += *value;
        i = end + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

Status CheckTemplate(std::string_view text) {
  StatusOr<std::string> expanded = ExpandTemplate(text, TemplateValues{});
  return expanded.ok() ? Status::Ok() : expanded.status();
}

StatusOr<ExpandedCommand> ExpandCommand(const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& env,
                                        TemplateValues values) {
  if (argv.empty() || argv.front().empty()) {
    return InvalidArgument("engine command is empty");
  }
  TemplateValues for_path = values;
  for_path.model_path.clear();
  ASSIGN_OR_RETURN(values.model_path, ExpandTemplate(values.model_path, for_path));
  ExpandedCommand out;
  for (const std::string& arg : argv) {
    ASSIGN_OR_RETURN(std::string expanded, ExpandTemplate(arg, values));
    out.argv.push_back(std::move(expanded));
  }
  for (const auto& [name, value] : env) {
    ASSIGN_OR_RETURN(out.env[name], ExpandTemplate(value, values));
  }
  return out;
}

std::string_view EngineKindName(EngineKind kind) {
  switch (kind) {
    case EngineKind::kVllm:
      return "vllm";
    case EngineKind::kSglang:
      return "sglang";
    case EngineKind::kLlamaCpp:
      return "llamacpp";
    case EngineKind::kOpenAI:
      break;
  }
  return "openai";
}

std::optional<EngineKind> ParseEngineKind(std::string_view name) {
  for (EngineKind kind :
       {EngineKind::kOpenAI, EngineKind::kVllm, EngineKind::kSglang, EngineKind::kLlamaCpp}) {
    if (EngineKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

HealthSettings DefaultHealth(EngineKind kind) {
  HealthSettings h;
  switch (kind) {
    case EngineKind::kVllm:  // /health is cheap but waits for a busy event loop
      h.timeout = Millis(10000);
      h.unready_after = 3;
      h.restart_after = Millis(120000);
      h.stop_grace = Millis(30000);
      break;
    case EngineKind::kSglang:  // /health generates one token, after a 1 s sleep the first time
      h.interval = Millis(2000);
      h.timeout = Millis(30000);
      h.unready_after = 2;
      h.restart_after = Millis(300000);
      h.stop_grace = Millis(30000);
      break;
    case EngineKind::kLlamaCpp:
      h.timeout = Millis(5000);
      h.unready_after = 3;
      h.restart_after = Millis(120000);
      h.stop_grace = Millis(10000);
      break;
    case EngineKind::kOpenAI:
      h.stop_grace = Millis(10000);
      break;
  }
  return h;
}

}  // namespace berth
