// GET /api/v1/deployments/{id}/usage?start=&end= (berth extension): hourly totals of the
// requests the gateway metered for a deployment. Handlers run on the API worker pool.
#pragma once

#include "api/route_table.h"
#include "common/clock.h"
#include "service/deployment_service.h"

namespace berth {

// `clock` gives the default period: the last 24 hours. `flush_usage` (optional) runs before
// each read.
void AddUsageRoutes(RouteTable& table, DeploymentService& deployments, const Clock& clock,
                    UsageFlushFn flush_usage = nullptr);

}  // namespace berth
