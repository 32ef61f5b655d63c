// Builds the process runtime from `berth serve` flags (--engines, --units,
// --placement-timeout). Called once by the composition root, on its thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "runtime/process/process_runtime.h"

namespace berth {

struct ProcessRuntimeFlags {
  std::string data_dir;
  std::string engines_file;               // empty: every model runs the built-in engine-sim
  std::string units;                      // "MU1=8,MU2=0-7"; empty: unlimited
  std::string placement_timeout = "10m";  // see ParseDuration
  int engine_sim_startup_ms = 500;        // --startup-ms of the built-in engine-sim template
  std::string berth_binary;               // for the built-in template; empty: this executable
};

// "500ms", "30s", "10m", "1h", or a plain number of seconds. InvalidArgument otherwise.
StatusOr<Millis> ParseDuration(std::string_view text);

// Parses the flags, loads the engines config and opens the runtime (adopting the engines a
// previous berth left running). InvalidArgument naming the bad flag or config entry.
StatusOr<std::unique_ptr<ProcessRuntime>> OpenProcessRuntime(const ProcessRuntimeFlags& flags,
                                                             const Clock& clock);

}  // namespace berth
