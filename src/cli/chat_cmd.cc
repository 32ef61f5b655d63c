// `berth chat`: one streamed chat completion from a deployed model through the gateway
// (POST {server}/compatible-mode/v1/chat/completions, stream: true), printed as it arrives.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/sse.h"

namespace berth::cli {
namespace {

struct ChatArgs {
  std::string model;
  std::vector<std::string> prompt;
  std::string system;
  int max_tokens = 0;
  std::string timeout = "10m";
};

StatusOr<std::string> PromptText(const ChatArgs& a) {
  std::string text;
  for (const std::string& word : a.prompt) text += (text.empty() ? "" : " ") + word;
  if (text.empty() || text == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (text.empty()) return InvalidArgument("no prompt: give it as arguments or on stdin");
  return text;
}

Json ChatBody(const ChatArgs& a, const std::string& prompt) {
  Json messages = Json::array();
  if (!a.system.empty()) messages.push_back({{"role", "system"}, {"content", a.system}});
  messages.push_back({{"role", "user"}, {"content", prompt}});
  Json body = {{"model", a.model}, {"messages", messages}, {"stream", true}};
  if (a.max_tokens > 0) body["max_tokens"] = a.max_tokens;
  return body;
}

// Prints each chunk's delta text (or, with -o json, each chunk as one JSON line).
class ChunkPrinter {
 public:
  explicit ChunkPrinter(bool json) : json_(json) {}

  bool OnEvent(const std::string& data) {
    if (data == "[DONE]") {
      done_ = true;
      return false;
    }
    Json chunk = Json::parse(data, nullptr, /*allow_exceptions=*/false);
    if (!chunk.is_object()) {
      error_ = Internal("the stream carried an event that is not JSON: " + data.substr(0, 200));
      return false;
    }
    if (chunk.contains("error") || chunk.contains("code")) {
      error_ = ErrorFromResponse(200, data);
      return false;
    }
    if (json_) {
      Print(chunk.dump() + "\n");
      return true;
    }
    const Json& choices = chunk.contains("choices") ? chunk["choices"] : Json();
    if (choices.is_array() && !choices.empty() && choices[0].contains("delta")) {
      std::string piece = Text(choices[0]["delta"], "content");
      printed_ = printed_ || !piece.empty();
      Print(piece);
    }
    return true;
  }

  Status Result() const {
    if (!error_.ok()) return error_;
    if (!done_) return Unavailable("the stream ended before data: [DONE]");
    return Status::Ok();
  }
  bool printed() const { return printed_; }

 private:
  bool json_;
  bool done_ = false;
  bool printed_ = false;
  Status error_;
};

int RunChat(const CliContext& ctx, const ChatArgs& a) {
  StatusOr<std::chrono::milliseconds> timeout = ParseDuration(a.timeout);
  if (!timeout.ok()) return ReportError(timeout.status());
  StatusOr<std::string> prompt = PromptText(a);
  if (!prompt.ok()) return ReportError(prompt.status());
  return WithClient(ctx, [&](const ApiClient& client) {
    SseParser parser;
    ChunkPrinter printer(ctx.common.json());
    auto on_event = [&](const std::string& data) { return printer.OnEvent(data); };
    Status sent = client.PostStream(
        "/compatible-mode/v1/chat/completions", ChatBody(a, *prompt),
        [&](std::string_view bytes) { return parser.Feed(bytes, on_event); }, *timeout);
    if (printer.printed()) Print("\n");
    if (!sent.ok()) return ReportError(sent);
    Status result = printer.Result();
    return result.ok() ? kExitOk : ReportError(result);
  });
}

}  // namespace

void AddChatCommand(CLI::App& app, CliContext& ctx) {
  auto a = std::make_shared<ChatArgs>();
  CLI::App* cmd = app.add_subcommand("chat", "Chat with a deployed model, streaming the answer");
  cmd->add_option("-m,--model", a->model, "The deployed model to ask")->required();
  cmd->add_option("prompt", a->prompt, "The prompt (several words are joined; '-' or none: stdin)");
  cmd->add_option("--system", a->system, "A system message to send first");
  cmd->add_option("--max-tokens", a->max_tokens, "Limit the answer's length")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--timeout", a->timeout, "Give up after this long")->capture_default_str();
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd,
             "berth chat --model qwen3-8b-4d36ae3a \"Write a haiku about harbours\"\n"
             "echo 'Summarise: ...' | berth chat -m qwen3-8b-4d36ae3a -");
  OnRun(cmd, ctx, [&ctx, a] { return RunChat(ctx, *a); });
}

}  // namespace berth::cli
