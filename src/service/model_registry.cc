#include "service/model_registry.h"

#include <algorithm>

#include "core/naming.h"

namespace berth {

ModelRegistry::ModelRegistry(Catalog catalog, Store& store, const Clock& clock)
    : catalog_(std::move(catalog)), store_(store), clock_(clock) {}

Status ModelRegistry::Load() {
  ASSIGN_OR_RETURN(std::vector<CustomModel> records, store_.ListCustomModels());
  std::lock_guard lock(mu_);
  custom_ = std::move(records);
  return Status::Ok();
}

std::optional<CatalogModel> ModelRegistry::Derive(const CustomModel& record) const {
  const CatalogModel* base = catalog_.Find(record.base_model);
  if (!base) return std::nullopt;
  return MakeCustomModel(*base, record.model_name, record.plans);
}

std::optional<CatalogModel> ModelRegistry::Find(const std::string& model_name) const {
  if (const CatalogModel* model = catalog_.Find(model_name)) return *model;
  std::lock_guard lock(mu_);
  for (const CustomModel& record : custom_) {
    if (record.model_name == model_name) return Derive(record);
  }
  return std::nullopt;
}

std::vector<CatalogModel> ModelRegistry::CustomModels() const {
  std::lock_guard lock(mu_);
  std::vector<CatalogModel> models;
  for (const CustomModel& record : custom_) {
    if (std::optional<CatalogModel> model = Derive(record)) models.push_back(std::move(*model));
  }
  std::sort(models.begin(), models.end(), [](const CatalogModel& a, const CatalogModel& b) {
    return a.model_name < b.model_name;
  });
  return models;
}

std::vector<CustomModel> ModelRegistry::CustomRecords() const {
  std::lock_guard lock(mu_);
  return custom_;
}

StatusOr<CustomModel> ModelRegistry::Register(const std::string& model_name,
                                              const std::string& base_model,
                                              const std::vector<Plan>& plans) {
  RETURN_IF_ERROR(ValidateModelName(model_name));
  const CatalogModel* base = catalog_.Find(base_model);
  if (!base) return InvalidArgument("base_model '" + base_model + "' is not in the catalog");
  if (plans.empty()) return InvalidArgument("plans must name at least one plan");
  for (Plan plan : plans) {
    if (plan == Plan::kMu && base->mu_specs.empty()) {
      return InvalidArgument("base_model " + base_model + " has no mu specs to deploy on");
    }
    if (plan != Plan::kMu && plan != Plan::kLora) {
      return InvalidArgument("custom models deploy on plans mu and lora, not " +
                             std::string(PlanName(plan)));
    }
  }
  if (catalog_.Find(model_name)) {
    return AlreadyExists("model " + model_name + " is a catalog model");
  }
  bool lora = std::find(plans.begin(), plans.end(), Plan::kLora) != plans.end();
  if (Status servable = lora && lora_check_ ? lora_check_(base_model) : Status::Ok();
      !servable.ok()) {
    return InvalidArgument("custom model " + model_name + " cannot be served on plan lora: " +
                           servable.message());
  }
  CustomModel record{model_name, base_model, plans, clock_.Now()};
  std::lock_guard lock(mu_);  // held across the write so two registrations cannot interleave
  RETURN_IF_ERROR(store_.CreateCustomModel(record));
  custom_.push_back(record);
  return record;
}

std::shared_lock<std::shared_mutex> ModelRegistry::KeepModels() const {
  return std::shared_lock(keep_mu_);
}

Status ModelRegistry::Unregister(const std::string& model_name,
                                 const std::function<Status()>& unused) {
  std::unique_lock no_creates(keep_mu_);
  RETURN_IF_ERROR(unused());
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(store_.DeleteCustomModel(model_name));
  std::erase_if(custom_, [&](const CustomModel& m) { return m.model_name == model_name; });
  return Status::Ok();
}

}  // namespace berth
