// ServiceEnv: the service layer over a real SqliteStore in a temporary directory, a FakeClock,
// a small hand-made catalog and a ReconcileTrigger that only records ids. Shared by the
// service and api tests. Construct, then check Init().
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "reconcile/trigger.h"
#include "service/admin_service.h"
#include "service/auth_service.h"
#include "service/billing_service.h"
#include "service/deployment_service.h"
#include "service/model_registry.h"
#include "store/sqlite/sqlite_store.h"

namespace berth::testing {

class RecordingTrigger : public ReconcileTrigger {
 public:
  void Trigger(const std::string& deployed_model) override {
    std::lock_guard lock(mu_);
    ids_.push_back(deployed_model);
  }
  std::vector<std::string> ids() {
    std::lock_guard lock(mu_);
    return ids_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> ids_;  // guarded by mu_
};

// qwen3-8b: mu (MU1 x 2) and lora; qwen-max: ptu only; emo: cu (CU x 1).
inline Catalog TestCatalog() {
  CatalogModel qwen3;
  qwen3.model_name = qwen3.base_model = "qwen3-8b";
  qwen3.category = "LLM";
  qwen3.mu_specs = {{"MU1", 2, 20.0, std::nullopt, ""}};
  qwen3.lora = true;
  qwen3.token_prices = TokenPrices{0.001, 0.002, 0.004};
  CatalogModel max;
  max.model_name = max.base_model = "qwen-max";
  max.ptu = true;
  CatalogModel emo;
  emo.model_name = emo.base_model = "emo";
  emo.cu_specs = {{"CU", 1, std::nullopt, std::nullopt, ""}};
  return Catalog({qwen3, max, emo});
}

struct ServiceEnv {
  Status Init() {
    StatusOr<std::unique_ptr<SqliteStore>> opened = SqliteStore::Open(dir.File("berth.db"));
    if (!opened.ok()) return opened.status();
    store = std::move(opened).value();
    models = std::make_unique<ModelRegistry>(TestCatalog(), *store, clock);
    RETURN_IF_ERROR(models->Load());
    auth = std::make_unique<AuthService>(*store, clock);
    RETURN_IF_ERROR(auth->Load());
    deployments = std::make_unique<DeploymentService>(*store, *models, trigger, clock);
    billing = std::make_unique<BillingService>(*store, *models, clock);
    admin = std::make_unique<AdminService>(*store, *models);
    return Status::Ok();
  }

  ScopedTempDir dir;
  FakeClock clock;
  RecordingTrigger trigger;
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<ModelRegistry> models;
  std::unique_ptr<AuthService> auth;
  std::unique_ptr<DeploymentService> deployments;
  std::unique_ptr<BillingService> billing;
  std::unique_ptr<AdminService> admin;
};

}  // namespace berth::testing
