#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/naming.h"
#include "core/validation.h"
#include "test_models.h"

namespace berth {
namespace {

using Edit = std::function<void(CreateDeploymentRequest&)>;

const SystemTime kNow = FromUnixMillis(1750158038680);

CreateContext Context() { return CreateContext{"llm-ws1", "key-abc", kNow, PtuSizing{}}; }

CreateDeploymentRequest Request(const CatalogModel& m, Edit edit = {}) {
  CreateDeploymentRequest r;
  r.model_name = m.model_name;
  if (edit) edit(r);
  return r;
}

Deployment Build(const CatalogModel& m, Edit edit) {
  StatusOr<Deployment> d = BuildDeployment(Request(m, edit), m, Context());
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? *d : Deployment{};
}

TEST(BuildDeploymentTest, MuDefaults) {
  Deployment d = Build(testing::MuModel(), [](auto& r) { r.capacity = 4; });
  EXPECT_EQ(d.plan, Plan::kMu);         // plan omitted: the first offered
  EXPECT_EQ(d.model_unit_spec, "MU1");  // spec omitted: the first spec
  EXPECT_EQ(d.base_capacity, 2);
  EXPECT_EQ(d.capacity, 4);
  EXPECT_EQ(d.DesiredReplicas(), 2);
  EXPECT_EQ(d.ready_capacity, 0);
  EXPECT_EQ(d.name, "qwen-plus");  // name omitted: the model name
  EXPECT_EQ(d.billing_method, "POST_PAY");
  EXPECT_EQ(d.charge_type, "post_paid");
  EXPECT_EQ(d.model_name, "qwen-plus");
  EXPECT_EQ(d.base_model, "qwen-plus");
  EXPECT_EQ(d.workspace_id, "llm-ws1");
  EXPECT_EQ(d.deployed_model, "qwen-plus-" + NameHash("llm-ws1", "qwen-plus"));
  EXPECT_EQ(d.creator, "key-abc");
  EXPECT_EQ(d.modifier, "key-abc");
  EXPECT_EQ(d.created, kNow);
  EXPECT_EQ(d.modified, kNow);
  EXPECT_EQ(d.status, DeploymentStatus::kPending);
  EXPECT_EQ(d.desired, DesiredState::kRunning);
  EXPECT_FALSE(d.ptu_capacity.has_value());
}

TEST(BuildDeploymentTest, MuWithEveryField) {
  Deployment d = Build(testing::MuModel(), [](auto& r) {
    r.plan = "mu";
    r.name = "my service";
    r.template_id = "MU5";
    r.capacity = 3;
    r.suffix = "sample01";
    r.billing_method = "POST_PAY";
    r.enable_thinking = true;
    r.max_context_length = 32768;
    r.rpm_limit = 600;
    r.tpm_limit = 100000;
  });
  EXPECT_EQ(d.name, "my service");
  EXPECT_EQ(d.model_unit_spec, "MU5");
  EXPECT_EQ(d.base_capacity, 1);
  EXPECT_EQ(d.capacity, 3);
  EXPECT_EQ(d.deployed_model, "qwen-plus-" + NameHash("llm-ws1", "qwen-plus") + "-sample01");
  EXPECT_EQ(d.enable_thinking, true);
  EXPECT_EQ(d.max_context_length, 32768);
  EXPECT_EQ(d.rpm_limit, 600);
  EXPECT_EQ(d.tpm_limit, 100000);
}

TEST(BuildDeploymentTest, DeploySpecAndTemplateIdMayAgree) {
  Deployment d = Build(testing::MuModel(), [](auto& r) {
    r.deploy_spec = r.template_id = "MU5";
    r.capacity = 1;
  });
  EXPECT_EQ(d.model_unit_spec, "MU5");
}

TEST(BuildDeploymentTest, DefaultPlanFollowsPlanOrder) {
  Deployment d = Build(testing::MultiPlanModel(), [](auto& r) { r.capacity = 1; });
  EXPECT_EQ(d.plan, Plan::kMu);
  d = Build(testing::CuModel(), [](auto& r) { r.capacity = 1; });
  EXPECT_EQ(d.plan, Plan::kCu);
  EXPECT_EQ(d.model_unit_spec, "CU");
}

TEST(BuildDeploymentTest, PtuDefaultsAndReplicas) {
  Deployment d = Build(testing::PtuModel(), {});
  EXPECT_EQ(d.plan, Plan::kPtu);
  ASSERT_TRUE(d.ptu_capacity.has_value());
  EXPECT_EQ(d.ptu_capacity->input_tpm, 10000);
  EXPECT_EQ(d.ptu_capacity->output_tpm, 1000);
  EXPECT_FALSE(d.ptu_capacity->thinking_output_tpm.has_value());
  EXPECT_EQ(d.base_capacity, 1);
  EXPECT_EQ(d.capacity, 1);
  EXPECT_EQ(d.overflow_strategy, "enable");

  d = Build(testing::PtuModel(), [](auto& r) {
    r.ptu_capacity = PtuCapacityRequest{250000, 2000, std::nullopt};
  });
  EXPECT_EQ(d.capacity, PtuReplicas(*d.ptu_capacity, PtuSizing{}).value());
  EXPECT_EQ(d.capacity, 3);  // 250k input tpm at 100k per replica
}

TEST(BuildDeploymentTest, LoraNeedsCapacityButReportsOne) {
  Deployment d = Build(testing::LoraModel(), [](auto& r) { r.capacity = 8; });
  EXPECT_EQ(d.plan, Plan::kLora);
  EXPECT_EQ(d.capacity, 1);
  EXPECT_EQ(d.base_capacity, 1);
  EXPECT_EQ(d.base_model, "qwen3-8b");
  EXPECT_EQ(d.deployed_model, "qwen3-8b-ft-1");
  d = Build(testing::LoraModel(), [](auto& r) {
    r.capacity = 1;
    r.suffix = "v2";
  });
  EXPECT_EQ(d.deployed_model, "qwen3-8b-ft-1-v2");
}

TEST(BuildDeploymentTest, CapacityZeroIsAllowed) {
  Deployment d = Build(testing::MuModel(), [](auto& r) { r.capacity = 0; });
  EXPECT_EQ(d.capacity, 0);
  EXPECT_EQ(d.DesiredReplicas(), 0);
}

struct ErrorCase {
  std::string label;
  CatalogModel model;
  Edit edit;
  std::string message;  // exact, or a fragment when `exact` is false
  bool exact = false;
};

TEST(BuildDeploymentTest, ErrorsNameTheField) {
  const CatalogModel mu = testing::MuModel(), ptu = testing::PtuModel();
  const CatalogModel lora = testing::LoraModel(), cu = testing::CuModel();
  CatalogModel bare;
  bare.model_name = "bare";
  auto cap = [](int64_t n) { return [n](CreateDeploymentRequest& r) { r.capacity = n; }; };
  const ErrorCase cases[] = {
      {"unknown plan", mu,
       [](auto& r) {
         r.plan = "xyz";
         r.capacity = 2;
       },
       "plan 'xyz' is not one of mu, ptu, lora, cu", true},
      {"plan not offered", mu, [](auto& r) { r.plan = "ptu"; },
       "model qwen-plus cannot be deployed on plan ptu; its plans are: mu", true},
      {"spec not offered", mu,
       [](auto& r) {
         r.deploy_spec = "MU9";
         r.capacity = 2;
       },
       "deploy_spec 'MU9' is not offered for model qwen-plus; its specs are: MU1, MU5", true},
      {"template not offered", mu,
       [](auto& r) {
         r.template_id = "MU9";
         r.capacity = 2;
       },
       "'MU9' is not offered"},
      {"spec vs template", mu,
       [](auto& r) {
         r.deploy_spec = "MU1";
         r.template_id = "MU5";
         r.capacity = 2;
       },
       "deploy_spec 'MU1' and template_id 'MU5' disagree; send one of them", true},
      {"mu capacity missing", mu, {}, "capacity is required for plan mu (a multiple of 2)", true},
      {"cu capacity missing", cu, {}, "capacity is required for plan cu"},
      {"capacity not multiple", mu, cap(3),
       "Invalid capacity (3), capacity must be larger than or equal to 0 and multiples of 2 and "
       "less than 1000!",
       true},
      {"capacity negative", mu, cap(-2),
       "Invalid capacity (-2), capacity must be larger than or equal to 0 and multiples of 2 and "
       "less than 1000!",
       true},
      {"capacity 1000", mu, cap(1000),
       "Invalid capacity (1000), capacity must be larger than or equal to 0 and multiples of 2 "
       "and less than 1000!",
       true},
      {"capacity huge", mu, cap(int64_t{1} << 40), "Invalid capacity (1099511627776)"},
      {"ptu_capacity on mu", mu,
       [](auto& r) {
         r.capacity = 2;
         r.ptu_capacity = PtuCapacityRequest{};
       },
       "ptu_capacity applies only to plan ptu, not mu", true},
      {"rpm_limit on ptu", ptu, [](auto& r) { r.rpm_limit = 10; },
       "rpm_limit applies only to plan mu, not ptu", true},
      {"tpm_limit on cu", cu,
       [](auto& r) {
         r.capacity = 1;
         r.tpm_limit = 10;
       },
       "tpm_limit applies only to plan mu, not cu", true},
      {"enable_thinking on lora", lora,
       [](auto& r) {
         r.capacity = 1;
         r.enable_thinking = true;
       },
       "enable_thinking applies only to plan mu"},
      {"deploy_spec on ptu", ptu, [](auto& r) { r.deploy_spec = "MU1"; },
       "deploy_spec applies only to plan mu or cu, not ptu", true},
      {"ptu input not multiple", ptu,
       [](auto& r) {
         r.ptu_capacity = PtuCapacityRequest{15000, 1000, std::nullopt};
       },
       "ptu_capacity.input_tpm must be a multiple of 10000 between 10000 and 1000000000, got "
       "15000",
       true},
      {"ptu input zero", ptu,
       [](auto& r) {
         r.ptu_capacity = PtuCapacityRequest{0, std::nullopt, std::nullopt};
       },
       "ptu_capacity.input_tpm must be a multiple of 10000"},
      {"ptu output zero", ptu,
       [](auto& r) {
         r.ptu_capacity = PtuCapacityRequest{10000, 0, std::nullopt};
       },
       "ptu_capacity.output_tpm must be a multiple of 1000 between 1000 and 1000000000, got 0",
       true},
      {"ptu thinking not multiple", ptu,
       [](auto& r) {
         r.ptu_capacity = PtuCapacityRequest{std::nullopt, std::nullopt, 1500};
       },
       "ptu_capacity.thinking_output_tpm must be a multiple of 1000"},
      {"lora capacity missing", lora, {}, "capacity is required (it has no effect for lora)", true},
      {"context length zero", mu,
       [](auto& r) {
         r.capacity = 2;
         r.max_context_length = 0;
       },
       "max_context_length must be between 1 and 1000000, got 0", true},
      {"context length too long", mu,
       [](auto& r) {
         r.capacity = 2;
         r.max_context_length = 1000001;
       },
       "max_context_length must be between 1 and 1000000, got 1000001", true},
      {"rpm zero", mu,
       [](auto& r) {
         r.capacity = 2;
         r.rpm_limit = 0;
       },
       "rpm_limit must be between 1 and"},
      {"pre pay", mu,
       [](auto& r) {
         r.capacity = 2;
         r.billing_method = "PRE_PAY";
       },
       "billing_method 'PRE_PAY' is not supported; the only billing method is POST_PAY", true},
      {"bad suffix", mu,
       [](auto& r) {
         r.capacity = 2;
         r.suffix = "Bad-1";
       },
       "suffix 'Bad-1'"},
      {"empty name", mu,
       [](auto& r) {
         r.capacity = 2;
         r.name = "";
       },
       "name must not be empty", true},
      {"no plans", bare, [](auto& r) { r.capacity = 2; }, "model bare has no deployable plan",
       true},
  };
  for (const ErrorCase& c : cases) {
    StatusOr<Deployment> d = BuildDeployment(Request(c.model, c.edit), c.model, Context());
    ASSERT_FALSE(d.ok()) << c.label << ": accepted";
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument) << c.label;
    if (c.exact) {
      EXPECT_EQ(d.status().message(), c.message) << c.label;
    } else {
      EXPECT_NE(d.status().message().find(c.message), std::string::npos)
          << c.label << ": " << d.status().message();
    }
  }
}

TEST(ValidateCapacityTest, Table) {
  struct Case {
    int64_t capacity;
    int base;
    bool ok;
  };
  const Case cases[] = {{0, 2, true},   {2, 2, true},   {998, 2, true},   {999, 1, true},
                        {1, 2, false},  {-1, 1, false}, {1000, 1, false}, {1000, 2, false},
                        {10, 4, false}, {12, 4, true},  {4, 0, false}};
  for (const Case& c : cases) {
    Status s = ValidateCapacity(c.capacity, c.base);
    EXPECT_EQ(s.ok(), c.ok) << c.capacity << " base " << c.base << ": " << s.ToString();
  }
}

TEST(PtuReplicasTest, Table) {
  struct Case {
    PtuCapacity capacity;
    PtuSizing sizing;
    int replicas;
  };
  const PtuSizing standard;  // 100k input, 10k output per replica
  const Case cases[] = {
      {{10000, 1000, std::nullopt}, standard, 1},
      {{100000, 10000, std::nullopt}, standard, 1},
      {{100001, 1000, std::nullopt}, standard, 2},
      {{250000, 1000, std::nullopt}, standard, 3},
      {{10000, 25000, std::nullopt}, standard, 3},
      {{10000, 25000, 6000}, standard, 4},  // thinking output counts as output
      {{10000, 1000, std::nullopt}, PtuSizing{5000, 500}, 2},
      {{0, 0, std::nullopt}, standard, 1},  // at least one replica
  };
  for (const Case& c : cases) {
    StatusOr<int> replicas = PtuReplicas(c.capacity, c.sizing);
    ASSERT_TRUE(replicas.ok()) << replicas.status().message();
    EXPECT_EQ(*replicas, c.replicas) << c.capacity.input_tpm << "/" << c.capacity.output_tpm;
  }
}

// A normal key could ask for 200,000 replicas (every tpm field at its maximum); ptu capacity is
// bounded like mu capacity: fewer than 1000 replicas.
TEST(PtuReplicasTest, BoundedBelowAThousandReplicas) {
  const PtuSizing standard;  // 100k input, 10k output per replica
  EXPECT_EQ(PtuReplicas({99900000, 9990000, std::nullopt}, standard).value(), 999);
  EXPECT_EQ(PtuReplicas({100000000, 1000, std::nullopt}, standard).status(),
            InvalidArgument("ptu_capacity.input_tpm 100000000 needs 1000 replicas of 100000 tpm "
                            "each; at most 999 replicas are allowed (up to 99900000 tpm)"));
  EXPECT_EQ(PtuReplicas({10000, 9990000, 1000}, standard).status(),
            InvalidArgument("ptu_capacity.output_tpm + thinking_output_tpm 9991000 needs 1000 "
                            "replicas of 10000 tpm each; at most 999 replicas are allowed (up to "
                            "9990000 tpm)"));
  CreateDeploymentRequest request;
  request.ptu_capacity = PtuCapacityRequest{1000000000, 1000000000, 1000000000};
  StatusOr<Deployment> built = BuildDeployment(request, testing::PtuModel(), Context());
  EXPECT_EQ(built.status(),
            InvalidArgument("ptu_capacity.input_tpm 1000000000 needs 10000 replicas of 100000 tpm "
                            "each; at most 999 replicas are allowed (up to 99900000 tpm)"));
}

}  // namespace
}  // namespace berth
