// The deployment API routes under /api/v1/deployments (the seeds' endpoints plus berth's
// extensions stop, start, events and update-overflowstrategy).
#pragma once

#include "api/route_table.h"
#include "service/billing_service.h"
#include "service/deployment_service.h"
#include "service/model_registry.h"

namespace berth {

// With `billing`, the create and scale answers carry estimated_hourly_cost.
void AddDeploymentRoutes(RouteTable& table, DeploymentService& deployments,
                         const ModelRegistry& models, const BillingService* billing = nullptr);

}  // namespace berth
