#include "cli/wait.h"

#include <fmt/format.h>

#include <cstdio>
#include <thread>

#include "cli/deployment_view.h"
#include "cli/format.h"

namespace berth::cli {
namespace {

using Steady = std::chrono::steady_clock;

std::string TargetName(WaitFor target) {
  switch (target) {
    case WaitFor::kRunning:
      return "RUNNING";
    case WaitFor::kStopped:
      return "STOPPED";
    case WaitFor::kDeleted:
      return "deleted";
  }
  return "";
}

void Err(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

std::string Verb(Verdict verdict) { return verdict == Verdict::kDone ? "reached" : "cannot reach"; }

}  // namespace

StatusOr<WaitFor> ParseWaitFor(const std::string& text) {
  if (text == "running") return WaitFor::kRunning;
  if (text == "stopped") return WaitFor::kStopped;
  if (text == "deleted") return WaitFor::kDeleted;
  return InvalidArgument("--for must be running, stopped or deleted, not '" + text + "'");
}

StatusOr<WaitOptions> ParseWaitOptions(WaitFor target, const std::string& timeout,
                                       const std::string& interval) {
  WaitOptions options;
  options.target = target;
  ASSIGN_OR_RETURN(options.timeout, ParseDuration(timeout));
  ASSIGN_OR_RETURN(options.interval, ParseDuration(interval));
  if (options.interval.count() <= 0) return InvalidArgument("--interval must be positive");
  return options;
}

Verdict Judge(WaitFor target, const Json* d) {
  if (target == WaitFor::kDeleted) return d == nullptr ? Verdict::kDone : Verdict::kWaiting;
  if (d == nullptr) return Verdict::kFailed;
  std::string status = Text(*d, "status");
  if (target == WaitFor::kStopped) {
    if (status == "DELETING") return Verdict::kFailed;
    return status == "STOPPED" && Int(*d, "ready_capacity") == 0 ? Verdict::kDone
                                                                 : Verdict::kWaiting;
  }
  if (status == "FAILED" || status == "UPDATING_FAILED" || status == "STOPPED" ||
      status == "DELETING") {
    return Verdict::kFailed;
  }
  return status == "RUNNING" && Int(*d, "ready_capacity") == Int(*d, "capacity")
             ? Verdict::kDone
             : Verdict::kWaiting;
}

std::string ProgressLine(const std::string& id, const Json* d, std::chrono::milliseconds elapsed,
                         bool color) {
  if (d == nullptr) return fmt::format("{}  gone  {}", id, FormatElapsed(elapsed));
  std::string status = Text(*d, "status");
  Style style = StatusStyle(status);
  if (color && style != Style::kPlain) {
    status = std::string(AnsiStart(style)) + status + std::string(kAnsiReset);
  }
  std::string line =
      fmt::format("{}  {}  ready {}  {}", id, status, ReadyText(*d), FormatElapsed(elapsed));
  std::string reason = Text(*d, "fail_reason");
  return reason.empty() ? line : line + "  (" + reason + ")";
}

WaitResult WaitForDeployment(const ApiClient& client, const std::string& id,
                             const WaitOptions& options, const Terminal& terminal) {
  const bool live = terminal.stderr_tty;
  const bool color = live && terminal.color;
  const Steady::time_point start = Steady::now();
  std::string last_state;
  WaitResult result;
  while (true) {
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
    StatusOr<Json> got = client.Get("/deployments/" + EncodeSegment(id));
    // A deployment missing at the first look was never there (or is long gone): an error,
    // unless that is what we wait for.
    bool missing_at_start = last_state.empty() && options.target != WaitFor::kDeleted;
    if (!got.ok() && (got.status().code() != StatusCode::kNotFound || missing_at_start)) {
      if (live) Err("\n");
      result.exit_code = ReportError(got.status());
      return result;
    }
    const Json* d = got.ok() ? &*got : nullptr;
    result.deployment = got.ok() ? *got : Json();
    Verdict verdict = Judge(options.target, d);
    std::string state = ProgressLine(id, d, std::chrono::milliseconds(0), false);
    if (live) {
      Err("\r\033[K" + ProgressLine(id, d, elapsed, color));
    } else if (state != last_state || verdict != Verdict::kWaiting) {
      Err(ProgressLine(id, d, elapsed, false) + "\n");
    }
    last_state = state;
    if (verdict != Verdict::kWaiting) {
      if (live) Err("\n");
      Err(fmt::format("{} {} {} after {}\n", id, Verb(verdict), TargetName(options.target),
                      FormatElapsed(elapsed)));
      result.exit_code = verdict == Verdict::kDone ? kExitOk : kExitFailed;
      return result;
    }
    if (elapsed >= options.timeout) {
      if (live) Err("\n");
      Err(fmt::format("timed out after {} waiting for {} to be {}\n",
                      FormatElapsed(options.timeout), id, TargetName(options.target)));
      result.exit_code = kExitTimedOut;
      return result;
    }
    std::this_thread::sleep_for(std::min(options.interval, options.timeout - elapsed));
  }
}

}  // namespace berth::cli
