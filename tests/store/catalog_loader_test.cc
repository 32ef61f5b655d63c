#include "store/catalog_loader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store_test_util.h"

namespace berth {
namespace {

using testing::TempDir;

const CatalogModel* Find(const std::vector<CatalogModel>& models, const std::string& name) {
  for (const CatalogModel& m : models) {
    if (m.model_name == name) return &m;
  }
  return nullptr;
}

std::vector<CatalogModel> Region(const std::string& region) {
  StatusOr<std::vector<CatalogModel>> models = LoadRegionCatalog({}, region);
  EXPECT_TRUE(models.ok()) << models.status().ToString();
  return models.ok() ? *models : std::vector<CatalogModel>{};
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

TEST(CatalogLoaderTest, BeijingQwen3_8bHasItsSpecsInTableOrder) {
  std::vector<CatalogModel> models = Region("cn-beijing");
  const CatalogModel* m = Find(models, "qwen3-8b");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->base_model, "qwen3-8b");
  EXPECT_EQ(m->display_name, "Qwen3-8B");
  EXPECT_EQ(m->category, "Text generation");
  ASSERT_EQ(m->mu_specs.size(), 3u);
  EXPECT_EQ(m->mu_specs[0].spec, "MU1");
  EXPECT_EQ(m->mu_specs[0].units_per_replica, 2);
  EXPECT_DOUBLE_EQ(*m->mu_specs[0].hourly_price, 14.852);
  EXPECT_DOUBLE_EQ(*m->mu_specs[0].monthly_price, 7183.564);
  EXPECT_EQ(m->mu_specs[1].spec, "MU2");
  EXPECT_EQ(m->mu_specs[1].units_per_replica, 2);
  EXPECT_EQ(m->mu_specs[2].spec, "MU5");
  EXPECT_EQ(m->mu_specs[2].units_per_replica, 1);
  EXPECT_EQ(m->Plans(), std::vector<Plan>{Plan::kMu});
}

TEST(CatalogLoaderTest, RowsOfOneModelMergeAcrossArrays) {
  std::vector<CatalogModel> models = Region("cn-beijing");
  const CatalogModel* plus = Find(models, "qwen-plus-2025-12-01");
  ASSERT_NE(plus, nullptr);
  EXPECT_EQ(plus->Plans(), (std::vector<Plan>{Plan::kMu, Plan::kPtu}));
  ASSERT_EQ(plus->mu_specs.size(), 1u);
  EXPECT_EQ(plus->mu_specs[0].spec, "MU1");
  EXPECT_EQ(plus->mu_specs[0].units_per_replica, 4);
  // Its output prices are split by thinking mode; both are kept, for billing.
  EXPECT_DOUBLE_EQ(*plus->ptu_prices.payg_output_per_1k_tpm_hour, 0.07);
  EXPECT_DOUBLE_EQ(*plus->ptu_prices.payg_thinking_output_per_1k_tpm_hour, 0.28);
  EXPECT_TRUE(plus->ptu_prices.payg_input_per_10k_tpm_hour.has_value());
  EXPECT_TRUE(plus->ptu_prices.max_input_tokens.has_value());

  const CatalogModel* flash = Find(models, "qwen-flash-2025-07-28");
  ASSERT_NE(flash, nullptr);
  EXPECT_TRUE(flash->Offers(Plan::kPtu));
  EXPECT_FALSE(flash->ptu_prices.payg_thinking_output_per_1k_tpm_hour.has_value());
}

TEST(CatalogLoaderTest, SingaporeQwen3_14bOffersLora) {
  std::vector<CatalogModel> models = Region("ap-southeast-1");
  const CatalogModel* m = Find(models, "qwen3-14b");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->lora);
  ASSERT_TRUE(m->token_prices.has_value());
  EXPECT_DOUBLE_EQ(*m->token_prices->input_per_1k, 0.00035);
  EXPECT_DOUBLE_EQ(*m->token_prices->output_per_1k_non_thinking, 0.0014);
  EXPECT_DOUBLE_EQ(*m->token_prices->output_per_1k_thinking, 0.0042);
  EXPECT_EQ(Find(Region("cn-beijing"), "qwen3-14b") == nullptr ||
                !Find(Region("cn-beijing"), "qwen3-14b")->lora,
            true)
      << "lora rows are Singapore-only";
}

TEST(CatalogLoaderTest, EveryRegionHasTheEmoPreset) {
  for (const std::string& region : KnownRegions()) {
    SCOPED_TRACE(region);
    std::vector<CatalogModel> models = Region(region);
    const CatalogModel* emo = Find(models, "emo");
    ASSERT_NE(emo, nullptr);
    EXPECT_EQ(emo->category, "Preset");
    EXPECT_EQ(emo->Plans(), std::vector<Plan>{Plan::kCu});
    const UnitSpec* cu = emo->FindSpec(Plan::kCu, "CU");
    ASSERT_NE(cu, nullptr);
    EXPECT_EQ(cu->units_per_replica, 1);
    EXPECT_FALSE(cu->hourly_price.has_value());
  }
}

TEST(CatalogLoaderTest, EmbeddedSeedIsTheRepositoryFile) {
  std::ifstream in(BERTH_SEED_CATALOG);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(EmbeddedSeedCatalog(), content.str());
  StatusOr<std::vector<CatalogModel>> from_file =
      LoadRegionCatalog(BERTH_SEED_CATALOG, {}, "cn-beijing");
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->size(), Region("cn-beijing").size());
}

TEST(CatalogLoaderTest, UnknownRegionIsInvalidArgument) {
  EXPECT_EQ(LoadRegionCatalog({}, "us-east-1").status().code(), StatusCode::kInvalidArgument);
}

TEST(CatalogLoaderTest, ExtraFilesAddCuPresetsPaygPricesAndReplaceSpecs) {
  TempDir dir;
  std::string extra = dir.File("extra.json");
  WriteFile(extra, R"json({
    "cu": [{"region": "cn-beijing", "model_name": "emo", "specs": [
            {"spec": "CU", "units_per_replica": 2, "hourly_price": 1.5}]},
           {"region": "cn-beijing", "model_name": "my-preset", "category": "Preset",
            "specs": [{"spec": "CU4", "units_per_replica": 4}]}],
    "mu": [{"region": "cn-beijing", "model_name": "qwen3-8b", "plan": "mu",
            "specs": [{"spec": "MU1", "units_per_replica": 4, "hourly_price": 20}]}],
    "payg_token": [{"region": "cn-beijing", "model_name": "qwen3-8b",
                    "input_per_1k_tokens": 0.0001}],
    "token_usage": [{"region": "ap-southeast-1", "model_name": "only-elsewhere"}]
  })json");
  StatusOr<std::vector<CatalogModel>> models = LoadRegionCatalog({extra}, "cn-beijing");
  ASSERT_TRUE(models.ok()) << models.status().ToString();

  const CatalogModel* emo = Find(*models, "emo");
  ASSERT_NE(emo, nullptr);
  ASSERT_EQ(emo->cu_specs.size(), 1u);
  EXPECT_EQ(emo->cu_specs[0].units_per_replica, 2);
  ASSERT_NE(Find(*models, "my-preset"), nullptr);
  EXPECT_EQ(Find(*models, "my-preset")->cu_specs[0].spec, "CU4");

  const CatalogModel* qwen = Find(*models, "qwen3-8b");
  ASSERT_NE(qwen, nullptr);
  ASSERT_EQ(qwen->mu_specs.size(), 3u);
  EXPECT_EQ(qwen->mu_specs[0].units_per_replica, 4);
  EXPECT_DOUBLE_EQ(*qwen->mu_specs[0].hourly_price, 20);
  EXPECT_FALSE(qwen->lora) << "payg_token prices do not offer lora";
  ASSERT_TRUE(qwen->token_prices.has_value());
  EXPECT_DOUBLE_EQ(*qwen->token_prices->input_per_1k, 0.0001);
  EXPECT_EQ(Find(*models, "only-elsewhere"), nullptr);
}

TEST(CatalogLoaderTest, MissingExtraFileNamesIt) {
  StatusOr<std::vector<CatalogModel>> models =
      LoadRegionCatalog({"/nonexistent/x.json"}, "cn-beijing");
  EXPECT_EQ(models.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(models.status().message().find("/nonexistent/x.json"), std::string::npos);
}

struct BadCase {
  std::string json;
  std::string want_message;  // the whole message, or its start when it ends with "..."
};

TEST(CatalogLoaderTest, BadCatalogsGivePreciseErrors) {
  const std::string mu_row = R"("region": "cn-beijing", "model_name": "m")";
  const std::vector<BadCase> cases = {
      {"{", "catalog.json: invalid JSON: parse error at line 1, column 2..."},
      {"[]", "catalog.json: the catalog must be an object"},
      {R"({"mu": {}})", "catalog.json: mu: must be an array of rows"},
      {R"({"mu": [1]})", "catalog.json: mu[0]: a row must be an object"},
      {R"({"ptu": [{"region": "cn-beijing"}]})",
       "catalog.json: ptu[0]: missing required field \"model_name\""},
      {R"({"ptu": [{"model_name": "m"}]})",
       "catalog.json: ptu[0]: missing required field \"region\""},
      {R"({"mu": [{)" + mu_row + R"(}]})", "catalog.json: mu[0]: missing required field \"specs\""},
      {R"({"mu": [{)" + mu_row + R"(, "specs": []}]})",
       "catalog.json: mu[0]: specs must be a non-empty array"},
      {R"({"mu": [{)" + mu_row + R"(, "specs": [{"spec": "MU1", "units_per_replica": 1}]},
               {)" +
           mu_row + R"(, "specs": [{"spec": "MU1", "units_per_replica": 0}]}]})",
       "catalog.json: mu[1].specs[0]: units_per_replica must be a positive integer"},
      {R"({"mu": [{)" + mu_row + R"(, "specs": [{"spec": "MU1", "units_per_replica": 1.5}]}]})",
       "catalog.json: mu[0].specs[0]: units_per_replica must be a positive integer"},
      {R"({"mu": [{)" + mu_row + R"(, "specs": [{"units_per_replica": 1}]}]})",
       "catalog.json: mu[0].specs[0]: missing required field \"spec\""},
      {R"({"cu": [{)" + mu_row +
           R"(, "specs": [{"spec": "C", "units_per_replica": 1, "hourly_price": "1"}]}]})",
       "catalog.json: cu[0].specs[0]: hourly_price must be a non-negative number"},
      {R"({"mu": [{)" + mu_row + R"(, "plan": "ptu", "specs": []}]})",
       "catalog.json: mu[0]: plan must be \"mu\" in this array, got \"ptu\""},
      {R"({"ptu": [{)" + mu_row + R"(, "payg_input_per_10k_tpm_hour": {"cost": 1}}]})",
       "catalog.json: ptu[0]: payg_input_per_10k_tpm_hour must be a number, {\"price\": n} or "
       "{\"non_thinking\": n, \"thinking\": n}"},
      {R"({"ptu": [{)" + mu_row + R"(, "payg_output_per_1k_tpm_hour": {"price": -1}}]})",
       "catalog.json: ptu[0].payg_output_per_1k_tpm_hour: price must be a non-negative number"},
      {R"({"token_usage": [{)" + mu_row + R"(, "input_per_1k_tokens": true}]})",
       "catalog.json: token_usage[0]: input_per_1k_tokens must be a non-negative number"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.json);
    StatusOr<std::vector<CatalogModel>> models = LoadCatalogJson(c.json, "catalog.json", "x");
    ASSERT_FALSE(models.ok());
    EXPECT_EQ(models.status().code(), StatusCode::kInvalidArgument);
    const std::string& message = models.status().message();
    if (c.want_message.ends_with("...")) {
      EXPECT_TRUE(message.starts_with(c.want_message.substr(0, c.want_message.size() - 3)))
          << message;
    } else {
      EXPECT_EQ(message, c.want_message);
    }
  }
}

TEST(CatalogLoaderTest, BadRowsOfOtherRegionsAreStillErrors) {
  StatusOr<std::vector<CatalogModel>> models =
      LoadCatalogJson(R"({"mu": [{"region": "ap-southeast-1", "model_name": "m", "specs": 3}]})",
                      "f.json", "cn-beijing");
  EXPECT_EQ(models.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth
