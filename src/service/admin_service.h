// AdminService: the admin use cases that span several services (removing a custom model only
// when no deployment uses it) and the first-start bootstrap of the default workspace and
// admin key. Blocking; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "service/auth_service.h"
#include "service/model_registry.h"
#include "store/store.h"

namespace berth {

class AdminService {
 public:
  AdminService(Store& store, ModelRegistry& models);

  // Removes custom model `model_name`. FailedPrecondition while deployments of it exist;
  // NotFound ("Model: x not found!") if it is not registered.
  Status UnregisterCustomModel(const std::string& model_name);

 private:
  Store& store_;
  ModelRegistry& models_;
};

struct BootstrapResult {
  Workspace default_workspace;
  std::optional<std::string> generated_key;  // set when a new admin key was generated
};

// Makes sure a default workspace exists; imports `api_key` as an admin key of it if given and
// not yet known; otherwise generates an admin key when no key exists at all.
StatusOr<BootstrapResult> Bootstrap(AuthService& auth, const std::optional<std::string>& api_key);

}  // namespace berth
