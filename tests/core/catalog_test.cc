#include "core/catalog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_models.h"

namespace berth {
namespace {

TEST(CatalogTest, FindsByExactName) {
  Catalog catalog({testing::PtuModel(), testing::MuModel(), testing::CuModel()});
  ASSERT_NE(catalog.Find("qwen-plus"), nullptr);
  EXPECT_EQ(catalog.Find("qwen-plus")->model_name, "qwen-plus");
  ASSERT_NE(catalog.Find("emo"), nullptr);
  EXPECT_EQ(catalog.Find("emo")->model_name, "emo");
  EXPECT_EQ(catalog.Find("qwen"), nullptr);
  EXPECT_EQ(catalog.Find("qwen-plus2"), nullptr);
  EXPECT_EQ(catalog.Find(""), nullptr);
  EXPECT_EQ(catalog.Find("zzz"), nullptr);
  // models() is sorted by name.
  std::vector<std::string> names;
  for (const CatalogModel& m : catalog.models()) names.push_back(m.model_name);
  EXPECT_EQ(names, (std::vector<std::string>{"emo", "qwen-max", "qwen-plus"}));
}

TEST(CatalogTest, EmptyCatalogFindsNothing) { EXPECT_EQ(Catalog().Find("x"), nullptr); }

TEST(CatalogModelTest, PlansInDefaultOrder) {
  CatalogModel all = testing::MultiPlanModel();
  all.cu_specs = {{"CU", 1, std::nullopt, std::nullopt, ""}};
  EXPECT_EQ(all.Plans(), (std::vector<Plan>{Plan::kMu, Plan::kCu, Plan::kPtu, Plan::kLora}));
  EXPECT_EQ(testing::MuModel().Plans(), std::vector<Plan>{Plan::kMu});
  EXPECT_EQ(testing::LoraModel().Plans(), std::vector<Plan>{Plan::kLora});
  EXPECT_TRUE(CatalogModel().Plans().empty());
}

TEST(CatalogModelTest, OffersAndFindSpec) {
  CatalogModel mu = testing::MuModel();
  EXPECT_TRUE(mu.Offers(Plan::kMu));
  EXPECT_FALSE(mu.Offers(Plan::kPtu));
  EXPECT_FALSE(mu.Offers(Plan::kLora));
  EXPECT_FALSE(mu.Offers(Plan::kCu));

  const UnitSpec* spec = mu.FindSpec(Plan::kMu, "MU5");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->units_per_replica, 1);
  EXPECT_EQ(mu.FindSpec(Plan::kMu, "MU9"), nullptr);
  EXPECT_EQ(mu.FindSpec(Plan::kMu, "mu1"), nullptr);  // ids are case-sensitive
  EXPECT_EQ(mu.FindSpec(Plan::kCu, "MU1"), nullptr);  // a mu spec is not a cu spec
  EXPECT_EQ(mu.FindSpec(Plan::kPtu, "MU1"), nullptr);
  EXPECT_TRUE(mu.SpecsFor(Plan::kLora).empty());
  EXPECT_EQ(testing::CuModel().FindSpec(Plan::kCu, "CU")->units_per_replica, 1);
}

TEST(MergeCatalogModelTest, NewNameIsAppended) {
  std::vector<CatalogModel> models = {testing::MuModel()};
  MergeCatalogModel(models, testing::CuModel());
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[1].model_name, "emo");
}

TEST(MergeCatalogModelTest, SameNameMergesSpecsPlansAndPrices) {
  std::vector<CatalogModel> models = {testing::MuModel()};
  CatalogModel extra;
  extra.model_name = "qwen-plus";
  extra.display_name = "ignored: the first display name stays";
  extra.category = "LLM";
  extra.mu_specs = {{"MU1", 4, 99.0, std::nullopt, "replaced"}, {"MU8", 8, std::nullopt, {}, ""}};
  extra.ptu = true;
  extra.ptu_prices.max_input_tokens = 128000;
  extra.lora = true;
  extra.token_prices = TokenPrices{0.001, 0.002, std::nullopt};
  MergeCatalogModel(models, extra);

  ASSERT_EQ(models.size(), 1u);
  const CatalogModel& m = models[0];
  ASSERT_EQ(m.mu_specs.size(), 3u);
  EXPECT_EQ(m.mu_specs[0].spec, "MU1");  // replaced in place
  EXPECT_EQ(m.mu_specs[0].units_per_replica, 4);
  EXPECT_EQ(m.mu_specs[0].note, "replaced");
  EXPECT_EQ(m.mu_specs[1].spec, "MU5");  // kept
  EXPECT_EQ(m.mu_specs[2].spec, "MU8");  // added
  EXPECT_TRUE(m.ptu);
  EXPECT_EQ(m.ptu_prices.max_input_tokens, 128000);
  EXPECT_TRUE(m.lora);
  ASSERT_TRUE(m.token_prices.has_value());
  EXPECT_EQ(m.token_prices->input_per_1k, 0.001);
  EXPECT_EQ(m.display_name, "Qwen Plus");
  EXPECT_EQ(m.category, "LLM");  // was empty
  EXPECT_EQ(m.Plans(), (std::vector<Plan>{Plan::kMu, Plan::kPtu, Plan::kLora}));
}

TEST(MergeCatalogModelTest, MergeWithoutPlansKeepsExistingOnes) {
  std::vector<CatalogModel> models = {testing::MultiPlanModel()};
  CatalogModel extra;
  extra.model_name = "qwen3-8b";
  MergeCatalogModel(models, extra);
  EXPECT_EQ(models[0].Plans(), (std::vector<Plan>{Plan::kMu, Plan::kPtu, Plan::kLora}));
}

TEST(MakeCustomModelTest, DerivesFromBase) {
  CatalogModel base = testing::MultiPlanModel();
  base.category = "LLM";
  base.token_prices = TokenPrices{0.5, 1.5, 3.0};

  CatalogModel lora = MakeCustomModel(base, "qwen3-8b-ft-1", {Plan::kLora});
  EXPECT_EQ(lora.model_name, "qwen3-8b-ft-1");
  EXPECT_EQ(lora.display_name, "qwen3-8b-ft-1");
  EXPECT_EQ(lora.base_model, "qwen3-8b");
  EXPECT_EQ(lora.category, "LLM");
  EXPECT_TRUE(lora.custom);
  EXPECT_EQ(lora.Plans(), std::vector<Plan>{Plan::kLora});
  ASSERT_TRUE(lora.token_prices.has_value());
  EXPECT_EQ(lora.token_prices->output_per_1k_thinking, 3.0);
  EXPECT_FALSE(lora.ptu);  // the base's ptu plan is not inherited

  CatalogModel both = MakeCustomModel(base, "ft-2", {Plan::kMu, Plan::kLora});
  EXPECT_EQ(both.Plans(), (std::vector<Plan>{Plan::kMu, Plan::kLora}));
  ASSERT_EQ(both.mu_specs.size(), 1u);
  EXPECT_EQ(both.mu_specs[0].spec, "MU1");
}

}  // namespace
}  // namespace berth
