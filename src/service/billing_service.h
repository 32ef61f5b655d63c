// BillingService: the billing ledger of the caller's workspace over a time range, derived on
// every request from the store's incarnations, events and usage records and priced with this
// region's catalog (so it is exact after a restart and counts nothing twice). Also prices the
// capacity of a deployment for the create and scale answers.
// Blocking (store reads); thread-safe; call from worker threads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/billing.h"
#include "service/caller.h"
#include "service/model_registry.h"
#include "store/store.h"

namespace berth {

struct BillingQuery {
  SystemTime start;
  SystemTime end;
  std::optional<std::string> deployed_model;  // only this deployment's lines
};

struct BillingReport {
  SystemTime start;
  SystemTime end;
  std::string currency;
  std::vector<BillingLine> lines;  // by hour, then deployed_model, then item
  double total_amount = 0;         // sum of the priced lines, full precision
  int64_t unpriced_tokens = 0;     // tokens of lines the catalog has no price for
  int64_t unpriced_lines = 0;      // lines of any item the catalog has no price for
};

class BillingService {
 public:
  // The longest range one query may cover.
  static constexpr std::chrono::hours kMaxRange{24 * 31};

  // `currency` is the catalog's: the seed's prices are in USD for every region.
  BillingService(Store& store, const ModelRegistry& models, const Clock& clock,
                 std::string currency = "USD");

  // InvalidArgument when end <= start or the range is longer than kMaxRange (what Report checks).
  static Status ValidateRange(const BillingQuery& query);

  // The ledger of the caller's workspace for [start, end). InvalidArgument when end <= start
  // or the range is longer than kMaxRange. An unknown deployed_model yields no lines.
  StatusOr<BillingReport> Report(const Caller& caller, const BillingQuery& query) const;

  // What `d`'s capacity costs per hour at this region's prices; absent for lora (per token)
  // and for models or specs without a price.
  std::optional<double> EstimateHourlyCost(const Deployment& d) const;

  const std::string& currency() const { return currency_; }

 private:
  StatusOr<IncarnationHistory> LoadHistory(const Incarnation& incarnation,
                                           const BillingQuery& query) const;

  Store& store_;
  const ModelRegistry& models_;
  const Clock& clock_;
  const std::string currency_;
};

}  // namespace berth
