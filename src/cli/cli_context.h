// What every client command shares: the connection options (--api-key, --base-url, -o,
// --workspace, with the DashScope SDK's environment variables), terminal detection, and the
// helpers that print results and errors. Used by the command files under src/cli/ only.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "cli/api_client.h"
#include "common/status.h"

namespace CLI {
class App;
}  // namespace CLI

namespace berth::cli {

inline constexpr char kDefaultBaseUrl[] = "http://127.0.0.1:8080/api/v1";

// Exit codes of the client commands (CLI11's own usage errors keep CLI11's codes).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;     // the request failed, or bad input caught by us
inline constexpr int kExitFailed = 2;    // wait: the deployment ended FAILED/UPDATING_FAILED
inline constexpr int kExitTimedOut = 3;  // wait: --timeout passed first

struct CommonOptions {
  std::string api_key;           // "" → $DASHSCOPE_API_KEY
  std::string base_url;          // "" → $DASHSCOPE_HTTP_BASE_URL, else kDefaultBaseUrl
  std::string output = "table";  // "table" or "json"
  std::string workspace;
  bool json() const { return output == "json"; }
};

struct Terminal {
  bool stdout_tty = false;
  bool stderr_tty = false;
  bool color = false;  // stdout is a terminal and NO_COLOR is unset
  static Terminal Detect();
};

// The state the parsed command line leaves for main(): which command runs, and its options.
struct CliContext {
  CommonOptions common;
  Terminal terminal = Terminal::Detect();
  std::function<int()> action;  // set by the chosen command's CLI11 callback
};

// Adds --api-key, --base-url, -o/--output and --workspace to `command`.
void AddCommonOptions(CLI::App* command, CommonOptions* options);

// Sets `command`'s help footer to "Example:\n  <example>" (one line per example).
void SetExample(CLI::App* command, const std::string& example);

// The client for the parsed options (flags first, then the environment, then the default base
// URL); fails with InvalidArgument on a missing key or a bad URL.
StatusOr<ApiClient> MakeClient(const CommonOptions& options);

// Makes `command` run `run` (through CliContext::action) once the command line is parsed.
void OnRun(CLI::App* command, CliContext& context, std::function<int()> run);

// Makes the client and runs `body` with it; a bad key or URL is reported (kExitError).
int WithClient(const CliContext& context, const std::function<int(const ApiClient&)>& body);

// Shows a request's result: the error (kExitError), else `output` as JSON with -o json, else
// render(output).
int Show(const CliContext& context, const StatusOr<Json>& result,
         const std::function<std::string(const Json&)>& render);

// Prints "error: <message>" to stderr and returns kExitError.
int ReportError(const Status& status);

// Prints `value` as indented JSON and a newline to stdout (what `-o json` shows).
void PrintJson(const Json& value);

// Prints `text` to stdout as is.
void Print(const std::string& text);

// The member `name` of `object` as text for a table cell: strings as they are, numbers and
// booleans printed, "" for absent or null.
std::string Text(const Json& object, const char* name);
// The member `name` as an integer, 0 when absent or not a number.
int64_t Int(const Json& object, const char* name);
// The member `name` as a number, 0 when absent or not a number.
double Number(const Json& object, const char* name);
// The member `name` when it is an array, else an empty array.
const Json& Array(const Json& object, const char* name);

}  // namespace berth::cli
