// Placement: which units (e.g. GPUs) of the machine's inventory a replica takes. The inventory
// comes from `--units` ("MU1=8,MU2=0-7"); with none configured, units are unlimited. Pure
// bookkeeping, no I/O; not thread-safe (the runtime that owns it holds its lock around calls).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace berth {

// The units of each spec and the device index each one stands for ({gpus} in a template).
struct UnitInventory {
  std::map<std::string, std::vector<int>> slots;  // spec → device indices, ascending
  bool unlimited() const { return slots.empty(); }
  bool operator==(const UnitInventory&) const = default;
};

// Parses "SPEC=N" (N units, indices 0..N-1) or "SPEC=A-B" (indices A..B) entries separated by
// commas, e.g. "MU1=8,MU2=16" or "MU1=0-3,MU2=4-7". Empty text: unlimited. InvalidArgument
// naming the bad entry otherwise (unknown form, N < 1, B < A, a spec given twice).
StatusOr<UnitInventory> ParseUnitInventory(std::string_view text);

// "MU1=0-3,MU2=4-7" for logs and messages; "unlimited" when empty.
std::string FormatUnitInventory(const UnitInventory& inventory);

class Placement {
 public:
  explicit Placement(UnitInventory inventory = {});

  // Takes `units` units of `spec` and returns their device indices (empty when the inventory
  // is unlimited, or the replica needs no units: empty spec or units <= 0).
  // Unavailable ("no free MU1 units: need 2, free 0 of 8") when they are taken now;
  // ResourceExhausted when they can never fit (spec not configured, or more than it has).
  StatusOr<std::vector<int>> Take(const std::string& spec, int units);
  // Takes exactly `indices` of `spec` (a replica adopted after a restart). FailedPrecondition
  // when one is unknown or already taken; then nothing is taken.
  Status TakeExact(const std::string& spec, const std::vector<int>& indices);
  // Gives back what Take/TakeExact returned; unknown or free indices are ignored.
  void Release(const std::string& spec, const std::vector<int>& indices);

  int Free(const std::string& spec) const;
  int Total(const std::string& spec) const;
  const UnitInventory& inventory() const { return inventory_; }

 private:
  UnitInventory inventory_;
  std::map<std::string, std::vector<bool>> used_;  // parallel to inventory_.slots
};

// Joins device indices for {gpus}: "0,1,2".
std::string JoinIndices(const std::vector<int>& indices);

}  // namespace berth
