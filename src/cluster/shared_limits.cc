#include "cluster/shared_limits.h"

#include <algorithm>
#include <optional>

namespace berth {
namespace {

int64_t Share(int64_t limit, int instances) {
  if (limit <= 0) return limit;
  return std::max<int64_t>(1, limit / std::max(1, instances));
}

std::optional<int64_t> Share(const std::optional<int64_t>& limit, int instances) {
  if (!limit) return std::nullopt;
  return Share(*limit, instances);
}

}  // namespace

Deployment ShareOfLimits(const Deployment& d, int instances) {
  Deployment share = d;
  share.rpm_limit = Share(d.rpm_limit, instances);
  share.tpm_limit = Share(d.tpm_limit, instances);
  if (share.ptu_capacity) {
    share.ptu_capacity->input_tpm = Share(d.ptu_capacity->input_tpm, instances);
    share.ptu_capacity->output_tpm = Share(d.ptu_capacity->output_tpm, instances);
    share.ptu_capacity->thinking_output_tpm = Share(d.ptu_capacity->thinking_output_tpm, instances);
  }
  return share;
}

}  // namespace berth
