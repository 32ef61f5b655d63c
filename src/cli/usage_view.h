// Human renderings of the metering answers: a deployment's hourly usage and the bill. Pure
// functions from the server's `output` JSON to text; call from anywhere.
#pragma once

#include <string>

#include "cli/api_client.h"

namespace berth::cli {

// GET /deployments/{id}/usage output: one row per hour, then the totals.
std::string RenderUsage(const Json& output, bool color);

// GET /billing output: one row per line (amounts as money in output.currency), then the total.
std::string RenderBill(const Json& output, bool color);

// A quantity as a person reads it: 1234 → "1,234", 0.5 → "0.5", 2.25 → "2.25".
std::string FormatQuantity(double quantity);

}  // namespace berth::cli
