#include "core/placement.h"

#include <algorithm>
#include <charconv>

namespace berth {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool ParseInt(std::string_view s, int& out) {
  if (s.empty() || s.size() > 6) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ValidSpec(std::string_view spec) {
  if (spec.empty()) return false;
  return std::all_of(spec.begin(), spec.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

// "8" → 0..7; "4-7" → 4..7.
bool ParseSlots(std::string_view value, std::vector<int>& out) {
  size_t dash = value.find('-');
  int first = 0, last = 0;
  if (dash == std::string_view::npos) {
    if (!ParseInt(value, last) || last < 1) return false;
    --last;
  } else if (!ParseInt(value.substr(0, dash), first) || !ParseInt(value.substr(dash + 1), last) ||
             last < first) {
    return false;
  }
  for (int i = first; i <= last; ++i) out.push_back(i);
  return true;
}

}  // namespace

StatusOr<UnitInventory> ParseUnitInventory(std::string_view text) {
  UnitInventory inventory;
  text = Trim(text);
  if (text.empty()) return inventory;
  while (true) {
    size_t comma = text.find(',');
    std::string_view entry = Trim(text.substr(0, comma));
    size_t eq = entry.find('=');
    std::string spec(Trim(entry.substr(0, eq)));
    std::vector<int> slots;
    if (eq == std::string_view::npos || !ValidSpec(spec) ||
        !ParseSlots(Trim(entry.substr(eq + 1)), slots)) {
      return InvalidArgument("bad units entry \"" + std::string(entry) +
                             "\": expected SPEC=COUNT or SPEC=FIRST-LAST, e.g. MU1=8 or MU1=0-7");
    }
    if (inventory.slots.count(spec)) {
      return InvalidArgument("units of " + spec + " are given twice");
    }
    inventory.slots[spec] = std::move(slots);
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return inventory;
}

std::string FormatUnitInventory(const UnitInventory& inventory) {
  if (inventory.unlimited()) return "unlimited";
  std::string out;
  for (const auto& [spec, slots] : inventory.slots) {
    if (!out.empty()) out += ",";
    out += spec + "=" + std::to_string(slots.front()) + "-" + std::to_string(slots.back());
  }
  return out;
}

Placement::Placement(UnitInventory inventory) : inventory_(std::move(inventory)) {
  for (const auto& [spec, slots] : inventory_.slots) used_[spec].assign(slots.size(), false);
}

StatusOr<std::vector<int>> Placement::Take(const std::string& spec, int units) {
  if (inventory_.unlimited() || spec.empty() || units <= 0) return std::vector<int>{};
  auto it = used_.find(spec);
  if (it == used_.end()) {
    return ResourceExhausted("no " + spec + " units are configured (--units " +
                             FormatUnitInventory(inventory_) + ")");
  }
  std::vector<bool>& used = it->second;
  int total = static_cast<int>(used.size());
  if (units > total) {
    return ResourceExhausted("a replica needs " + std::to_string(units) + " " + spec +
                             " units but only " + std::to_string(total) + " are configured");
  }
  int free = Free(spec);
  if (free < units) {
    return Unavailable("no free " + spec + " units: need " + std::to_string(units) + ", free " +
                       std::to_string(free) + " of " + std::to_string(total));
  }
  std::vector<int> taken;
  const std::vector<int>& slots = inventory_.slots.at(spec);
  for (int i = 0; i < total && static_cast<int>(taken.size()) < units; ++i) {
    if (used[i]) continue;
    used[i] = true;
    taken.push_back(slots[i]);
  }
  return taken;
}

Status Placement::TakeExact(const std::string& spec, const std::vector<int>& indices) {
  if (indices.empty()) return Status::Ok();
  auto it = used_.find(spec);
  if (it == used_.end()) return FailedPrecondition("no " + spec + " units are configured");
  const std::vector<int>& slots = inventory_.slots.at(spec);
  std::vector<size_t> positions;
  for (int index : indices) {
    auto pos = std::find(slots.begin(), slots.end(), index);
    if (pos == slots.end() || it->second[pos - slots.begin()]) {
      return FailedPrecondition(spec + " unit " + std::to_string(index) +
                                " is not configured or already taken");
    }
    positions.push_back(pos - slots.begin());
  }
  for (size_t p : positions) it->second[p] = true;
  return Status::Ok();
}

void Placement::Release(const std::string& spec, const std::vector<int>& indices) {
  auto it = used_.find(spec);
  if (it == used_.end()) return;
  const std::vector<int>& slots = inventory_.slots.at(spec);
  for (int index : indices) {
    auto pos = std::find(slots.begin(), slots.end(), index);
    if (pos != slots.end()) it->second[pos - slots.begin()] = false;
  }
}

int Placement::Free(const std::string& spec) const {
  auto it = used_.find(spec);
  if (it == used_.end()) return 0;
  return static_cast<int>(std::count(it->second.begin(), it->second.end(), false));
}

int Placement::Total(const std::string& spec) const {
  auto it = used_.find(spec);
  return it == used_.end() ? 0 : static_cast<int>(it->second.size());
}

std::string JoinIndices(const std::vector<int>& indices) {
  std::string out;
  for (int i : indices) {
    if (!out.empty()) out += ",";
    out += std::to_string(i);
  }
  return out;
}

}  // namespace berth
