#include "api/cluster_routes.h"

#include <utility>

#include "api/codec.h"
#include "common/time_format.h"

namespace berth {
namespace {

OrderedJson EncodeCluster(const ClusterView& view) {
  OrderedJson instances = OrderedJson::array();
  for (const ClusterInstance& i : view.instances) {
    instances.push_back(OrderedJson{{"instance_id", i.instance_id},
                                    {"address", i.address},
                                    {"hostname", i.hostname},
                                    {"runtime", i.runtime},
                                    {"started", FormatApiTime(i.started)},
                                    {"last_heartbeat", FormatApiTime(i.last_heartbeat)},
                                    {"leader", i.leader}});
  }
  OrderedJson out{
      {"self", view.self}, {"store", view.store}, {"leader", view.leader}, {"term", view.term}};
  out["leader_since"] =
      view.leader_since ? OrderedJson(FormatApiTime(*view.leader_since)) : OrderedJson(nullptr);
  out["instances"] = std::move(instances);
  return out;
}

}  // namespace

void AddClusterRoutes(RouteTable& table, ClusterViewFn view) {
  table.Add({"GET",
             "/api/v1/admin/cluster",
             Access::kAdmin,
             BodyRule::kNone,
             [view = std::move(view)](const ApiCall&) -> StatusOr<OrderedJson> {
               if (!view) return Unavailable("this berth does not report a cluster");
               ASSIGN_OR_RETURN(ClusterView cluster, view());
               return EncodeCluster(cluster);
             },
             {}});
}

}  // namespace berth
