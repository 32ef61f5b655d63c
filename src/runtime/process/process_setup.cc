#include "runtime/process/process_setup.h"

#include <charconv>

#include "common/log.h"
#include "runtime/process/child_process.h"

namespace berth {

StatusOr<Millis> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("bad duration \"" + std::string(text) +
                           "\": use e.g. 500ms, 30s, 10m, 1h or a number of seconds");
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  int64_t n = 0;
  if (digits == 0 || digits > 9 ||
      std::from_chars(text.data(), text.data() + digits, n).ec != std::errc()) {
    return bad();
  }
  std::string_view unit = text.substr(digits);
  if (unit == "ms") return Millis(n);
  if (unit == "s" || unit.empty()) return Millis(n * 1000);
  if (unit == "m") return Millis(n * 60 * 1000);
  if (unit == "h") return Millis(n * 3600 * 1000);
  return bad();
}

StatusOr<std::unique_ptr<ProcessRuntime>> OpenProcessRuntime(const ProcessRuntimeFlags& flags,
                                                             const Clock& clock) {
  ProcessRuntimeOptions options;
  options.data_dir = flags.data_dir;
  StatusOr<UnitInventory> units = ParseUnitInventory(flags.units);
  if (!units.ok()) return InvalidArgument("--units: " + units.status().message());
  options.units = std::move(*units);
  StatusOr<Millis> timeout = ParseDuration(flags.placement_timeout);
  if (!timeout.ok()) return InvalidArgument("--placement-timeout: " + timeout.status().message());
  options.placement_timeout = *timeout;

  std::string binary = flags.berth_binary.empty() ? SelfExecutable() : flags.berth_binary;
  EngineTemplate builtin = EngineSimTemplate(binary, flags.engine_sim_startup_ms);
  StatusOr<EnginesConfig> engines = flags.engines_file.empty()
                                        ? StatusOr<EnginesConfig>(EnginesConfig(builtin))
                                        : LoadEnginesConfig(flags.engines_file, builtin);
  if (!engines.ok()) return engines.status();
  LOG_INFO("process runtime: units {}, placement timeout {} ms, {} engines config entries",
           FormatUnitInventory(options.units), options.placement_timeout.count(),
           engines->entries().size());
  return ProcessRuntime::Open(std::move(options), std::move(*engines), MakeHttpEngineClient(),
                              clock);
}

}  // namespace berth
