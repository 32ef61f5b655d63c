// JSON codecs of the API: requests decoded into core request structs (wrong types rejected
// with InvalidArgument) and records encoded into the response shapes of docs/api.md.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "common/status.h"
#include "core/catalog.h"
#include "core/deployment.h"
#include "core/requests.h"
#include "runtime/runtime_adapter.h"
#include "store/records.h"

namespace berth {

using OrderedJson = nlohmann::ordered_json;

StatusOr<CreateDeploymentRequest> DecodeCreateRequest(const nlohmann::json& body);
StatusOr<ScaleDeploymentRequest> DecodeScaleRequest(const nlohmann::json& body);
StatusOr<UpdateLimitsRequest> DecodeUpdateLimitsRequest(const nlohmann::json& body);

OrderedJson EncodeDeployment(const Deployment& d);
OrderedJson EncodeEvent(const DeploymentEvent& e);
OrderedJson EncodeReplica(const ReplicaInfo& r);
// Legacy shape of GET /deployments/models: {model_name, base_capacity}.
OrderedJson EncodeModelLegacy(const CatalogModel& m);
// v1.0 shape: {model_name, plans[{plan, templates[...]}], ...}.
OrderedJson EncodeModelV1(const CatalogModel& m);
OrderedJson EncodeWorkspace(const Workspace& w);
OrderedJson EncodeApiKey(const ApiKey& k);
OrderedJson EncodeCustomModel(const CustomModel& m);

}  // namespace berth
