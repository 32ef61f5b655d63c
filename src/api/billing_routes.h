// The billing route GET /api/v1/billing (berth extension): the ledger of the caller's
// workspace for a time range. Handlers run on the API worker pool (they read the store).
#pragma once

#include "api/route_table.h"
#include "service/billing_service.h"

namespace berth {

void AddBillingRoutes(RouteTable& table, const BillingService& billing);

}  // namespace berth
