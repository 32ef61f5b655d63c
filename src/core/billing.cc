#include "core/billing.h"

#include <algorithm>
#include <map>
#include <utility>

namespace berth {
namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr double kTokensPerPriceUnit = 1000.0;
constexpr double kInputTpmPerPriceUnit = 10000.0;
constexpr double kOutputTpmPerPriceUnit = 1000.0;

// How fast an item accrues: its quantity per hour of billed time.
struct Rate {
  BillingItem item;
  double per_hour;
};

struct Accrual {
  double quantity = 0;
  int64_t tokens = 0;
};

// Keyed by (hour start in unix ms, item), so iteration lists lines by hour, then item.
using Ledger = std::map<std::pair<int64_t, BillingItem>, Accrual>;

int64_t HourStartMs(int64_t ms) {
  int64_t floor = ms - ms % kHourMs;
  return ms % kHourMs < 0 ? floor - kHourMs : floor;
}

std::vector<Rate> TimeRates(Plan plan, int ready_units, const std::optional<PtuCapacity>& ptu) {
  switch (plan) {
    case Plan::kMu:
    case Plan::kCu:
      return {{BillingItem::kUnits, static_cast<double>(ready_units)}};
    case Plan::kPtu: {
      if (!ptu) return {};
      std::vector<Rate> rates = {
          {BillingItem::kPtuInputTpm, ptu->input_tpm / kInputTpmPerPriceUnit},
          {BillingItem::kPtuOutputTpm, ptu->output_tpm / kOutputTpmPerPriceUnit}};
      if (ptu->thinking_output_tpm) {
        rates.push_back({BillingItem::kPtuThinkingOutputTpm,
                         *ptu->thinking_output_tpm / kOutputTpmPerPriceUnit});
      }
      return rates;
    }
    case Plan::kLora:
      return {};
  }
  return {};
}

// Adds rates × time for [from_ms, to_ms), split at hour boundaries.
void AccrueSpan(int64_t from_ms, int64_t to_ms, const std::vector<Rate>& rates, Ledger& ledger) {
  for (int64_t t = from_ms; t < to_ms;) {
    int64_t hour = HourStartMs(t);
    int64_t stop = std::min(to_ms, hour + kHourMs);
    double hours = static_cast<double>(stop - t) / kHourMs;
    for (const Rate& rate : rates) {
      if (rate.per_hour > 0) ledger[{hour, rate.item}].quantity += rate.per_hour * hours;
    }
    t = stop;
  }
}

// Each event's state lasts until the next event (the last one until now or deletion).
void AccrueTime(const IncarnationHistory& h, const BillingWindow& w, Ledger& ledger) {
  SystemTime last = std::min(w.end, w.now);
  if (h.incarnation.deleted) last = std::min(last, *h.incarnation.deleted);
  const int64_t lo = ToUnixMillis(w.start);
  const int64_t hi = ToUnixMillis(last);
  std::optional<PtuCapacity> ptu = h.incarnation.ptu_capacity;
  for (size_t i = 0; i < h.events.size(); ++i) {
    const DeploymentEvent& e = h.events[i];
    if (e.ptu_capacity) ptu = e.ptu_capacity;  // older records lack it: keep the last known
    int64_t from = std::max(lo, ToUnixMillis(e.time));
    int64_t to = i + 1 < h.events.size() ? std::min(hi, ToUnixMillis(h.events[i + 1].time)) : hi;
    if (from >= to || !IsBilledStatus(e.status)) continue;
    AccrueSpan(from, to, TimeRates(h.incarnation.plan, e.ready_capacity, ptu), ledger);
  }
}

struct TokenItems {
  BillingItem input;
  BillingItem output;
  BillingItem thinking_output;
};

// lora requests are billed per token; of ptu requests only the overflow; mu / cu never.
std::optional<TokenItems> TokenItemsFor(Plan plan, const TokenUsage& u) {
  if (plan == Plan::kLora) {
    return TokenItems{BillingItem::kLoraInputTokens, BillingItem::kLoraOutputTokens,
                      BillingItem::kLoraThinkingOutputTokens};
  }
  if (plan == Plan::kPtu && u.overflow) {
    return TokenItems{BillingItem::kOverflowInputTokens, BillingItem::kOverflowOutputTokens,
                      BillingItem::kOverflowThinkingOutputTokens};
  }
  return std::nullopt;
}

void AddTokens(int64_t hour, BillingItem item, int64_t tokens, Ledger& ledger) {
  if (tokens <= 0) return;
  Accrual& a = ledger[{hour, item}];
  a.tokens += tokens;
  a.quantity = a.tokens / kTokensPerPriceUnit;
}

void AccrueTokens(const IncarnationHistory& h, const BillingWindow& w, Ledger& ledger) {
  for (const TokenUsage& u : h.usage) {
    if (u.time < w.start || u.time >= w.end) continue;
    std::optional<TokenItems> items = TokenItemsFor(h.incarnation.plan, u);
    if (!items) continue;
    int64_t hour = HourStartMs(ToUnixMillis(u.time));
    AddTokens(hour, items->input, u.input_tokens, ledger);
    AddTokens(hour, u.thinking ? items->thinking_output : items->output, u.output_tokens, ledger);
  }
}

std::optional<double> TokenPrice(const CatalogModel& model, BillingItem item) {
  if (!model.token_prices) return std::nullopt;
  const TokenPrices& p = *model.token_prices;
  switch (item) {
    case BillingItem::kLoraInputTokens:
    case BillingItem::kOverflowInputTokens:
      return p.input_per_1k;
    case BillingItem::kLoraOutputTokens:
    case BillingItem::kOverflowOutputTokens:
      return p.output_per_1k_non_thinking;
    default:
      return p.output_per_1k_thinking;  // never the non-thinking price in its place
  }
}

std::optional<double> ItemPrice(const CatalogModel* model, Plan plan, std::string_view spec,
                                BillingItem item) {
  if (model == nullptr) return std::nullopt;
  const PtuPrices& ptu = model->ptu_prices;
  switch (item) {
    case BillingItem::kUnits:
      return UnitHourlyPrice(*model, plan, spec);
    case BillingItem::kPtuInputTpm:
      return ptu.payg_input_per_10k_tpm_hour;
    case BillingItem::kPtuOutputTpm:
      return ptu.payg_output_per_1k_tpm_hour;
    case BillingItem::kPtuThinkingOutputTpm:
      // A row with one output price charges it for thinking output too.
      return ptu.payg_thinking_output_per_1k_tpm_hour ? ptu.payg_thinking_output_per_1k_tpm_hour
                                                      : ptu.payg_output_per_1k_tpm_hour;
    default:
      return TokenPrice(*model, item);
  }
}

BillingLine MakeLine(const Incarnation& i, int64_t hour, BillingItem item, const Accrual& a,
                     std::optional<double> price) {
  BillingLine line;
  line.deployed_model = i.deployed_model;
  line.uid = i.uid;
  line.plan = i.plan;
  line.charge_type = i.charge_type;
  line.billing_method = i.billing_method;
  line.hour = FromUnixMillis(hour);
  line.item = item;
  line.quantity = a.quantity;
  line.tokens = a.tokens;
  line.unit_price = price;
  line.amount = price ? a.quantity * *price : 0.0;
  return line;
}

}  // namespace

std::string ItemName(BillingItem item, Plan plan) {
  switch (item) {
    case BillingItem::kUnits:
      return std::string(PlanName(plan)) + "_units";
    case BillingItem::kPtuInputTpm:
      return "ptu_input_tpm";
    case BillingItem::kPtuOutputTpm:
      return "ptu_output_tpm";
    case BillingItem::kPtuThinkingOutputTpm:
      return "ptu_thinking_output_tpm";
    case BillingItem::kLoraInputTokens:
      return "lora_input_tokens";
    case BillingItem::kLoraOutputTokens:
      return "lora_output_tokens";
    case BillingItem::kLoraThinkingOutputTokens:
      return "lora_thinking_output_tokens";
    case BillingItem::kOverflowInputTokens:
      return "overflow_input_tokens";
    case BillingItem::kOverflowOutputTokens:
      return "overflow_output_tokens";
    case BillingItem::kOverflowThinkingOutputTokens:
      return "overflow_thinking_output_tokens";
  }
  return "unknown";
}

std::string_view ItemUnit(BillingItem item) {
  switch (item) {
    case BillingItem::kUnits:
      return "unit-hour";
    case BillingItem::kPtuInputTpm:
      return "10k-tpm-hour";
    case BillingItem::kPtuOutputTpm:
    case BillingItem::kPtuThinkingOutputTpm:
      return "1k-tpm-hour";
    default:
      return "1k-tokens";
  }
}

bool IsTokenItem(BillingItem item) { return item >= BillingItem::kLoraInputTokens; }

bool IsBilledStatus(DeploymentStatus status) {
  return status == DeploymentStatus::kRunning || status == DeploymentStatus::kUpdating ||
         status == DeploymentStatus::kUpdatingFailed;
}

std::optional<double> UnitHourlyPrice(const CatalogModel& model, Plan plan, std::string_view spec) {
  const UnitSpec* row = model.FindSpec(plan, spec);
  if (row == nullptr || !row->hourly_price || row->units_per_replica <= 0) return std::nullopt;
  return *row->hourly_price / row->units_per_replica;
}

std::optional<double> EstimateHourlyCost(const Deployment& d, const CatalogModel& model) {
  if (d.plan == Plan::kLora) return std::nullopt;
  double total = 0;
  for (const Rate& rate : TimeRates(d.plan, d.capacity, d.ptu_capacity)) {
    std::optional<double> price = ItemPrice(&model, d.plan, d.model_unit_spec, rate.item);
    if (!price) return std::nullopt;
    total += rate.per_hour * *price;
  }
  return total;
}

std::vector<BillingLine> BillIncarnation(const IncarnationHistory& history,
                                         const CatalogModel* model, const BillingWindow& window) {
  Ledger ledger;
  AccrueTime(history, window, ledger);
  AccrueTokens(history, window, ledger);
  const Incarnation& i = history.incarnation;
  std::vector<BillingLine> lines;
  for (const auto& [key, accrual] : ledger) {
    if (accrual.quantity <= 0) continue;
    lines.push_back(MakeLine(i, key.first, key.second, accrual,
                             ItemPrice(model, i.plan, i.model_unit_spec, key.second)));
  }
  return lines;
}

SystemTime HourOf(SystemTime t) { return FromUnixMillis(HourStartMs(ToUnixMillis(t))); }

}  // namespace berth
