// Billing math: the ledger of one deployment incarnation, derived from its recorded history
// (events and usage) and the catalog's prices. Pure functions: no I/O, no clock reads, so the
// same history always yields the same lines (after a restart too). Callable from any thread.
// The formulas are documented in docs/billing.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "core/catalog.h"
#include "core/deployment.h"

namespace berth {

// The tokens of one metered request (or of several of one hour and kind, summed by the store), as
// far as billing cares.
struct TokenUsage {
  SystemTime time;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool thinking = false;  // the output tokens were thinking output
  bool overflow = false;  // a ptu request served at pay-as-you-go token prices
};

// Everything recorded about one incarnation.
struct IncarnationHistory {
  Incarnation incarnation;
  std::vector<DeploymentEvent> events;  // oldest first; each holds the state right after it
  std::vector<TokenUsage> usage;        // of this incarnation only
};

// The part of time to bill: [start, end), and `now`, where recorded history ends (the state of
// the last event lasts until now).
struct BillingWindow {
  SystemTime start;
  SystemTime end;
  SystemTime now;
};

// What a line charges for, in the order lines of one hour are listed.
enum class BillingItem {
  kUnits,                 // mu / cu: ready units × time
  kPtuInputTpm,           // ptu: purchased input TPM × time
  kPtuOutputTpm,          // ptu: purchased output TPM × time
  kPtuThinkingOutputTpm,  // ptu: purchased thinking output TPM × time
  kLoraInputTokens,       // lora tokens
  kLoraOutputTokens,
  kLoraThinkingOutputTokens,
  kOverflowInputTokens,  // ptu overflow tokens at pay-as-you-go prices
  kOverflowOutputTokens,
  kOverflowThinkingOutputTokens,
};

// The item's API name ("mu_units", "ptu_input_tpm", "lora_output_tokens", ...), given the plan
// (kUnits is "mu_units" or "cu_units"), and its unit ("unit-hour", "10k-tpm-hour",
// "1k-tpm-hour", "1k-tokens").
std::string ItemName(BillingItem item, Plan plan);
std::string_view ItemUnit(BillingItem item);
bool IsTokenItem(BillingItem item);

// One line of the ledger: one item of one incarnation in one UTC hour.
struct BillingLine {
  std::string deployed_model;
  std::string uid;
  Plan plan = Plan::kMu;
  std::string charge_type;
  std::string billing_method;
  SystemTime hour;  // the start of the UTC hour
  BillingItem item = BillingItem::kUnits;
  double quantity = 0;               // in ItemUnit(item)
  int64_t tokens = 0;                // token items: the exact count (quantity = tokens / 1000)
  std::optional<double> unit_price;  // absent: the catalog has no price (the line is unpriced)
  double amount = 0;                 // quantity × unit_price, full precision; 0 when unpriced
};

// Whether a deployment in `status` is charged for its capacity: RUNNING, UPDATING and
// UPDATING_FAILED (the old capacity keeps serving). PENDING, STOPPED, FAILED, DELETING are not.
bool IsBilledStatus(DeploymentStatus status);

// The hourly price of one unit of `spec` on a unit plan (mu, cu): the row's hourly price for a
// replica / its units per replica. Absent for an unknown spec or an unpriced row.
std::optional<double> UnitHourlyPrice(const CatalogModel& model, Plan plan, std::string_view spec);

// What `d`'s capacity costs per hour while billed: capacity × the unit price (mu, cu), or its
// purchased TPM at the pay-as-you-go PTU prices (ptu). Absent for lora (billed per token) and
// where the catalog lacks a needed price.
std::optional<double> EstimateHourlyCost(const Deployment& d, const CatalogModel& model);

// The ledger lines of `history` within `window`, ordered by hour, then item. Quantities of time
// items accrue per millisecond of recorded state; token items count usage records whose time is
// in the window. `model` is the incarnation's catalog model, or null when the catalog no
// longer has it (every line is then unpriced). Items with a zero quantity are left out.
std::vector<BillingLine> BillIncarnation(const IncarnationHistory& history,
                                         const CatalogModel* model, const BillingWindow& window);

// The UTC hour `t` falls in.
SystemTime HourOf(SystemTime t);

}  // namespace berth
