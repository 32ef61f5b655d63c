// Waiting for a deployment to reach a state (`deployments wait`, `create --wait`…): the pure
// rules (Judge, ProgressLine) and the polling loop that prints progress to stderr, redrawn in
// place on a terminal and one line per change otherwise. Blocking; the command's thread only.
#pragma once

#include <chrono>
#include <string>

#include "cli/api_client.h"
#include "cli/cli_context.h"

namespace berth::cli {

enum class WaitFor { kRunning, kStopped, kDeleted };
enum class Verdict { kWaiting, kDone, kFailed };

// StatusOr: "running", "stopped" or "deleted"; InvalidArgument otherwise.
StatusOr<WaitFor> ParseWaitFor(const std::string& text);

// Where a deployment stands against `target`; `deployment` is null once it is gone (404).
// kRunning is done at RUNNING with every unit ready and fails at FAILED, UPDATING_FAILED,
// STOPPED, DELETING or gone; kStopped is done at STOPPED with no unit ready; kDeleted when gone.
Verdict Judge(WaitFor target, const Json* deployment);

// "qwen3-8b-4d36ae3a  PENDING  ready 0/4  3s" (status coloured when `color`); "… gone" when
// `deployment` is null.
std::string ProgressLine(const std::string& id, const Json* deployment,
                         std::chrono::milliseconds elapsed, bool color);

struct WaitOptions {
  WaitFor target = WaitFor::kRunning;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds interval{std::chrono::seconds(1)};
};

// Parses --timeout and --interval ("90s", "10m"…); InvalidArgument names the bad one.
StatusOr<WaitOptions> ParseWaitOptions(WaitFor target, const std::string& timeout,
                                       const std::string& interval);

struct WaitResult {
  int exit_code = kExitOk;  // kExitOk, kExitFailed, kExitTimedOut or kExitError
  Json deployment;          // the last state seen (null once gone or on error)
};

// Polls GET /deployments/{id} until Judge says done or failed, or the timeout passes; prints
// progress to stderr and a final verdict line there. Request errors end the wait (kExitError).
WaitResult WaitForDeployment(const ApiClient& client, const std::string& id,
                             const WaitOptions& options, const Terminal& terminal);

}  // namespace berth::cli
