// ModelRegistry: the deployable models of this server's region: the catalog plus the custom
// models admins register (kept in the store, cached here). Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/catalog.h"
#include "store/store.h"

namespace berth {

class ModelRegistry {
 public:
  ModelRegistry(Catalog catalog, Store& store, const Clock& clock);

  // Loads the registered custom models from the store.
  Status Load();
  std::optional<CatalogModel> Find(const std::string& model_name) const;
  // Base catalog models, by name.
  const std::vector<CatalogModel>& BaseModels() const { return catalog_.models(); }
  // Registered custom models, by name.
  std::vector<CatalogModel> CustomModels() const;
  std::vector<CustomModel> CustomRecords() const;

  // Registers `model_name` as a fine-tune of `base_model` deployable on `plans` (mu, lora).
  // InvalidArgument for a bad name, unknown base or unsupported plan; AlreadyExists if taken.
  StatusOr<CustomModel> Register(const std::string& model_name, const std::string& base_model,
                                 const std::vector<Plan>& plans);
  // While the returned lock is held, no model can be unregistered: a create holds it from
  // finding its model until its deployment is written.
  std::shared_lock<std::shared_mutex> KeepModels() const;
  // Whether lora deployments of a base model can be served (the process runtime's engines
  // config: a lora_path, an engine that loads adapters): OK or a message for the user.
  // Registering a custom model on plan lora asks it. Set once, before serving requests.
  using LoraCheck = std::function<Status(const std::string& base_model)>;
  void SetLoraCheck(LoraCheck check) { lora_check_ = std::move(check); }
  // Removes `model_name` if `unused` (run first, with every create held off) returns OK;
  // otherwise its error. NotFound if not registered.
  Status Unregister(const std::string& model_name, const std::function<Status()>& unused);

 private:
  std::optional<CatalogModel> Derive(const CustomModel& record) const;

  const Catalog catalog_;
  Store& store_;
  const Clock& clock_;
  mutable std::shared_mutex keep_mu_;  // shared: creates in flight; exclusive: an unregister
  mutable std::mutex mu_;
  std::vector<CustomModel> custom_;  // guarded by mu_
  LoraCheck lora_check_;             // set before serving, then read-only
};

}  // namespace berth
