// The catalog: which models a region can deploy, on which plans and specs, at which prices.
// Built once from data (the seed catalog, extra files, registered custom models) and then
// read-only, so it is safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/deployment.h"

namespace berth {

// One deployable shape of a unit-based plan: "MU1 x 2" is spec "MU1", 2 units per replica.
struct UnitSpec {
  std::string spec;
  int units_per_replica = 1;
  std::optional<double> hourly_price;   // for one replica (units_per_replica units)
  std::optional<double> monthly_price;  // for one replica
  std::string note;
};

struct PtuPrices {
  std::optional<double> payg_input_per_10k_tpm_hour;
  std::optional<double> payg_output_per_1k_tpm_hour;  // non-thinking output where both are listed
  std::optional<double> payg_thinking_output_per_1k_tpm_hour;  // only where listed apart
  std::optional<double> subscription_input_per_10k_tpm_day;
  std::optional<double> subscription_output_per_1k_tpm_day;
  std::optional<int64_t> max_input_tokens;
};

struct TokenPrices {
  std::optional<double> input_per_1k;
  std::optional<double> output_per_1k_non_thinking;
  std::optional<double> output_per_1k_thinking;
};

struct CatalogModel {
  std::string model_name;
  std::string display_name;
  std::string category;
  std::string base_model;  // equals model_name for base models
  bool custom = false;     // a registered fine-tune or adapter

  std::vector<UnitSpec> mu_specs;  // plan mu is offered when non-empty
  std::vector<UnitSpec> cu_specs;  // plan cu is offered when non-empty
  bool ptu = false;                // plan ptu is offered
  PtuPrices ptu_prices;
  bool lora = false;                        // plan lora is offered
  std::optional<TokenPrices> token_prices;  // per-token prices (lora, pay-as-you-go)

  // Offered plans in the order create picks a default from: mu, cu, ptu, lora.
  std::vector<Plan> Plans() const;
  bool Offers(Plan plan) const;
  // The spec with this id for a unit plan (mu, cu), or nullptr.
  const UnitSpec* FindSpec(Plan plan, std::string_view spec) const;
  const std::vector<UnitSpec>& SpecsFor(Plan plan) const;
};

// An immutable list of models of one region, with lookup by name.
class Catalog {
 public:
  Catalog() = default;
  explicit Catalog(std::vector<CatalogModel> models);

  const CatalogModel* Find(std::string_view model_name) const;
  const std::vector<CatalogModel>& models() const { return models_; }

 private:
  std::vector<CatalogModel> models_;  // sorted by model_name
};

// Folds `extra` into `into`: a model of the same name gains the extra's specs (replacing a spec
// with the same id), plans and prices; a new name is appended.
void MergeCatalogModel(std::vector<CatalogModel>& into, CatalogModel extra);

// The custom model `model_name`, deployable on `plans` (mu and/or lora), derived from `base`:
// mu specs come from the base model, token prices from the base's lora prices.
CatalogModel MakeCustomModel(const CatalogModel& base, std::string model_name,
                             const std::vector<Plan>& plans);

}  // namespace berth
