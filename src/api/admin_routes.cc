#include "api/admin_routes.h"

#include "api/codec.h"
#include "api/json_fields.h"
#include "service/admin_service.h"

namespace berth {
namespace {

template <typename T, typename Encode>
OrderedJson EncodeList(const char* name, const std::vector<T>& items, Encode encode) {
  OrderedJson list = OrderedJson::array();
  for (const T& item : items) list.push_back(encode(item));
  return OrderedJson{{name, list}, {"total", items.size()}};
}

StatusOr<OrderedJson> CreateKey(const ApiCall& call, AuthService& auth) {
  JsonFields fields(call.body);
  std::string workspace_id = fields.String("workspace_id").value_or(call.caller.workspace_id);
  bool admin = fields.Bool("admin").value_or(false);
  RETURN_IF_ERROR(fields.status());
  ASSIGN_OR_RETURN(NewApiKey created, auth.CreateKey(workspace_id, admin));
  OrderedJson out = EncodeApiKey(created.key);
  out["api_key"] = created.secret;
  return out;
}

StatusOr<OrderedJson> DeleteKey(const ApiCall& call, AuthService& auth) {
  const std::string& key_id = call.params[0];
  RETURN_IF_ERROR(auth.DeleteKey(call.caller, key_id));
  return OrderedJson{{"key_id", key_id}, {"deleted", true}};
}

StatusOr<OrderedJson> RegisterModel(const ApiCall& call, ModelRegistry& models) {
  JsonFields fields(call.body);
  std::optional<std::string> name = fields.String("model_name");
  std::optional<std::string> base = fields.String("base_model");
  const nlohmann::json* plan_list = fields.Array("plans");
  RETURN_IF_ERROR(fields.status());
  if (!name) return InvalidArgument("model_name is required");
  if (!base) return InvalidArgument("base_model is required");
  std::vector<Plan> plans;
  if (!plan_list) plans.push_back(Plan::kLora);
  for (const nlohmann::json& item : plan_list ? *plan_list : nlohmann::json::array()) {
    // No `cond ? ParsePlan(...) : std::nullopt`: g++ 12 at -Os reports a false
    // -Wmaybe-uninitialized for that shape.
    std::optional<Plan> plan;
    if (item.is_string()) plan = ParsePlan(item.get<std::string>());
    if (!plan) return InvalidArgument("plans must be a list of plan names (mu, lora)");
    plans.push_back(*plan);
  }
  ASSIGN_OR_RETURN(CustomModel model, models.Register(*name, *base, plans));
  return EncodeCustomModel(model);
}

}  // namespace

void AddAdminRoutes(RouteTable& table, AuthService& auth, ModelRegistry& models,
                    AdminService& admin) {
  const std::string base = "/api/v1/admin";
  table.Add({"POST",
             base + "/workspaces",
             Access::kAdmin,
             BodyRule::kJson,
             [&auth](const ApiCall& call) -> StatusOr<OrderedJson> {
               JsonFields fields(call.body);
               std::optional<std::string> name = fields.String("name");
               RETURN_IF_ERROR(fields.status());
               if (!name) return InvalidArgument("name is required");
               ASSIGN_OR_RETURN(Workspace w, auth.CreateWorkspace(*name));
               return EncodeWorkspace(w);
             },
             {}});
  table.Add({"GET",
             base + "/workspaces",
             Access::kAdmin,
             BodyRule::kNone,
             [&auth](const ApiCall&) -> StatusOr<OrderedJson> {
               return EncodeList("workspaces", auth.ListWorkspaces(), EncodeWorkspace);
             },
             {}});
  table.Add({"POST",
             base + "/keys",
             Access::kAdmin,
             BodyRule::kJson,
             [&auth](const ApiCall& call) { return CreateKey(call, auth); },
             {}});
  table.Add({"GET",
             base + "/keys",
             Access::kAdmin,
             BodyRule::kNone,
             [&auth](const ApiCall&) -> StatusOr<OrderedJson> {
               return EncodeList("keys", auth.ListKeys(), EncodeApiKey);
             },
             {}});
  table.Add({"DELETE",
             base + "/keys/{key_id}",
             Access::kAdmin,
             BodyRule::kOptionalJson,
             [&auth](const ApiCall& call) { return DeleteKey(call, auth); },
             {}});
  table.Add({"POST",
             base + "/models",
             Access::kAdmin,
             BodyRule::kJson,
             [&models](const ApiCall& call) { return RegisterModel(call, models); },
             {}});
  table.Add({"GET",
             base + "/models",
             Access::kAdmin,
             BodyRule::kNone,
             [&models](const ApiCall&) -> StatusOr<OrderedJson> {
               return EncodeList("models", models.CustomRecords(), EncodeCustomModel);
             },
             {}});
  table.Add({"DELETE",
             base + "/models/{model_name}",
             Access::kAdmin,
             BodyRule::kOptionalJson,
             [&admin](const ApiCall& call) -> StatusOr<OrderedJson> {
               RETURN_IF_ERROR(admin.UnregisterCustomModel(call.params[0]));
               return OrderedJson{{"model_name", call.params[0]}, {"deleted", true}};
             },
             {}});
}

}  // namespace berth
