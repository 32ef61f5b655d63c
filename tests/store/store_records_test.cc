#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store_backends.h"

namespace berth {
namespace {

using testing::At;

class StoreRecordsTest : public testing::StoreBackendTest {};

TEST_P(StoreRecordsTest, Workspaces) {
  Workspace a{"llm-aaaaaaaaaaaaaaaa", "default", At(1)};
  Workspace b{"llm-bbbbbbbbbbbbbbbb", "team b", At(2)};
  ASSERT_TRUE(store_->CreateWorkspace(b).ok());
  ASSERT_TRUE(store_->CreateWorkspace(a).ok());
  EXPECT_EQ(store_->CreateWorkspace(a).code(), StatusCode::kAlreadyExists);

  StatusOr<Workspace> got = store_->GetWorkspace(b.workspace_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "team b");
  EXPECT_EQ(got->created, At(2));
  EXPECT_EQ(store_->GetWorkspace("llm-zzzzzzzzzzzzzzzz").status().code(), StatusCode::kNotFound);

  StatusOr<std::vector<Workspace>> all = store_->ListWorkspaces();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].workspace_id, a.workspace_id);  // oldest first
}

TEST_P(StoreRecordsTest, ApiKeys) {
  ApiKey admin{"key-000000000001", "llm-aaaaaaaaaaaaaaaa", "hash-1", "sk-ab", true, At(1)};
  ApiKey user{"key-000000000002", "llm-bbbbbbbbbbbbbbbb", "hash-2", "sk-cd", false, At(2)};
  ASSERT_TRUE(store_->CreateApiKey(admin).ok());
  ASSERT_TRUE(store_->CreateApiKey(user).ok());

  ApiKey same_id = user;
  same_id.key_hash = "hash-3";
  EXPECT_EQ(store_->CreateApiKey(same_id).code(), StatusCode::kAlreadyExists);
  ApiKey same_hash = user;
  same_hash.key_id = "key-000000000003";
  EXPECT_EQ(store_->CreateApiKey(same_hash).code(), StatusCode::kAlreadyExists);

  StatusOr<std::vector<ApiKey>> keys = store_->ListApiKeys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  const ApiKey& got = (*keys)[0];
  EXPECT_EQ(got.key_id, admin.key_id);
  EXPECT_EQ(got.workspace_id, admin.workspace_id);
  EXPECT_EQ(got.key_hash, admin.key_hash);
  EXPECT_EQ(got.key_prefix, admin.key_prefix);
  EXPECT_TRUE(got.admin);
  EXPECT_EQ(got.created, admin.created);
  EXPECT_FALSE((*keys)[1].admin);

  EXPECT_TRUE(store_->DeleteApiKey(admin.key_id).ok());
  EXPECT_EQ(store_->DeleteApiKey(admin.key_id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListApiKeys()->size(), 1u);
}

TEST_P(StoreRecordsTest, CustomModels) {
  CustomModel both{"my-qwen-ft", "qwen3-8b", {Plan::kMu, Plan::kLora}, At(1)};
  CustomModel lora{"adapter-x", "qwen3-14b", {Plan::kLora}, At(2)};
  ASSERT_TRUE(store_->CreateCustomModel(both).ok());
  ASSERT_TRUE(store_->CreateCustomModel(lora).ok());
  EXPECT_EQ(store_->CreateCustomModel(lora).code(), StatusCode::kAlreadyExists);

  StatusOr<std::vector<CustomModel>> models = store_->ListCustomModels();
  ASSERT_TRUE(models.ok());
  ASSERT_EQ(models->size(), 2u);
  const CustomModel& got = (*models)[1];  // by name: adapter-x, my-qwen-ft
  EXPECT_EQ(got.model_name, both.model_name);
  EXPECT_EQ(got.base_model, both.base_model);
  EXPECT_EQ(got.plans, both.plans);
  EXPECT_EQ(got.created, both.created);

  EXPECT_TRUE(store_->DeleteCustomModel("adapter-x").ok());
  EXPECT_EQ(store_->DeleteCustomModel("adapter-x").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListCustomModels()->size(), 1u);
}

UsageRecord Usage(const std::string& deployed_model, int64_t second, int64_t input_tokens) {
  UsageRecord u;
  u.deployed_model = deployed_model;
  u.deployment_uid = "uid-" + deployed_model;
  u.workspace_id = "llm-aaaaaaaaaaaaaaaa";
  u.key_id = "key-000000000001";
  u.time = At(second);
  u.input_tokens = input_tokens;
  u.output_tokens = input_tokens * 2;
  return u;
}

TEST_P(StoreRecordsTest, UsageAppendsAndListsAHalfOpenRange) {
  UsageRecord full = Usage("m1", 2, 7);
  full.ptu = true;
  full.overflow = true;
  full.http_status = 499;
  full.latency_ms = 1234;
  full.streamed = true;
  full.aborted = true;
  full.thinking = true;
  full.requests = 3;
  ASSERT_TRUE(store_->AppendUsage({Usage("m1", 3, 1), Usage("m1", 1, 2), full}).ok());
  ASSERT_TRUE(store_->AppendUsage({Usage("m2", 2, 3), Usage("m1", 4, 4)}).ok());
  ASSERT_TRUE(store_->AppendUsage({}).ok());

  StatusOr<std::vector<UsageRecord>> got = store_->ListUsage("m1", At(2), At(4));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  const UsageRecord& first = (*got)[0];
  EXPECT_EQ(first.time, At(2));
  EXPECT_EQ(first.deployed_model, "m1");
  EXPECT_EQ(first.deployment_uid, "uid-m1");
  EXPECT_EQ(first.workspace_id, full.workspace_id);
  EXPECT_EQ(first.key_id, full.key_id);
  EXPECT_EQ(first.requests, 3);
  EXPECT_EQ(first.input_tokens, 7);
  EXPECT_EQ(first.output_tokens, 14);
  EXPECT_TRUE(first.ptu);
  EXPECT_TRUE(first.overflow);
  EXPECT_EQ(first.http_status, 499);
  EXPECT_EQ(first.latency_ms, 1234);
  EXPECT_TRUE(first.streamed);
  EXPECT_TRUE(first.aborted);
  EXPECT_TRUE(first.thinking);
  EXPECT_EQ((*got)[1].time, At(3));
  EXPECT_EQ((*got)[1].requests, 1);
  EXPECT_FALSE((*got)[1].ptu);
  EXPECT_FALSE((*got)[1].thinking);
  EXPECT_EQ((*got)[1].http_status, 200);

  EXPECT_EQ(store_->ListUsage("m1", At(0), At(100))->size(), 4u);
  EXPECT_TRUE(store_->ListUsage("m3", At(0), At(100))->empty());
}

// A batch is stored in statements of several sizes (SQLite: powers of two up to 32 rows): every
// record of every batch size up to 70 arrives once, in order.
TEST_P(StoreRecordsTest, UsageBatchesOfEverySizeArriveWholeAndInOrder) {
  int64_t next = 0;
  for (size_t size = 1; size <= 70; ++size) {
    std::vector<UsageRecord> batch;
    for (size_t i = 0; i < size; ++i, ++next) batch.push_back(Usage("m", next, next));
    ASSERT_TRUE(store_->AppendUsage(batch).ok()) << size;
  }
  StatusOr<std::vector<UsageRecord>> got = store_->ListUsage("m", At(0), At(next));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), static_cast<size_t>(next));
  for (int64_t i = 0; i < next; ++i) {
    ASSERT_EQ((*got)[i].input_tokens, i);
    ASSERT_EQ((*got)[i].time, At(i));
  }
}

BERTH_STORE_BACKENDS(StoreRecordsTest);

}  // namespace
}  // namespace berth
