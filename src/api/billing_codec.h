// JSON shapes of billing: the ledger of GET /api/v1/billing and the estimated_hourly_cost field
// of the create and scale answers (docs/api.md). Money and quantities keep full precision
// until here and are rounded only on output: amounts and quantities to 6 decimal places, unit
// prices to 8. Pure functions; callable from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/deployment.h"
#include "service/billing_service.h"

namespace berth {

// The `output` of GET /api/v1/billing.
nlohmann::ordered_json EncodeBillingReport(const BillingReport& report);

// {"amount": a, "currency": c}, or {"amount": null, "currency": c, "note": why} for lora (billed
// per token) and capacity the catalog has no price for.
nlohmann::ordered_json EncodeHourlyCost(Plan plan, const std::optional<double>& amount,
                                        const std::string& currency);

// `value` rounded half away from zero to `digits` decimal places.
double RoundTo(double value, int digits);

}  // namespace berth
