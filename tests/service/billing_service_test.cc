// BillingService over a real SqliteStore: the ledger is assembled from stored incarnations,
// events and usage of the caller's workspace. The per-line math is tested in core.
#include "service/billing_service.h"

#include <gtest/gtest.h>

#include <string>

#include "service_env.h"

namespace berth {
namespace {

using std::chrono::minutes;

const Caller kUser{"key-1", "llm-ws1", false};
const Caller kOtherWorkspace{"key-2", "llm-ws2", false};

class BillingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.Init().ok());
    billing_ = std::make_unique<BillingService>(*env_.store, *env_.models, env_.clock);
    t0_ = env_.clock.Now();
  }

  // Creates a deployment of qwen3-8b (MU1 x 2 at 20.0: 10.0 per unit-hour) or a lora one.
  Deployment Create(int64_t capacity, const std::string& plan = "mu") {
    CreateDeploymentRequest r;
    r.model_name = "qwen3-8b";
    r.plan = plan;
    r.capacity = capacity;
    StatusOr<Deployment> d = env_.deployments->Create(kUser, r);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Deployment{};
  }

  // Writes what the reconciler would: `d` at `status` with `ready` units, now.
  void Reconciled(Deployment& d, DeploymentStatus status, int ready) {
    StatusOr<Deployment> stored = env_.store->GetDeployment(d.deployed_model);
    ASSERT_TRUE(stored.ok());
    d = *stored;
    d.status = status;
    d.ready_capacity = ready;
    ASSERT_TRUE(env_.store
                    ->UpdateDeployment(
                        d, {MakeEvent(d, "StatusChanged", "", "reconciler", env_.clock.Now())})
                    .ok());
    ++d.version;
  }

  BillingReport Report(const Caller& caller, std::optional<std::string> only = std::nullopt) {
    StatusOr<BillingReport> report =
        billing_->Report(caller, {t0_ - minutes(60), t0_ + minutes(600), std::move(only)});
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : BillingReport{};
  }

  testing::ServiceEnv env_;
  std::unique_ptr<BillingService> billing_;
  SystemTime t0_;
};

TEST_F(BillingServiceTest, BillsReadyUnitsWhileRunningAndDeletedDeploymentsStayBilled) {
  Deployment d = Create(4);
  env_.clock.Advance(minutes(5));  // PENDING: not billed
  Reconciled(d, DeploymentStatus::kRunning, 4);
  env_.clock.Advance(minutes(90));
  Reconciled(d, DeploymentStatus::kDeleting, 4);
  env_.clock.Advance(minutes(1));
  ASSERT_TRUE(env_.store
                  ->DeleteDeployment(d.deployed_model, d.version,
                                     MakeEvent(d, "Deleted", "", "reconciler", env_.clock.Now()))
                  .ok());
  env_.clock.Advance(minutes(120));

  BillingReport report = Report(kUser);
  EXPECT_EQ(report.currency, "USD");
  ASSERT_FALSE(report.lines.empty());
  double unit_hours = 0;
  for (const BillingLine& line : report.lines) {
    EXPECT_EQ(ItemName(line.item, line.plan), "mu_units");
    EXPECT_EQ(line.deployed_model, d.deployed_model);
    unit_hours += line.quantity;
  }
  EXPECT_NEAR(unit_hours, 4 * 1.5, 1e-9);
  EXPECT_NEAR(report.total_amount, 4 * 1.5 * 10.0, 1e-9);
  EXPECT_EQ(report.unpriced_lines, 0);
  EXPECT_TRUE(Report(kOtherWorkspace).lines.empty());
}

TEST_F(BillingServiceTest, UsageBelongsToItsOwnIncarnationAndFiltersByDeployedModel) {
  Deployment lora = Create(1, "lora");
  UsageRecord usage;
  usage.deployed_model = lora.deployed_model;
  usage.deployment_uid = lora.uid;
  usage.workspace_id = kUser.workspace_id;
  usage.time = env_.clock.Now();
  usage.input_tokens = 2000;
  usage.output_tokens = 1000;
  UsageRecord of_another_uid = usage;
  of_another_uid.deployment_uid = "uid-of-an-older-incarnation";
  ASSERT_TRUE(env_.store->AppendUsage({usage, of_another_uid}).ok());
  Deployment mu = Create(2);
  Reconciled(mu, DeploymentStatus::kRunning, 2);
  env_.clock.Advance(minutes(30));

  BillingReport report = Report(kUser, lora.deployed_model);
  ASSERT_EQ(report.lines.size(), 2u);
  EXPECT_EQ(report.lines[0].tokens, 2000);
  EXPECT_EQ(report.lines[1].tokens, 1000);
  // 2 * 0.001 + 1 * 0.002
  EXPECT_NEAR(report.total_amount, 0.004, 1e-12);
  EXPECT_NEAR(Report(kUser).total_amount, 0.004 + 2 * 0.5 * 10.0, 1e-9);
}

TEST_F(BillingServiceTest, UnpricedLinesAreCountedNotPriced) {
  CreateDeploymentRequest r;
  r.model_name = "emo";
  r.capacity = 1;
  StatusOr<Deployment> emo = env_.deployments->Create(kUser, r);
  ASSERT_TRUE(emo.ok()) << emo.status().ToString();
  Reconciled(*emo, DeploymentStatus::kRunning, 1);
  env_.clock.Advance(minutes(30));
  BillingReport report = Report(kUser);
  ASSERT_FALSE(report.lines.empty());
  EXPECT_EQ(report.unpriced_lines, static_cast<int64_t>(report.lines.size()));
  EXPECT_EQ(report.total_amount, 0.0);
}

TEST_F(BillingServiceTest, RejectsBadRanges) {
  StatusOr<BillingReport> backwards = billing_->Report(kUser, {t0_, t0_, std::nullopt});
  EXPECT_EQ(backwards.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(backwards.status().message(), "end must be later than start");
  StatusOr<BillingReport> too_long =
      billing_->Report(kUser, {t0_, t0_ + BillingService::kMaxRange + minutes(1), std::nullopt});
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(billing_->Report(kUser, {t0_, t0_ + BillingService::kMaxRange, std::nullopt}).ok());
}

TEST_F(BillingServiceTest, EstimatesTheHourlyCostOfTheCapacity) {
  Deployment mu = Create(4);
  EXPECT_EQ(billing_->EstimateHourlyCost(mu), 40.0);
  Deployment lora = Create(1, "lora");
  EXPECT_EQ(billing_->EstimateHourlyCost(lora), std::nullopt);
}

}  // namespace
}  // namespace berth
