#include "service/model_registry.h"

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "service/admin_service.h"
#include "service_env.h"

namespace berth {
namespace {

class ModelRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.Init().ok()); }
  ModelRegistry& models() { return *env_.models; }
  testing::ServiceEnv env_;
};

TEST_F(ModelRegistryTest, FindsCatalogModels) {
  std::optional<CatalogModel> m = models().Find("qwen3-8b");
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->custom);
  EXPECT_FALSE(models().Find("qwen3").has_value());
  EXPECT_EQ(models().BaseModels().size(), 3u);
  EXPECT_TRUE(models().CustomModels().empty());
}

TEST_F(ModelRegistryTest, RegisteredLoraModelIsFoundAndPersisted) {
  StatusOr<CustomModel> record = models().Register("qwen3-8b-ft-1", "qwen3-8b", {Plan::kLora});
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->created, env_.clock.Now());

  std::optional<CatalogModel> m = models().Find("qwen3-8b-ft-1");
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->custom);
  EXPECT_EQ(m->base_model, "qwen3-8b");
  EXPECT_EQ(m->Plans(), std::vector<Plan>{Plan::kLora});
  ASSERT_EQ(models().CustomModels().size(), 1u);
  EXPECT_EQ(models().CustomModels()[0].model_name, "qwen3-8b-ft-1");

  ModelRegistry reloaded(testing::TestCatalog(), *env_.store, env_.clock);
  ASSERT_TRUE(reloaded.Load().ok());
  ASSERT_TRUE(reloaded.Find("qwen3-8b-ft-1").has_value());
  EXPECT_EQ(reloaded.Find("qwen3-8b-ft-1")->base_model, "qwen3-8b");
}

TEST_F(ModelRegistryTest, RegisterRejections) {
  struct Case {
    std::string name, base;
    std::vector<Plan> plans;
    StatusCode code;
    std::string fragment;
  };
  ASSERT_TRUE(models().Register("taken-1", "qwen3-8b", {Plan::kLora}).ok());
  const Case cases[] = {
      {"ft-ptu", "qwen3-8b", {Plan::kPtu}, StatusCode::kInvalidArgument, "not ptu"},
      {"ft-cu", "qwen3-8b", {Plan::kCu}, StatusCode::kInvalidArgument, "not cu"},
      {"ft-x",
       "nope",
       {Plan::kLora},
       StatusCode::kInvalidArgument,
       "base_model 'nope' is not in the catalog"},
      {"ft-none", "qwen3-8b", {}, StatusCode::kInvalidArgument, "plans"},
      {"ft-mu", "qwen-max", {Plan::kMu}, StatusCode::kInvalidArgument, "no mu specs"},
      {"bad name", "qwen3-8b", {Plan::kLora}, StatusCode::kInvalidArgument, "model_name"},
      {"emo", "qwen3-8b", {Plan::kLora}, StatusCode::kAlreadyExists, "catalog model"},
      {"taken-1", "qwen3-8b", {Plan::kLora}, StatusCode::kAlreadyExists, ""},
  };
  for (const Case& c : cases) {
    StatusOr<CustomModel> r = models().Register(c.name, c.base, c.plans);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), c.code) << c.name << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.fragment), std::string::npos)
        << c.name << ": " << r.status().message();
  }
  EXPECT_EQ(models().CustomModels().size(), 1u);
}

TEST_F(ModelRegistryTest, LoraRegistrationAsksWhetherTheBaseCanServeAdapters) {
  std::vector<std::string> asked;
  models().SetLoraCheck([&](const std::string& base) {
    asked.push_back(base);
    return FailedPrecondition("engines config entry \"qwen3-*\" has no lora_path");
  });
  StatusOr<CustomModel> refused = models().Register("qwen3-8b-ft-1", "qwen3-8b", {Plan::kLora});
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(),
            "custom model qwen3-8b-ft-1 cannot be served on plan lora: engines config entry "
            "\"qwen3-*\" has no lora_path");
  EXPECT_FALSE(models().Find("qwen3-8b-ft-1").has_value());                       // nothing stored
  EXPECT_TRUE(models().Register("qwen3-8b-ft-2", "qwen3-8b", {Plan::kMu}).ok());  // not asked
  EXPECT_EQ(asked, std::vector<std::string>{"qwen3-8b"});
}

TEST_F(ModelRegistryTest, CustomModelDeploysOnLora) {
  ASSERT_TRUE(models().Register("qwen3-8b-ft-1", "qwen3-8b", {Plan::kLora}).ok());
  CreateDeploymentRequest r;
  r.model_name = "qwen3-8b-ft-1";
  r.capacity = 1;
  StatusOr<Deployment> d = env_.deployments->Create(Caller{"key-1", "llm-ws1", false}, r);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->deployed_model, "qwen3-8b-ft-1");
  EXPECT_EQ(d->plan, Plan::kLora);
  EXPECT_EQ(d->base_model, "qwen3-8b");
  EXPECT_EQ(d->capacity, 1);
}

TEST_F(ModelRegistryTest, UnregisterRefusesWhileDeployed) {
  ASSERT_TRUE(models().Register("qwen3-8b-ft-1", "qwen3-8b", {Plan::kLora}).ok());
  CreateDeploymentRequest r;
  r.model_name = "qwen3-8b-ft-1";
  r.capacity = 1;
  StatusOr<Deployment> d = env_.deployments->Create(Caller{"key-1", "llm-ws1", false}, r);
  ASSERT_TRUE(d.ok());

  Status refused = env_.admin->UnregisterCustomModel("qwen3-8b-ft-1");
  EXPECT_EQ(refused, FailedPrecondition("model qwen3-8b-ft-1 has 1 deployment(s); delete them "
                                        "first"));
  EXPECT_TRUE(models().Find("qwen3-8b-ft-1").has_value());

  // Once the reconciler has removed the record, the model can go.
  ASSERT_TRUE(env_.store
                  ->DeleteDeployment(d->deployed_model, d->version,
                                     MakeEvent(*d, "Deleted", "", "reconciler", env_.clock.Now()))
                  .ok());
  ASSERT_TRUE(env_.admin->UnregisterCustomModel("qwen3-8b-ft-1").ok());
  EXPECT_FALSE(models().Find("qwen3-8b-ft-1").has_value());
  EXPECT_EQ(env_.admin->UnregisterCustomModel("qwen3-8b-ft-1"),
            NotFound("Model: qwen3-8b-ft-1 not found!"));
}

// Unregistering checks that no deployment uses the model, then removes it; a create finds the
// model, then writes its deployment. Interleaved without a lock, both could succeed and leave a
// deployment of a model that no longer exists.
TEST_F(ModelRegistryTest, UnregisterAndCreateNeverBothSucceed) {
  for (int round = 0; round < 60; ++round) {
    std::string name = "qwen3-8b-ft-" + std::to_string(round);
    ASSERT_TRUE(models().Register(name, "qwen3-8b", {Plan::kLora}).ok());
    CreateDeploymentRequest r;
    r.model_name = name;
    r.capacity = 1;
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    auto create = std::async(std::launch::async, [&] {
      start.wait();
      return env_.deployments->Create(Caller{"key-1", "llm-ws1", false}, r).status();
    });
    auto unregister = std::async(std::launch::async, [&] {
      start.wait();
      return env_.admin->UnregisterCustomModel(name);
    });
    go.set_value();
    Status created = create.get(), removed = unregister.get();
    EXPECT_FALSE(created.ok() && removed.ok()) << "round " << round;
    if (removed.ok()) {
      EXPECT_EQ(created, NotFound("Model: " + name + " not found!"));
    } else {
      EXPECT_EQ(removed,
                FailedPrecondition("model " + name + " has 1 deployment(s); delete them first"));
    }
  }
}

}  // namespace
}  // namespace berth
