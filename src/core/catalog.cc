#include "core/catalog.h"

#include <algorithm>

namespace berth {

std::vector<Plan> CatalogModel::Plans() const {
  std::vector<Plan> plans;
  if (!mu_specs.empty()) plans.push_back(Plan::kMu);
  if (!cu_specs.empty()) plans.push_back(Plan::kCu);
  if (ptu) plans.push_back(Plan::kPtu);
  if (lora) plans.push_back(Plan::kLora);
  return plans;
}

bool CatalogModel::Offers(Plan plan) const {
  switch (plan) {
    case Plan::kMu:
      return !mu_specs.empty();
    case Plan::kCu:
      return !cu_specs.empty();
    case Plan::kPtu:
      return ptu;
    case Plan::kLora:
      return lora;
  }
  return false;
}

const std::vector<UnitSpec>& CatalogModel::SpecsFor(Plan plan) const {
  static const std::vector<UnitSpec> kNone;
  if (plan == Plan::kMu) return mu_specs;
  if (plan == Plan::kCu) return cu_specs;
  return kNone;
}

const UnitSpec* CatalogModel::FindSpec(Plan plan, std::string_view spec) const {
  for (const UnitSpec& s : SpecsFor(plan)) {
    if (s.spec == spec) return &s;
  }
  return nullptr;
}

Catalog::Catalog(std::vector<CatalogModel> models) : models_(std::move(models)) {
  std::sort(models_.begin(), models_.end(), [](const CatalogModel& a, const CatalogModel& b) {
    return a.model_name < b.model_name;
  });
}

const CatalogModel* Catalog::Find(std::string_view model_name) const {
  auto it = std::lower_bound(
      models_.begin(), models_.end(), model_name,
      [](const CatalogModel& m, std::string_view name) { return m.model_name < name; });
  if (it == models_.end() || it->model_name != model_name) return nullptr;
  return &*it;
}

namespace {

void MergeSpecs(std::vector<UnitSpec>& into, const std::vector<UnitSpec>& extra) {
  for (const UnitSpec& spec : extra) {
    auto same = std::find_if(into.begin(), into.end(),
                             [&](const UnitSpec& s) { return s.spec == spec.spec; });
    if (same != into.end()) {
      *same = spec;
    } else {
      into.push_back(spec);
    }
  }
}

}  // namespace

void MergeCatalogModel(std::vector<CatalogModel>& into, CatalogModel extra) {
  auto same = std::find_if(into.begin(), into.end(),
                           [&](const CatalogModel& m) { return m.model_name == extra.model_name; });
  if (same == into.end()) {
    into.push_back(std::move(extra));
    return;
  }
  MergeSpecs(same->mu_specs, extra.mu_specs);
  MergeSpecs(same->cu_specs, extra.cu_specs);
  if (extra.ptu) {
    same->ptu = true;
    same->ptu_prices = extra.ptu_prices;
  }
  if (extra.lora) same->lora = true;
  if (extra.token_prices) same->token_prices = extra.token_prices;
  if (same->display_name.empty()) same->display_name = extra.display_name;
  if (same->category.empty()) same->category = extra.category;
}

CatalogModel MakeCustomModel(const CatalogModel& base, std::string model_name,
                             const std::vector<Plan>& plans) {
  CatalogModel model;
  model.display_name = model_name;
  model.model_name = std::move(model_name);
  model.category = base.category;
  model.base_model = base.model_name;
  model.custom = true;
  for (Plan plan : plans) {
    if (plan == Plan::kMu) model.mu_specs = base.mu_specs;
    if (plan == Plan::kLora) {
      model.lora = true;
      model.token_prices = base.token_prices;
    }
  }
  return model;
}

}  // namespace berth
