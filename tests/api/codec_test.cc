#include "api/codec.h"

#include <gtest/gtest.h>

#include <string>

namespace berth {
namespace {

using nlohmann::json;

TEST(DecodeCreateRequestTest, ReadsEveryFieldAndIgnoresUnknownOnes) {
  json body = json::parse(R"({
    "model_name": "qwen3-8b", "plan": "mu", "name": "svc", "deploy_spec": "MU1",
    "template_id": "MU1", "billing_method": "POST_PAY", "suffix": "s1", "capacity": 4.0,
    "enable_thinking": false, "max_context_length": 32768, "rpm_limit": 10, "tpm_limit": null,
    "ptu_capacity": {"input_tpm": 20000, "output_tpm": 2000, "thinking_output_tpm": 1000},
    "future_field": {"anything": [1, 2]}
  })");
  StatusOr<CreateDeploymentRequest> r = DecodeCreateRequest(body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->model_name, "qwen3-8b");
  EXPECT_EQ(r->plan, "mu");
  EXPECT_EQ(r->name, "svc");
  EXPECT_EQ(r->deploy_spec, "MU1");
  EXPECT_EQ(r->template_id, "MU1");
  EXPECT_EQ(r->billing_method, "POST_PAY");
  EXPECT_EQ(r->suffix, "s1");
  EXPECT_EQ(r->capacity, 4);
  EXPECT_EQ(r->enable_thinking, false);
  EXPECT_EQ(r->max_context_length, 32768);
  EXPECT_EQ(r->rpm_limit, 10);
  EXPECT_EQ(r->tpm_limit, std::nullopt);
  ASSERT_TRUE(r->ptu_capacity.has_value());
  EXPECT_EQ(r->ptu_capacity->input_tpm, 20000);
  EXPECT_EQ(r->ptu_capacity->output_tpm, 2000);
  EXPECT_EQ(r->ptu_capacity->thinking_output_tpm, 1000);
}

TEST(DecodeCreateRequestTest, MinimalSdkBody) {
  StatusOr<CreateDeploymentRequest> r =
      DecodeCreateRequest(json::parse(R"({"model_name": "qwen3-8b", "capacity": 2})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->capacity, 2);
  EXPECT_FALSE(r->plan.has_value());
  EXPECT_FALSE(r->ptu_capacity.has_value());
  EXPECT_FALSE(r->suffix.has_value());
}

TEST(DecodeCreateRequestTest, TypeErrorsNameTheField) {
  struct Case {
    std::string body;
    std::string message;
  };
  const Case cases[] = {
      {R"({"capacity": "8"})", "capacity must be an integer, got string \"8\""},
      {R"({"capacity": 4.5})", "capacity must be an integer, got number 4.5"},
      {R"({"model_name": 7})", "model_name must be a string, got number 7"},
      {R"({"enable_thinking": "yes"})", "enable_thinking must be a boolean, got string \"yes\""},
      {R"({"ptu_capacity": 5})", "ptu_capacity must be an object, got number 5"},
      {R"({"ptu_capacity": {"input_tpm": "10000"}})",
       "ptu_capacity.input_tpm must be an integer, got string \"10000\""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DecodeCreateRequest(json::parse(c.body)).status(), InvalidArgument(c.message))
        << c.body;
  }
}

TEST(DecodeScaleRequestTest, ClientBodies) {
  // The Python SDK repeats the id in the body.
  StatusOr<ScaleDeploymentRequest> r =
      DecodeScaleRequest(json::parse(R"({"deployed_model": "qwen3-8b-1a2b3c4d", "capacity": 4})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->capacity, 4);
  EXPECT_FALSE(r->ptu_capacity.has_value());

  r = DecodeScaleRequest(json::parse(R"({"ptu_capacity": {"output_tpm": 3000}})"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->ptu_capacity.has_value());
  EXPECT_EQ(r->ptu_capacity->input_tpm, std::nullopt);
  EXPECT_EQ(r->ptu_capacity->output_tpm, 3000);

  // Older bl CLIs send the tpm fields at the top level.
  r = DecodeScaleRequest(json::parse(R"({"input_tpm": 20000, "output_tpm": 2000})"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->ptu_capacity.has_value());
  EXPECT_EQ(r->ptu_capacity->input_tpm, 20000);
  EXPECT_EQ(r->ptu_capacity->output_tpm, 2000);
  EXPECT_FALSE(r->capacity.has_value());

  // The nested object wins over top-level fields.
  r = DecodeScaleRequest(
      json::parse(R"({"ptu_capacity": {"input_tpm": 30000}, "input_tpm": 20000})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ptu_capacity->input_tpm, 30000);

  EXPECT_EQ(DecodeScaleRequest(json::parse(R"({"input_tpm": "x"})")).status(),
            InvalidArgument("input_tpm must be an integer, got string \"x\""));
  EXPECT_EQ(DecodeScaleRequest(json::parse(R"({"capacity": "8"})")).status(),
            InvalidArgument("capacity must be an integer, got string \"8\""));
}

TEST(DecodeUpdateLimitsRequestTest, AbsentNullAndValue) {
  StatusOr<UpdateLimitsRequest> r =
      DecodeUpdateLimitsRequest(json::parse(R"({"rpm_limit": null, "tpm_limit": 5000})"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->rpm_limit.present);
  EXPECT_EQ(r->rpm_limit.value, std::nullopt);
  EXPECT_TRUE(r->tpm_limit.present);
  EXPECT_EQ(r->tpm_limit.value, 5000);

  r = DecodeUpdateLimitsRequest(json::object());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->rpm_limit.present);
  EXPECT_FALSE(r->tpm_limit.present);
  EXPECT_EQ(DecodeUpdateLimitsRequest(json::parse(R"({"rpm_limit": "1"})")).status().code(),
            StatusCode::kInvalidArgument);
}

Deployment Sample(Plan plan) {
  Deployment d;
  d.deployed_model = "qwen3-8b-1a2b3c4d";
  d.name = "svc";
  d.model_name = d.base_model = "qwen3-8b";
  d.workspace_id = "llm-ws1";
  d.plan = plan;
  d.base_capacity = 2;
  d.capacity = 4;
  d.ready_capacity = 2;
  d.creator = "key-1";
  d.modifier = "key-2";
  d.status = DeploymentStatus::kUpdating;
  d.created = FromUnixMillis(1750158038680);
  d.modified = FromUnixMillis(1750158099001);
  if (plan == Plan::kMu) {
    d.model_unit_spec = "MU1";
    d.enable_thinking = true;
    d.max_context_length = 8192;
    d.rpm_limit = 60;
    d.tpm_limit = 6000;
  }
  if (plan == Plan::kPtu) {
    d.ptu_capacity = PtuCapacity{20000, 2000, 1000};
    d.overflow_strategy = "enable";
  }
  return d;
}

TEST(EncodeDeploymentTest, CarriesEverySeedField) {
  json j = json::parse(EncodeDeployment(Sample(Plan::kMu)).dump());
  EXPECT_EQ(j["deployed_model"], "qwen3-8b-1a2b3c4d");
  EXPECT_EQ(j["name"], "svc");
  EXPECT_EQ(j["gmt_create"], "2025-06-17T11:00:38.680");
  EXPECT_EQ(j["gmt_modified"], "2025-06-17T11:01:39.001");
  EXPECT_EQ(j["status"], "UPDATING");
  EXPECT_EQ(j["model_name"], "qwen3-8b");
  EXPECT_EQ(j["base_model"], "qwen3-8b");
  EXPECT_EQ(j["base_capacity"], 2);
  EXPECT_EQ(j["capacity"], 4);
  EXPECT_EQ(j["ready_capacity"], 2);
  EXPECT_EQ(j["workspace_id"], "llm-ws1");
  EXPECT_EQ(j["charge_type"], "post_paid");
  EXPECT_EQ(j["creator"], "key-1");
  EXPECT_EQ(j["modifier"], "key-2");
  EXPECT_EQ(j["plan"], "mu");
  EXPECT_EQ(j["model_unit_spec"], "MU1");
  EXPECT_EQ(j["enable_thinking"], true);
  EXPECT_EQ(j["max_context_length"], 8192);
  EXPECT_EQ(j["rpm_limit"], 60);
  EXPECT_EQ(j["tpm_limit"], 6000);
  EXPECT_FALSE(j.contains("ptu_capacity"));
  EXPECT_FALSE(j.contains("overflow_strategy"));
  EXPECT_FALSE(j.contains("fail_reason"));
}

TEST(EncodeDeploymentTest, PlanSpecificFields) {
  const char* mu_only[] = {"model_unit_spec", "enable_thinking", "max_context_length", "rpm_limit",
                           "tpm_limit"};
  json ptu = json::parse(EncodeDeployment(Sample(Plan::kPtu)).dump());
  EXPECT_EQ(ptu["plan"], "ptu");
  EXPECT_EQ(
      ptu["ptu_capacity"],
      json::parse(R"({"input_tpm": 20000, "output_tpm": 2000, "thinking_output_tpm": 1000})"));
  EXPECT_EQ(ptu["overflow_strategy"], "enable");
  for (const char* field : mu_only) EXPECT_FALSE(ptu.contains(field)) << field;

  Deployment failed = Sample(Plan::kLora);
  failed.status = DeploymentStatus::kFailed;
  failed.fail_reason = "engine exited";
  json lora = json::parse(EncodeDeployment(failed).dump());
  EXPECT_EQ(lora["plan"], "lora");
  EXPECT_EQ(lora["status"], "FAILED");
  EXPECT_EQ(lora["fail_reason"], "engine exited");
  EXPECT_FALSE(lora.contains("ptu_capacity"));
  for (const char* field : mu_only) EXPECT_FALSE(lora.contains(field)) << field;
}

TEST(EncodeModelTest, LegacyAndV1Shapes) {
  CatalogModel m;
  m.model_name = m.base_model = "qwen3-8b";
  m.display_name = "Qwen3 8B";
  m.mu_specs = {{"MU1", 2, 20.0, std::nullopt, ""}};
  m.lora = true;
  EXPECT_EQ(json::parse(EncodeModelLegacy(m).dump()),
            json::parse(R"({"model_name": "qwen3-8b", "base_capacity": 2})"));
  json v1 = json::parse(EncodeModelV1(m).dump());
  EXPECT_EQ(v1["model_source"], "base");
  EXPECT_EQ(v1["supported_plans"], json::parse(R"(["mu", "lora"])"));
  ASSERT_EQ(v1["plans"].size(), 2u);
  EXPECT_EQ(v1["plans"][0]["templates"][0]["template_id"], "MU1");
  EXPECT_EQ(v1["plans"][0]["templates"][0]["capacity_unit_per_instance"], 2);
  EXPECT_EQ(v1["plans"][0]["templates"][0]["hourly_price"], 20.0);
  EXPECT_TRUE(v1["plans"][0]["templates"][0]["monthly_price"].is_null());
}

}  // namespace
}  // namespace berth
