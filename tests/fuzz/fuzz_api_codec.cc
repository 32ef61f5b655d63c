// Fuzz target: the body of POST /api/v1/deployments, PUT …/scale and PUT …/update, read as the
// API reads it (ParseJsonObject, then DecodeCreateRequest / DecodeScaleRequest /
// DecodeUpdateLimitsRequest), then validated as the service does (core/validation.h) against
// the core tests' hand-made models, one per plan. Every decoder sees every input. Properties:
// no crash, leak or UB; what validation accepts is within its documented bounds; an accepted
// deployment encodes to JSON.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../core/test_models.h"
#include "api/codec.h"
#include "api/json_fields.h"
#include "core/validation.h"
#include "fuzz_check.h"

namespace {

using namespace berth;

const std::vector<CatalogModel>& Models() {
  static const std::vector<CatalogModel> models = {testing::MuModel(), testing::PtuModel(),
                                                   testing::LoraModel(), testing::CuModel(),
                                                   testing::MultiPlanModel()};
  return models;
}

const CreateContext& Context() {
  static const CreateContext context{"llm-ws1", "key-abc", FromUnixMillis(1750158038680),
                                     PtuSizing{}};
  return context;
}

void CheckDeployment(const Deployment& d) {
  // ptu capacity counts replicas, bounded by the tpm limits instead.
  FUZZ_CHECK(d.capacity >= 0);
  if (d.plan != Plan::kPtu) FUZZ_CHECK(d.capacity < kMaxCapacityExclusive);
  if (d.ptu_capacity) {
    FUZZ_CHECK(d.ptu_capacity->input_tpm > 0 && d.ptu_capacity->input_tpm <= kMaxPtuTpm);
    FUZZ_CHECK(d.ptu_capacity->output_tpm > 0 && d.ptu_capacity->output_tpm <= kMaxPtuTpm);
  }
  for (const std::optional<int64_t>& limit : {d.rpm_limit, d.tpm_limit}) {
    FUZZ_CHECK(!limit || (*limit >= 1 && *limit <= kMaxLimit));
  }
  (void)EncodeDeployment(d).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The deployment a create of `model` with no options makes: what scale and update act on.
Deployment Baseline(const CatalogModel& model) {
  CreateDeploymentRequest request;
  request.model_name = model.model_name;
  const std::vector<UnitSpec>& specs = model.SpecsFor(model.Plans().front());
  request.capacity = specs.empty() ? 1 : specs.front().units_per_replica;
  StatusOr<Deployment> d = BuildDeployment(request, model, Context());
  FUZZ_CHECK(d.ok());
  return *d;
}

void Create(const nlohmann::json& body) {
  StatusOr<CreateDeploymentRequest> request = DecodeCreateRequest(body);
  if (!request.ok()) return;
  for (const CatalogModel& model : Models()) {
    if (request->model_name && *request->model_name != model.model_name) continue;
    StatusOr<Deployment> d = BuildDeployment(*request, model, Context());
    if (d.ok()) CheckDeployment(*d);
  }
}

void Scale(const nlohmann::json& body) {
  StatusOr<ScaleDeploymentRequest> request = DecodeScaleRequest(body);
  if (!request.ok()) return;
  for (const CatalogModel& model : Models()) {
    Deployment d = Baseline(model);
    if (ApplyScale(*request, Context().ptu_sizing, d).ok()) CheckDeployment(d);
  }
}

void UpdateLimits(const nlohmann::json& body) {
  StatusOr<UpdateLimitsRequest> request = DecodeUpdateLimitsRequest(body);
  if (!request.ok()) return;
  for (const CatalogModel& model : Models()) {
    Deployment d = Baseline(model);
    if (ApplyLimits(*request, d).ok()) CheckDeployment(d);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  StatusOr<nlohmann::json> body = ParseJsonObject(text);
  if (!body.ok()) {
    FUZZ_CHECK(body.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  Create(*body);
  Scale(*body);
  UpdateLimits(*body);
  return 0;
}
