// GET /api/v1/admin/cluster: the berth instances sharing this one's store, their last
// heartbeat, and which one leads (holds the reconciler lease) in which term since when.
// Registered once at start; the handler runs on API worker threads.
#pragma once

#include <functional>

#include "api/route_table.h"
#include "common/status.h"
#include "core/cluster.h"

namespace berth {

using ClusterViewFn = std::function<StatusOr<ClusterView>()>;

void AddClusterRoutes(RouteTable& table, ClusterViewFn view);

}  // namespace berth
