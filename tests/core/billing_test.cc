// Table-driven tests of the billing math. Expected amounts are worked out by hand from the
// seed catalog's rows (copied below), as docs/billing.md shows.
#include "core/billing.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace berth {
namespace {

// 2026-11-23T10:00:00Z, on an hour boundary.
const SystemTime kT0 = FromUnixMillis(1'795'428'000'000);

SystemTime At(int minutes) { return kT0 + std::chrono::minutes(minutes); }

// cn-beijing mu row of qwen3-8b: MU1 x 2 at 14.852 per replica-hour (7.426 per unit-hour).
CatalogModel Qwen3_8b() {
  CatalogModel m;
  m.model_name = m.base_model = "qwen3-8b";
  m.mu_specs = {{"MU1", 2, 14.852, 7183.564, ""}, {"MU5", 1, 2.888, 1394.329, ""}};
  return m;
}

// cn-beijing ptu row of qwen-plus-2025-12-01: input 0.28 per 10k TPM-hour, output 0.07
// (non-thinking) and 0.28 (thinking) per 1k TPM-hour.
CatalogModel QwenPlusPtu() {
  CatalogModel m;
  m.model_name = m.base_model = "qwen-plus-2025-12-01";
  m.ptu = true;
  m.ptu_prices.payg_input_per_10k_tpm_hour = 0.28;
  m.ptu_prices.payg_output_per_1k_tpm_hour = 0.07;
  m.ptu_prices.payg_thinking_output_per_1k_tpm_hour = 0.28;
  return m;
}

// The same with pay-as-you-go token prices, as a --catalog payg_token row would add them.
CatalogModel QwenPlusPtuWithTokenPrices() {
  CatalogModel m = QwenPlusPtu();
  m.token_prices = TokenPrices{0.0008, 0.002, 0.008};
  return m;
}

// ap-southeast-1 token_usage row of qwen3-14b: per 1k tokens 0.00035 input, 0.0014 output,
// 0.0042 thinking output.
CatalogModel Qwen3_14bLora() {
  CatalogModel m;
  m.model_name = m.base_model = "qwen3-14b";
  m.lora = true;
  m.token_prices = TokenPrices{0.00035, 0.0014, 0.0042};
  return m;
}

Incarnation MakeIncarnationOf(Plan plan, const std::string& model, const std::string& spec) {
  Incarnation i;
  i.uid = "uid-1";
  i.deployed_model = model + "-abcd1234";
  i.workspace_id = "llm-aaaaaaaaaaaaaaaa";
  i.model_name = model;
  i.plan = plan;
  i.model_unit_spec = spec;
  i.base_capacity = spec.empty() ? 1 : 2;
  i.charge_type = "post_paid";
  i.billing_method = "POST_PAY";
  i.created = At(0);
  return i;
}

DeploymentEvent Event(int minute, DeploymentStatus status, int ready,
                      std::optional<PtuCapacity> ptu = std::nullopt) {
  DeploymentEvent e;
  e.time = At(minute);
  e.type = "StatusChanged";
  e.status = status;
  e.capacity = ready;
  e.ready_capacity = ready;
  e.ptu_capacity = ptu;
  return e;
}

TokenUsage Tokens(int minute, int64_t input, int64_t output, bool thinking = false,
                  bool overflow = false) {
  return TokenUsage{At(minute), input, output, thinking, overflow};
}

using S = DeploymentStatus;

struct WantLine {
  int hour;  // hours after kT0
  std::string item;
  double quantity;
  std::optional<double> unit_price;
  double amount;
};

struct Case {
  std::string name;
  CatalogModel model;
  IncarnationHistory history;
  BillingWindow window;
  std::vector<WantLine> want;
};

BillingWindow Window(int start_minute, int end_minute, int now_minute) {
  return BillingWindow{At(start_minute), At(end_minute), At(now_minute)};
}

const Incarnation kMu = MakeIncarnationOf(Plan::kMu, "qwen3-8b", "MU1");
const Incarnation kPtu = [] {
  Incarnation i = MakeIncarnationOf(Plan::kPtu, "qwen-plus-2025-12-01", "");
  i.ptu_capacity = PtuCapacity{20000, 3000, 2000};
  return i;
}();
const Incarnation kLora = MakeIncarnationOf(Plan::kLora, "qwen3-14b", "");
const Incarnation kDeleted = [] {
  Incarnation i = kMu;
  i.deleted = At(46);
  return i;
}();

std::vector<Case> Cases() {
  return {
      // 4 ready units (2 replicas of MU1 x 2) RUNNING 10:00-11:30 after 10 minutes PENDING.
      {"mu_90_minutes_running",
       Qwen3_8b(),
       {kMu, {Event(-10, S::kPending, 0), Event(0, S::kRunning, 4)}, {}},
       Window(-60, 180, 90),
       {{0, "mu_units", 4.0, 7.426, 29.704}, {1, "mu_units", 2.0, 7.426, 14.852}}},
      // Only the part of the window is billed.
      {"mu_window_clips",
       Qwen3_8b(),
       {kMu, {Event(0, S::kRunning, 4)}, {}},
       Window(15, 45, 90),
       {{0, "mu_units", 2.0, 7.426, 14.852}}},
      // Scale 2 -> 4 units at 10:15, new replica ready at 10:20: (2*20 + 4*40) / 60 unit-hours.
      {"mu_scale_mid_hour",
       Qwen3_8b(),
       {kMu, {Event(0, S::kRunning, 2), Event(15, S::kUpdating, 2), Event(20, S::kRunning, 4)}, {}},
       Window(0, 60, 60),
       {{0, "mu_units", 10.0 / 3, 7.426, 10.0 / 3 * 7.426}}},
      // RUNNING 10:00-10:30, STOPPED until 11:30, PENDING until 11:40, RUNNING to 12:00.
      {"mu_stopped_gap",
       Qwen3_8b(),
       {kMu,
        {Event(0, S::kRunning, 2), Event(30, S::kStopped, 0), Event(90, S::kPending, 0),
         Event(100, S::kRunning, 2)},
        {}},
       Window(0, 180, 120),
       {{0, "mu_units", 1.0, 7.426, 7.426}, {1, "mu_units", 2.0 / 3, 7.426, 2.0 / 3 * 7.426}}},
      // A failed scale keeps the old capacity serving, and billed; FAILED is not billed.
      {"mu_updating_failed_billed_failed_not",
       Qwen3_8b(),
       {kMu, {Event(0, S::kUpdatingFailed, 2), Event(30, S::kFailed, 0)}, {}},
       Window(0, 120, 120),
       {{0, "mu_units", 1.0, 7.426, 7.426}}},
      // Deleted at 10:46 (DELETING from 10:45): its past 45 minutes stay on the bill.
      {"mu_deleted_still_billed",
       Qwen3_8b(),
       {kDeleted,
        {Event(0, S::kRunning, 2), Event(45, S::kDeleting, 2), Event(46, S::kDeleting, 0)},
        {Tokens(10, 1000, 1000)}},  // mu usage is never billed per token
       Window(-60, 240, 180),
       {{0, "mu_units", 1.5, 7.426, 11.139}}},
      // ptu 20k input, 3k output, 2k thinking output TPM for one hour:
      // 2 * 0.28 + 3 * 0.07 + 2 * 0.28 = 1.33.
      {"ptu_one_hour",
       QwenPlusPtu(),
       {kPtu, {Event(-5, S::kPending, 0), Event(0, S::kRunning, 1), Event(60, S::kStopped, 0)}, {}},
       Window(-60, 180, 180),
       {{0, "ptu_input_tpm", 2.0, 0.28, 0.56},
        {0, "ptu_output_tpm", 3.0, 0.07, 0.21},
        {0, "ptu_thinking_output_tpm", 2.0, 0.28, 0.56}}},
      // A ptu scale from 20k/3k/2k to 40k/1k/2k TPM at 10:30: half an hour at each capacity.
      {"ptu_scale_mid_hour",
       QwenPlusPtu(),
       {kPtu,
        {Event(0, S::kRunning, 1), Event(30, S::kUpdating, 1, PtuCapacity{40000, 1000, 2000})},
        {}},
       Window(0, 60, 60),
       {{0, "ptu_input_tpm", 3.0, 0.28, 0.84},
        {0, "ptu_output_tpm", 2.0, 0.07, 0.14},
        {0, "ptu_thinking_output_tpm", 2.0, 0.28, 0.56}}},
      // lora tokens: 4000 input, 2000 output, 5000 thinking output in hour 10; 500 input in 11.
      {"lora_tokens_with_thinking",
       Qwen3_14bLora(),
       {kLora,
        {Event(0, S::kRunning, 1)},
        {Tokens(5, 1000, 2000), Tokens(10, 3000, 5000, true), Tokens(61, 500, 0),
         Tokens(200, 9999, 9999)}},  // after the window's end
       Window(0, 120, 300),
       {{0, "lora_input_tokens", 4.0, 0.00035, 0.0014},
        {0, "lora_output_tokens", 2.0, 0.0014, 0.0028},
        {0, "lora_thinking_output_tokens", 5.0, 0.0042, 0.021},
        {1, "lora_input_tokens", 0.5, 0.00035, 0.000175}}},
      // Overflow tokens of a ptu deployment at the model's pay-as-you-go token prices; the
      // requests served within the purchased capacity are not billed per token.
      {"ptu_overflow_priced",
       QwenPlusPtuWithTokenPrices(),
       {kPtu,
        {Event(0, S::kPending, 0)},
        {Tokens(5, 2000, 1000, false, true), Tokens(6, 5000, 5000, false, false),
         Tokens(7, 0, 3000, true, true)}},
       Window(0, 60, 60),
       {{0, "overflow_input_tokens", 2.0, 0.0008, 0.0016},
        {0, "overflow_output_tokens", 1.0, 0.002, 0.002},
        {0, "overflow_thinking_output_tokens", 3.0, 0.008, 0.024}}},
      // Without token prices the overflow is listed unpriced, never as a zero price.
      {"ptu_overflow_unpriced",
       QwenPlusPtu(),
       {kPtu, {Event(0, S::kPending, 0)}, {Tokens(5, 2000, 1000, false, true)}},
       Window(0, 60, 60),
       {{0, "overflow_input_tokens", 2.0, std::nullopt, 0.0},
        {0, "overflow_output_tokens", 1.0, std::nullopt, 0.0}}},
  };
}

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class BillingTest : public ::testing::TestWithParam<Case> {};

TEST_P(BillingTest, LinesMatchTheHandComputedAmounts) {
  const Case& c = GetParam();
  std::vector<BillingLine> got = BillIncarnation(c.history, &c.model, c.window);
  ASSERT_EQ(got.size(), c.want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const BillingLine& line = got[i];
    const WantLine& want = c.want[i];
    SCOPED_TRACE("line " + std::to_string(i) + " " + want.item);
    EXPECT_EQ(line.hour, At(want.hour * 60));
    EXPECT_EQ(ItemName(line.item, line.plan), want.item);
    EXPECT_NEAR(line.quantity, want.quantity, 1e-9);
    ASSERT_EQ(line.unit_price.has_value(), want.unit_price.has_value());
    if (want.unit_price) {
      EXPECT_NEAR(*line.unit_price, *want.unit_price, 1e-12);
    }
    EXPECT_NEAR(line.amount, want.amount, 1e-9);
    EXPECT_EQ(line.deployed_model, c.history.incarnation.deployed_model);
    EXPECT_EQ(line.billing_method, "POST_PAY");
  }
}

INSTANTIATE_TEST_SUITE_P(Ledger, BillingTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST(BillingTest, AModelMissingFromTheCatalogLeavesEveryLineUnpriced) {
  IncarnationHistory h{kMu, {Event(0, S::kRunning, 2)}, {}};
  std::vector<BillingLine> got = BillIncarnation(h, nullptr, Window(0, 60, 60));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_DOUBLE_EQ(got[0].quantity, 2.0);
  EXPECT_FALSE(got[0].unit_price.has_value());
  EXPECT_EQ(got[0].amount, 0.0);
}

TEST(BillingTest, TokenLinesKeepTheExactCountAndTheirUnit) {
  IncarnationHistory h{kLora, {}, {Tokens(1, 1234, 0), Tokens(2, 1, 0)}};
  CatalogModel model = Qwen3_14bLora();
  std::vector<BillingLine> got = BillIncarnation(h, &model, Window(0, 60, 60));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].tokens, 1235);
  EXPECT_DOUBLE_EQ(got[0].quantity, 1.235);
  EXPECT_EQ(ItemUnit(got[0].item), "1k-tokens");
  EXPECT_TRUE(IsTokenItem(got[0].item));
}

TEST(BillingTest, IsBilledStatusCoversTheServingStates) {
  std::vector<S> billed;
  for (S status : AllStatuses()) {
    if (IsBilledStatus(status)) billed.push_back(status);
  }
  EXPECT_EQ(billed, (std::vector<S>{S::kRunning, S::kUpdating, S::kUpdatingFailed}));
}

TEST(BillingTest, HourOfFloorsToTheUtcHour) {
  EXPECT_EQ(HourOf(At(59) + std::chrono::seconds(59)), At(0));
  EXPECT_EQ(HourOf(At(60)), At(60));
  EXPECT_EQ(HourOf(At(-1)), At(-60));
}

struct EstimateCase {
  std::string name;
  Deployment deployment;
  CatalogModel model;
  std::optional<double> want;
};

Deployment Deploy(Plan plan, const std::string& spec, int capacity,
                  std::optional<PtuCapacity> ptu = std::nullopt) {
  Deployment d;
  d.plan = plan;
  d.model_unit_spec = spec;
  d.capacity = capacity;
  d.ptu_capacity = ptu;
  return d;
}

TEST(BillingTest, EstimateHourlyCost) {
  CatalogModel emo;
  emo.model_name = "emo";
  emo.cu_specs = {{"CU", 1, std::nullopt, std::nullopt, ""}};
  std::vector<EstimateCase> cases = {
      {"mu_4_units", Deploy(Plan::kMu, "MU1", 4), Qwen3_8b(), 4 * 7.426},
      {"mu_5_single_unit", Deploy(Plan::kMu, "MU5", 3), Qwen3_8b(), 3 * 2.888},
      {"ptu", Deploy(Plan::kPtu, "", 1, PtuCapacity{20000, 3000, 2000}), QwenPlusPtu(), 1.33},
      {"ptu_without_thinking", Deploy(Plan::kPtu, "", 1, PtuCapacity{10000, 1000, std::nullopt}),
       QwenPlusPtu(), 0.35},
      {"lora_is_per_token", Deploy(Plan::kLora, "", 1), Qwen3_14bLora(), std::nullopt},
      {"unpriced_cu", Deploy(Plan::kCu, "CU", 1), emo, std::nullopt},
      {"unknown_spec", Deploy(Plan::kMu, "MU9", 2), Qwen3_8b(), std::nullopt},
  };
  for (const EstimateCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<double> got = EstimateHourlyCost(c.deployment, c.model);
    ASSERT_EQ(got.has_value(), c.want.has_value());
    if (c.want) {
      EXPECT_NEAR(*got, *c.want, 1e-9);
    }
  }
}

}  // namespace
}  // namespace berth
