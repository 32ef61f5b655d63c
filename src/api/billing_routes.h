// The billing route GET /api/v1/billing (berth extension): the ledger of the caller's
// workspace for a time range. Handlers run on the API worker pool (they read the store).
#pragma once

#include "api/route_table.h"
#include "service/billing_service.h"

namespace berth {

// `clock` gives the default period (start and end omitted): this month so far, UTC.
// `flush_usage` (optional) runs before each read.
void AddBillingRoutes(RouteTable& table, const BillingService& billing, const Clock& clock,
                      UsageFlushFn flush_usage = nullptr);

}  // namespace berth
