#include <gtest/gtest.h>

#include <string>

#include "core/validation.h"

namespace berth {
namespace {

Deployment MuDeployment() {
  Deployment d;
  d.deployed_model = "qwen-plus-12345678";
  d.plan = Plan::kMu;
  d.model_unit_spec = "MU1";
  d.base_capacity = 2;
  d.capacity = 4;
  d.rpm_limit = 100;
  d.tpm_limit = 5000;
  return d;
}

Deployment PtuDeployment() {
  Deployment d;
  d.deployed_model = "qwen-max-12345678";
  d.plan = Plan::kPtu;
  d.base_capacity = 1;
  d.ptu_capacity = PtuCapacity{200000, 2000, std::nullopt};
  d.capacity = 2;
  return d;
}

ScaleDeploymentRequest Capacity(int64_t n) { return ScaleDeploymentRequest{n, std::nullopt}; }

TEST(ApplyScaleTest, MuAcceptsMultiplesOfBaseCapacity) {
  const int64_t ok[] = {0, 2, 6, 998};
  for (int64_t n : ok) {
    Deployment d = MuDeployment();
    ASSERT_TRUE(ApplyScale(Capacity(n), PtuSizing{}, d).ok()) << n;
    EXPECT_EQ(d.capacity, n);
  }
}

TEST(ApplyScaleTest, MuRejectsBadCapacityAndLeavesItUnchanged) {
  struct Case {
    ScaleDeploymentRequest request;
    std::string message;
  };
  const Case cases[] = {
      {Capacity(3),
       "Invalid capacity (3), capacity must be larger than or equal to 0 and multiples of 2 and "
       "less than 1000!"},
      {Capacity(-2),
       "Invalid capacity (-2), capacity must be larger than or equal to 0 and multiples of 2 and "
       "less than 1000!"},
      {Capacity(1000),
       "Invalid capacity (1000), capacity must be larger than or equal to 0 and multiples of 2 "
       "and less than 1000!"},
      {ScaleDeploymentRequest{}, "capacity is required"},
      {ScaleDeploymentRequest{4, PtuCapacityRequest{20000, 1000, std::nullopt}},
       "ptu_capacity applies only to plan ptu, not mu"},
  };
  for (const Case& c : cases) {
    Deployment d = MuDeployment();
    Status s = ApplyScale(c.request, PtuSizing{}, d);
    EXPECT_EQ(s, InvalidArgument(c.message));
    EXPECT_EQ(d.capacity, 4) << c.message;
  }
}

TEST(ApplyScaleTest, CuUsesItsOwnBase) {
  Deployment d;
  d.plan = Plan::kCu;
  d.base_capacity = 1;
  d.capacity = 1;
  ASSERT_TRUE(ApplyScale(Capacity(3), PtuSizing{}, d).ok());
  EXPECT_EQ(d.capacity, 3);
}

TEST(ApplyScaleTest, PtuMergesPartialCapacity) {
  Deployment d = PtuDeployment();
  ScaleDeploymentRequest r;
  r.ptu_capacity = PtuCapacityRequest{std::nullopt, 30000, std::nullopt};
  ASSERT_TRUE(ApplyScale(r, PtuSizing{}, d).ok());
  ASSERT_TRUE(d.ptu_capacity.has_value());
  EXPECT_EQ(d.ptu_capacity->input_tpm, 200000);  // kept
  EXPECT_EQ(d.ptu_capacity->output_tpm, 30000);
  EXPECT_EQ(d.capacity, 3);  // 30k output at 10k per replica

  r.ptu_capacity = PtuCapacityRequest{10000, 1000, std::nullopt};
  ASSERT_TRUE(ApplyScale(r, PtuSizing{}, d).ok());
  EXPECT_EQ(d.capacity, 1);
}

TEST(ApplyScaleTest, PtuErrors) {
  struct Case {
    ScaleDeploymentRequest request;
    std::string message;
  };
  const Case cases[] = {
      {Capacity(2), "ptu deployments scale by ptu_capacity, not capacity"},
      {ScaleDeploymentRequest{}, "ptu_capacity is required"},
      {ScaleDeploymentRequest{std::nullopt, PtuCapacityRequest{5000, std::nullopt, std::nullopt}},
       "ptu_capacity.input_tpm must be a multiple of 10000 between 10000 and 1000000000, got "
       "5000"},
      {ScaleDeploymentRequest{std::nullopt, PtuCapacityRequest{std::nullopt, 1000000000, 0}},
       "ptu_capacity.output_tpm + thinking_output_tpm 1000000000 needs 100000 replicas of 10000 "
       "tpm each; at most 999 replicas are allowed (up to 9990000 tpm)"},
  };
  for (const Case& c : cases) {
    Deployment d = PtuDeployment();
    EXPECT_EQ(ApplyScale(c.request, PtuSizing{}, d), InvalidArgument(c.message));
    EXPECT_EQ(d.ptu_capacity, (PtuCapacity{200000, 2000, std::nullopt}));
    EXPECT_EQ(d.capacity, 2);
  }
}

TEST(ApplyScaleTest, LoraCannotScale) {
  Deployment d;
  d.plan = Plan::kLora;
  d.capacity = 1;
  Status s = ApplyScale(Capacity(2), PtuSizing{}, d);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_EQ(d.capacity, 1);
}

UpdateLimitsRequest Limits(LimitChange rpm, LimitChange tpm) {
  return UpdateLimitsRequest{rpm, tpm};
}
const LimitChange kAbsent{false, std::nullopt};
const LimitChange kNull{true, std::nullopt};
LimitChange Value(int64_t v) { return LimitChange{true, v}; }

TEST(ApplyLimitsTest, Table) {
  struct Case {
    std::string label;
    UpdateLimitsRequest request;
    std::optional<int64_t> rpm, tpm;
  };
  const Case cases[] = {
      {"rpm only", Limits(Value(600), kAbsent), 600, 5000},
      {"tpm only", Limits(kAbsent, Value(9000)), 100, 9000},
      {"both", Limits(Value(1), Value(1000000000)), 1, 1000000000},
      {"null clears rpm", Limits(kNull, kAbsent), std::nullopt, 5000},
      {"null clears both", Limits(kNull, kNull), std::nullopt, std::nullopt},
  };
  for (const Case& c : cases) {
    Deployment d = MuDeployment();
    ASSERT_TRUE(ApplyLimits(c.request, d).ok()) << c.label;
    EXPECT_EQ(d.rpm_limit, c.rpm) << c.label;
    EXPECT_EQ(d.tpm_limit, c.tpm) << c.label;
  }
}

TEST(ApplyLimitsTest, ErrorsChangeNothing) {
  struct Case {
    Deployment d;
    UpdateLimitsRequest request;
    std::string message;
  };
  const Case cases[] = {
      {MuDeployment(), Limits(kAbsent, kAbsent),
       "at least one of rpm_limit and tpm_limit is required"},
      {MuDeployment(), Limits(Value(0), kAbsent),
       "rpm_limit must be between 1 and 1000000000, got 0"},
      {MuDeployment(), Limits(Value(10), Value(1000000001)),  // nothing applied, not even rpm
       "tpm_limit must be between 1 and 1000000000, got 1000000001"},
      {PtuDeployment(), Limits(Value(10), kAbsent),
       "rpm_limit and tpm_limit apply only to plan mu deployments, not ptu"},
  };
  for (const Case& c : cases) {
    Deployment d = c.d;
    EXPECT_EQ(ApplyLimits(c.request, d), InvalidArgument(c.message));
    EXPECT_EQ(d.rpm_limit, c.d.rpm_limit) << c.message;
    EXPECT_EQ(d.tpm_limit, c.d.tpm_limit) << c.message;
  }
}

}  // namespace
}  // namespace berth
