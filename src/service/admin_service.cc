#include "service/admin_service.h"

namespace berth {

AdminService::AdminService(Store& store, ModelRegistry& models) : store_(store), models_(models) {}

Status AdminService::UnregisterCustomModel(const std::string& model_name) {
  // Checked while no create can run, so a deployment cannot appear between check and removal.
  auto unused = [&]() -> Status {
    ASSIGN_OR_RETURN(std::vector<Deployment> all, store_.ListAllDeployments());
    int in_use = 0;
    for (const Deployment& d : all) in_use += d.model_name == model_name ? 1 : 0;
    if (in_use == 0) return Status::Ok();
    return FailedPrecondition("model " + model_name + " has " + std::to_string(in_use) +
                              " deployment(s); delete them first");
  };
  Status removed = models_.Unregister(model_name, unused);
  if (removed.code() == StatusCode::kNotFound) {
    return NotFound("Model: " + model_name + " not found!");
  }
  return removed;
}

StatusOr<BootstrapResult> Bootstrap(AuthService& auth, const std::optional<std::string>& api_key) {
  BootstrapResult result;
  std::vector<Workspace> workspaces = auth.ListWorkspaces();
  if (workspaces.empty()) {
    ASSIGN_OR_RETURN(result.default_workspace, auth.CreateWorkspace("default"));
  } else {
    result.default_workspace = workspaces.front();
  }
  const std::string& workspace_id = result.default_workspace.workspace_id;
  if (api_key && !api_key->empty()) {
    if (!auth.KnowsSecret(*api_key)) {
      ASSIGN_OR_RETURN(ApiKey imported, auth.ImportKey(workspace_id, *api_key, true));
    }
  } else if (!auth.HasKeys()) {
    ASSIGN_OR_RETURN(NewApiKey generated, auth.CreateKey(workspace_id, true));
    result.generated_key = generated.secret;
  }
  return result;
}

}  // namespace berth
