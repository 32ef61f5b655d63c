#include "api/deployment_routes.h"

#include "api/billing_codec.h"
#include "api/codec.h"
#include "api/json_fields.h"

namespace berth {
namespace {

constexpr int64_t kMaxPageSize = 200;

StatusOr<OrderedJson> EncodeOne(StatusOr<Deployment> d) {
  if (!d.ok()) return d.status();
  return EncodeDeployment(*d);
}

// GET also says why the deployment is waiting for room, while it is.
StatusOr<OrderedJson> EncodeWithWait(StatusOr<Deployment> d, DeploymentService& svc) {
  if (!d.ok()) return d.status();
  OrderedJson j = EncodeDeployment(*d);
  std::string waiting = svc.WaitingReason(*d);
  if (!waiting.empty()) j["waiting_reason"] = waiting;
  return j;
}

// The create and scale answers also say what the new capacity costs per hour.
StatusOr<OrderedJson> EncodeWithCost(StatusOr<Deployment> d, const BillingService* billing) {
  if (!d.ok()) return d.status();
  OrderedJson j = EncodeDeployment(*d);
  if (billing != nullptr) {
    j["estimated_hourly_cost"] =
        EncodeHourlyCost(d->plan, billing->EstimateHourlyCost(*d), billing->currency());
  }
  return j;
}

struct Page {
  int64_t page_no;
  int64_t page_size;
};

StatusOr<Page> ReadPage(const ApiCall& call) {
  ASSIGN_OR_RETURN(int64_t page_no, call.QueryInt("page_no", 1, 1, 1000000));
  ASSIGN_OR_RETURN(int64_t page_size, call.QueryInt("page_size", 50, 1, kMaxPageSize));
  return Page{page_no, page_size};
}

StatusOr<OrderedJson> ListModels(const ApiCall& call, const ModelRegistry& models) {
  ASSIGN_OR_RETURN(Page page, ReadPage(call));
  const std::string* source = call.Query("model_source");
  bool custom = source && *source == "custom";
  if (source && !custom && *source != "base" && *source != "public") {
    return InvalidArgument("model_source must be base or custom, got '" + *source + "'");
  }
  const std::string* version = call.Query("version");
  if (version && !version->empty() && *version != "v1.0") {
    return InvalidArgument("version must be v1.0 (or absent for the legacy shape), got '" +
                           *version + "'");
  }
  bool v1 = version && *version == "v1.0";
  std::vector<CatalogModel> all = custom ? models.CustomModels() : models.BaseModels();
  OrderedJson list = OrderedJson::array();
  int64_t first = (page.page_no - 1) * page.page_size;
  for (int64_t i = first; i < int64_t(all.size()) && i < first + page.page_size; ++i) {
    list.push_back(v1 ? EncodeModelV1(all[i]) : EncodeModelLegacy(all[i]));
  }
  return OrderedJson{{"page_no", page.page_no},
                     {"page_size", page.page_size},
                     {"total", all.size()},
                     {"models", list}};
}

StatusOr<OrderedJson> ListDeployments(const ApiCall& call, DeploymentService& deployments) {
  ASSIGN_OR_RETURN(Page page, ReadPage(call));
  ListDeploymentsQuery query;
  query.page_no = static_cast<int>(page.page_no);
  query.page_size = static_cast<int>(page.page_size);
  if (const std::string* plan = call.Query("plan"); plan && !plan->empty()) {
    query.plan = ParsePlan(*plan);
    if (!query.plan) return InvalidArgument("plan must be one of mu, ptu, lora, cu");
  }
  ASSIGN_OR_RETURN(DeploymentPage result, deployments.List(call.caller, query));
  OrderedJson list = OrderedJson::array();
  for (const Deployment& d : result.items) list.push_back(EncodeDeployment(d));
  // Moved in, not copied: an initializer list would copy every encoded deployment once more.
  OrderedJson out{
      {"page_no", page.page_no}, {"page_size", page.page_size}, {"total", result.total}};
  out["deployments"] = std::move(list);
  return out;
}

StatusOr<OrderedJson> ListEvents(const ApiCall& call, DeploymentService& deployments) {
  ASSIGN_OR_RETURN(std::vector<DeploymentEvent> events,
                   deployments.Events(call.caller, call.params[0]));
  OrderedJson list = OrderedJson::array();
  for (const DeploymentEvent& e : events) list.push_back(EncodeEvent(e));
  return OrderedJson{{"deployed_model", call.params[0]}, {"events", list}};
}

StatusOr<OrderedJson> ListReplicas(const ApiCall& call, DeploymentService& deployments) {
  ASSIGN_OR_RETURN(std::vector<ReplicaInfo> replicas,
                   deployments.Replicas(call.caller, call.params[0]));
  OrderedJson list = OrderedJson::array();
  for (const ReplicaInfo& r : replicas) list.push_back(EncodeReplica(r));
  return OrderedJson{{"deployed_model", call.params[0]}, {"replicas", list}};
}

// tail_bytes: how much of the log's end to answer (from a line start).
StatusOr<OrderedJson> ReplicaLog(const ApiCall& call, DeploymentService& deployments) {
  ASSIGN_OR_RETURN(int64_t tail_bytes, call.QueryInt("tail_bytes", 16384, 1, 262144));
  ASSIGN_OR_RETURN(LogTail tail, deployments.ReplicaLog(call.caller, call.params[0], call.params[1],
                                                        static_cast<size_t>(tail_bytes)));
  return OrderedJson{{"deployed_model", call.params[0]},
                     {"replica_id", call.params[1]},
                     {"log", tail.text},
                     {"truncated", tail.truncated}};
}

}  // namespace

void AddDeploymentRoutes(RouteTable& table, DeploymentService& deployments,
                         const ModelRegistry& models, const BillingService* billing) {
  const std::string base = "/api/v1/deployments";
  DeploymentService* svc = &deployments;
  table.Add({"GET",
             base + "/models",
             Access::kUser,
             BodyRule::kNone,
             [&models](const ApiCall& call) { return ListModels(call, models); },
             {}});
  table.Add({"POST",
             base,
             Access::kUser,
             BodyRule::kJson,
             [svc, billing](const ApiCall& call) -> StatusOr<OrderedJson> {
               ASSIGN_OR_RETURN(CreateDeploymentRequest request, DecodeCreateRequest(call.body));
               return EncodeWithCost(svc->Create(call.caller, request), billing);
             },
             {}});
  table.Add({"GET",
             base,
             Access::kUser,
             BodyRule::kNone,
             [svc](const ApiCall& call) { return ListDeployments(call, *svc); },
             {}});
  table.Add({"GET",
             base + "/{id}",
             Access::kUser,
             BodyRule::kNone,
             [svc](const ApiCall& call) {
               return EncodeWithWait(svc->Get(call.caller, call.params[0]), *svc);
             },
             {}});
  table.Add(
      {"DELETE",
       base + "/{id}",
       Access::kUser,
       BodyRule::kOptionalJson,
       [svc](const ApiCall& call) { return EncodeOne(svc->Delete(call.caller, call.params[0])); },
       {}});
  table.Add({"PUT",
             base + "/{id}/scale",
             Access::kUser,
             BodyRule::kJson,
             [svc, billing](const ApiCall& call) -> StatusOr<OrderedJson> {
               ASSIGN_OR_RETURN(ScaleDeploymentRequest request, DecodeScaleRequest(call.body));
               return EncodeWithCost(svc->Scale(call.caller, call.params[0], request), billing);
             },
             {}});
  table.Add({"PUT",
             base + "/{id}/update",
             Access::kUser,
             BodyRule::kJson,
             [svc](const ApiCall& call) -> StatusOr<OrderedJson> {
               ASSIGN_OR_RETURN(UpdateLimitsRequest request, DecodeUpdateLimitsRequest(call.body));
               return EncodeOne(svc->UpdateLimits(call.caller, call.params[0], request));
             },
             {}});
  table.Add({"PUT",
             base + "/{id}/update-overflowstrategy",
             Access::kUser,
             BodyRule::kJson,
             [svc](const ApiCall& call) -> StatusOr<OrderedJson> {
               JsonFields fields(call.body);
               std::optional<std::string> strategy = fields.String("overflow_strategy");
               RETURN_IF_ERROR(fields.status());
               if (!strategy) return InvalidArgument("overflow_strategy is required");
               return EncodeOne(
                   svc->UpdateOverflowStrategy(call.caller, call.params[0], *strategy));
             },
             {}});
  table.Add(
      {"PUT",
       base + "/{id}/stop",
       Access::kUser,
       BodyRule::kOptionalJson,
       [svc](const ApiCall& call) { return EncodeOne(svc->Stop(call.caller, call.params[0])); },
       {}});
  table.Add(
      {"PUT",
       base + "/{id}/start",
       Access::kUser,
       BodyRule::kOptionalJson,
       [svc](const ApiCall& call) { return EncodeOne(svc->Start(call.caller, call.params[0])); },
       {}});
  table.Add({"GET",
             base + "/{id}/events",
             Access::kUser,
             BodyRule::kNone,
             [svc](const ApiCall& call) { return ListEvents(call, *svc); },
             {}});
  table.Add({"GET",
             base + "/{id}/replicas",
             Access::kUser,
             BodyRule::kNone,
             [svc](const ApiCall& call) { return ListReplicas(call, *svc); },
             {}});
  table.Add({"GET",
             base + "/{id}/replicas/{replica_id}/log",
             Access::kUser,
             BodyRule::kNone,
             [svc](const ApiCall& call) { return ReplicaLog(call, *svc); },
             {}});
}

}  // namespace berth
