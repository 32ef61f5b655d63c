#include "cli/cli_context.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

namespace berth::cli {

Terminal Terminal::Detect() {
  Terminal t;
  t.stdout_tty = ::isatty(STDOUT_FILENO) == 1;
  t.stderr_tty = ::isatty(STDERR_FILENO) == 1;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  t.color = t.stdout_tty && (no_color == nullptr || *no_color == '\0') &&
            !(term != nullptr && std::string(term) == "dumb");
  return t;
}

// The environment is read in MakeClient rather than through CLI11's envname: every leaf command
// binds these options to the same variables, and a flag given on the command line must win.
void AddCommonOptions(CLI::App* command, CommonOptions* options) {
  command->add_option("--api-key", options->api_key, "API key (default: $DASHSCOPE_API_KEY)")
      ->group("Connection");
  command
      ->add_option("--base-url", options->base_url,
                   "API base URL (default: $DASHSCOPE_HTTP_BASE_URL, else " +
                       std::string(kDefaultBaseUrl) + ")")
      ->group("Connection");
  command
      ->add_option("--workspace", options->workspace,
                   "Act in this workspace (X-DashScope-WorkSpace; admin keys may name any)")
      ->group("Connection");
  command->add_option("-o,--output", options->output, "Output format: table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->group("Connection");
}

void SetExample(CLI::App* command, const std::string& example) {
  std::string footer = "\nExample:";
  size_t start = 0;
  while (start < example.size()) {
    size_t nl = example.find('\n', start);
    if (nl == std::string::npos) nl = example.size();
    footer += "\n  " + example.substr(start, nl - start);
    start = nl + 1;
  }
  command->footer(footer);
}

namespace {

std::string FlagOrEnv(const std::string& flag, const char* env, const std::string& fallback) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(env);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

StatusOr<ApiClient> MakeClient(const CommonOptions& options) {
  std::string key = FlagOrEnv(options.api_key, "DASHSCOPE_API_KEY", "");
  if (key.empty()) return InvalidArgument("no API key: set DASHSCOPE_API_KEY or pass --api-key");
  StatusOr<BaseUrl> base =
      ParseBaseUrl(FlagOrEnv(options.base_url, "DASHSCOPE_HTTP_BASE_URL", kDefaultBaseUrl));
  if (!base.ok()) return base.status();
  return ApiClient(ApiClientOptions{*base, key, options.workspace});
}

void OnRun(CLI::App* command, CliContext& context, std::function<int()> run) {
  command->callback([&context, run = std::move(run)] { context.action = run; });
}

int WithClient(const CliContext& context, const std::function<int(const ApiClient&)>& body) {
  StatusOr<ApiClient> client = MakeClient(context.common);
  if (!client.ok()) return ReportError(client.status());
  return body(*client);
}

int Show(const CliContext& context, const StatusOr<Json>& result,
         const std::function<std::string(const Json&)>& render) {
  if (!result.ok()) return ReportError(result.status());
  if (context.common.json()) {
    PrintJson(*result);
  } else {
    Print(render(*result));
  }
  return kExitOk;
}

int ReportError(const Status& status) {
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return kExitError;
}

void PrintJson(const Json& value) { Print(value.dump(2) + "\n"); }

void Print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

const Json& Array(const Json& object, const char* name) {
  static const Json kEmpty = Json::array();
  if (!object.is_object() || !object.contains(name) || !object[name].is_array()) return kEmpty;
  return object[name];
}

std::string Text(const Json& object, const char* name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

int64_t Int(const Json& object, const char* name) {
  if (!object.is_object()) return 0;
  auto it = object.find(name);
  if (it == object.end() || !it->is_number()) return 0;
  return it->is_number_integer() ? it->get<int64_t>() : static_cast<int64_t>(it->get<double>());
}

double Number(const Json& object, const char* name) {
  if (!object.is_object()) return 0;
  auto it = object.find(name);
  if (it == object.end() || !it->is_number()) return 0;
  return it->get<double>();
}

}  // namespace berth::cli
