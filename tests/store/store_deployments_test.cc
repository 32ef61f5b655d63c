#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store_backends.h"

namespace berth {
namespace {

using testing::At;
using testing::CreatedEvent;
using testing::MakeDeployment;

class StoreDeploymentsTest : public testing::StoreBackendTest {
 protected:
  void Create(const Deployment& d) {
    ASSERT_TRUE(store_->CreateDeployment(d, CreatedEvent(d)).ok()) << d.deployed_model;
  }
};

void ExpectSameDeployment(const Deployment& want, const Deployment& got) {
  EXPECT_EQ(want.deployed_model, got.deployed_model);
  EXPECT_EQ(want.uid, got.uid);
  EXPECT_EQ(want.name, got.name);
  EXPECT_EQ(want.model_name, got.model_name);
  EXPECT_EQ(want.base_model, got.base_model);
  EXPECT_EQ(want.workspace_id, got.workspace_id);
  EXPECT_EQ(want.plan, got.plan);
  EXPECT_EQ(want.model_unit_spec, got.model_unit_spec);
  EXPECT_EQ(want.base_capacity, got.base_capacity);
  EXPECT_EQ(want.capacity, got.capacity);
  EXPECT_EQ(want.ready_capacity, got.ready_capacity);
  EXPECT_EQ(want.charge_type, got.charge_type);
  EXPECT_EQ(want.billing_method, got.billing_method);
  EXPECT_EQ(want.creator, got.creator);
  EXPECT_EQ(want.modifier, got.modifier);
  EXPECT_EQ(want.enable_thinking, got.enable_thinking);
  EXPECT_EQ(want.max_context_length, got.max_context_length);
  EXPECT_EQ(want.rpm_limit, got.rpm_limit);
  EXPECT_EQ(want.tpm_limit, got.tpm_limit);
  EXPECT_EQ(want.ptu_capacity, got.ptu_capacity);
  EXPECT_EQ(want.overflow_strategy, got.overflow_strategy);
  EXPECT_EQ(want.desired, got.desired);
  EXPECT_EQ(want.status, got.status);
  EXPECT_EQ(want.fail_reason, got.fail_reason);
  EXPECT_EQ(want.created, got.created);
  EXPECT_EQ(want.modified, got.modified);
  EXPECT_EQ(want.version, got.version);
}

Deployment FullMu() {
  Deployment d = MakeDeployment("qwen3-8b-1a2b3c4d-full");
  d.uid = "0f8e7d6c-uid";
  d.name = "display name with 'quotes' and 中文";
  d.charge_type = "post_paid";
  d.billing_method = "POST_PAY";
  d.creator = "key-aaaaaaaaaaaa";
  d.modifier = "key-bbbbbbbbbbbb";
  d.enable_thinking = false;
  d.max_context_length = 131072;
  d.rpm_limit = 600;
  d.tpm_limit = 1'000'000;
  d.ready_capacity = 2;
  d.desired = DesiredState::kStopped;
  d.status = DeploymentStatus::kUpdatingFailed;
  d.fail_reason = "no room for 2 units of MU1";
  d.created = At(1) + std::chrono::milliseconds(123);
  d.modified = At(7) + std::chrono::milliseconds(999);
  return d;
}

Deployment Ptu(std::optional<int64_t> thinking_tpm) {
  Deployment d = MakeDeployment(thinking_tpm ? "qwen-plus-ptu-think" : "qwen-plus-ptu");
  d.plan = Plan::kPtu;
  d.model_unit_spec = "";
  d.ptu_capacity = PtuCapacity{20'000, 3'000, thinking_tpm};
  d.overflow_strategy = "disable";
  d.enable_thinking = true;
  d.desired = DesiredState::kDeleted;
  d.status = DeploymentStatus::kDeleting;
  return d;
}

Deployment Lora() {
  Deployment d = MakeDeployment("qwen3-14b-lora");
  d.plan = Plan::kLora;
  d.model_unit_spec = "";
  d.capacity = 1;
  d.base_capacity = 1;
  d.status = DeploymentStatus::kFailed;
  return d;
}

TEST_P(StoreDeploymentsTest, RoundTripsEveryField) {
  Deployment cu = MakeDeployment("emo-cu");
  cu.plan = Plan::kCu;
  cu.model_unit_spec = "CU";
  for (const Deployment& d : {FullMu(), Ptu(std::nullopt), Ptu(2'000), Lora(), cu}) {
    SCOPED_TRACE(d.deployed_model);
    Create(d);
    StatusOr<Deployment> got = store_->GetDeployment(d.deployed_model);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    Deployment want = d;
    want.version = 1;
    ExpectSameDeployment(want, *got);
  }
}

TEST_P(StoreDeploymentsTest, RoundTripsEveryStatusAndDesiredState) {
  const DesiredState desired[] = {DesiredState::kRunning, DesiredState::kStopped,
                                  DesiredState::kDeleted};
  int i = 0;
  for (DeploymentStatus status : AllStatuses()) {
    Deployment d = MakeDeployment(fmt::format("d{}", i));
    d.status = status;
    d.desired = desired[i++ % 3];
    Create(d);
    StatusOr<Deployment> got = store_->GetDeployment(d.deployed_model);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->status, status);
    EXPECT_EQ(got->desired, d.desired);
  }
}

TEST_P(StoreDeploymentsTest, CreateStoresVersionOneWhateverTheCallerSent) {
  Deployment d = MakeDeployment("m1");
  d.version = 42;
  Create(d);
  EXPECT_EQ(store_->GetDeployment("m1")->version, 1);
}

TEST_P(StoreDeploymentsTest, CreateOfTakenNameIsAlreadyExistsAndKeepsTheOriginal) {
  Deployment first = MakeDeployment("m1");
  Create(first);
  Deployment second = MakeDeployment("m1");
  second.uid = "another";
  Status status = store_->CreateDeployment(second, CreatedEvent(second));
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "deployment m1 already exists");
  EXPECT_EQ(store_->GetDeployment("m1")->uid, first.uid);
  EXPECT_TRUE(store_->ListEvents("another")->empty()) << "the failed create's event was kept";
}

TEST_P(StoreDeploymentsTest, GetOfUnknownIsNotFound) {
  StatusOr<Deployment> got = store_->GetDeployment("nope");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(), "deployment nope not found");
}

TEST_P(StoreDeploymentsTest, UpdateWritesFieldsAndBumpsVersion) {
  Create(MakeDeployment("m1"));
  Deployment d = *store_->GetDeployment("m1");
  d.capacity = 6;
  d.status = DeploymentStatus::kUpdating;
  d.rpm_limit = 10;
  ASSERT_TRUE(store_->UpdateDeployment(d, {}).ok());
  Deployment got = *store_->GetDeployment("m1");
  EXPECT_EQ(got.version, 2);
  EXPECT_EQ(got.capacity, 6);
  EXPECT_EQ(got.status, DeploymentStatus::kUpdating);
  EXPECT_EQ(got.rpm_limit, 10);
}

TEST_P(StoreDeploymentsTest, SecondWriterWithTheSameVersionIsAborted) {
  Create(MakeDeployment("m1"));
  Deployment a = *store_->GetDeployment("m1");
  Deployment b = a;
  a.capacity = 4;
  b.capacity = 8;
  ASSERT_TRUE(store_->UpdateDeployment(a, {MakeEvent(a, "Scaled", "", "x", At(1))}).ok());
  Status lost = store_->UpdateDeployment(b, {MakeEvent(b, "Scaled", "", "y", At(2))});
  EXPECT_EQ(lost.code(), StatusCode::kAborted);
  EXPECT_EQ(lost.message(), "deployment m1 was modified concurrently");
  Deployment got = *store_->GetDeployment("m1");
  EXPECT_EQ(got.capacity, 4);
  EXPECT_EQ(got.version, 2);
  EXPECT_EQ(store_->ListEvents(a.uid)->size(), 2u) << "the losing writer's event was kept";
}

TEST_P(StoreDeploymentsTest, UpdateOfUnknownIsNotFound) {
  Deployment d = MakeDeployment("ghost");
  EXPECT_EQ(store_->UpdateDeployment(d, {}).code(), StatusCode::kNotFound);
}

TEST_P(StoreDeploymentsTest, DeleteChecksVersion) {
  Create(MakeDeployment("m1"));
  DeploymentEvent event = MakeEvent(MakeDeployment("m1"), "Deleted", "", "x", At(3));
  EXPECT_EQ(store_->DeleteDeployment("m1", 7, event).code(), StatusCode::kAborted);
  EXPECT_TRUE(store_->GetDeployment("m1").ok());
  EXPECT_TRUE(store_->DeleteDeployment("m1", 1, event).ok());
  EXPECT_EQ(store_->GetDeployment("m1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteDeployment("m1", 1, event).code(), StatusCode::kNotFound);
}

TEST_P(StoreDeploymentsTest, EventsComeOldestFirstAndOutliveTheRecord) {
  Deployment d = MakeDeployment("m1");
  Create(d);
  d.version = 1;
  d.capacity = 4;
  ASSERT_TRUE(store_
                  ->UpdateDeployment(d, {MakeEvent(d, "Scaled", "2 -> 4", "key-1", At(5)),
                                         MakeEvent(d, "StatusChanged", "UPDATING", "r", At(5))})
                  .ok());
  ASSERT_TRUE(
      store_->DeleteDeployment("m1", 2, MakeEvent(d, "Deleted", "bye", "key-1", At(9))).ok());
  Deployment other = MakeDeployment("m2");
  Create(other);

  StatusOr<std::vector<DeploymentEvent>> events = store_->ListEvents(d.uid);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> types;
  for (const DeploymentEvent& e : *events) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"Created", "Scaled", "StatusChanged", "Deleted"}));
  for (size_t i = 1; i < events->size(); ++i) EXPECT_LT((*events)[i - 1].seq, (*events)[i].seq);
  const DeploymentEvent& scaled = (*events)[1];
  EXPECT_EQ(scaled.deployed_model, "m1");
  EXPECT_EQ(scaled.uid, d.uid);
  EXPECT_EQ(scaled.time, At(5));
  EXPECT_EQ(scaled.message, "2 -> 4");
  EXPECT_EQ(scaled.status, DeploymentStatus::kPending);
  EXPECT_EQ(scaled.capacity, 4);
  EXPECT_EQ(scaled.ready_capacity, 0);
  EXPECT_EQ(scaled.actor, "key-1");
}

TEST_P(StoreDeploymentsTest, EventsCarryThePtuCapacity) {
  Deployment d = MakeDeployment("p1");
  d.plan = Plan::kPtu;
  d.ptu_capacity = PtuCapacity{10000, 1000, std::nullopt};
  Create(d);
  d.ptu_capacity = PtuCapacity{20000, 3000, 2000};
  ASSERT_TRUE(store_->UpdateDeployment(d, {MakeEvent(d, "Scaled", "", "key-1", At(5))}).ok());
  Create(MakeDeployment("m1"));

  StatusOr<std::vector<DeploymentEvent>> ptu = store_->ListEvents(d.uid);
  ASSERT_TRUE(ptu.ok());
  ASSERT_EQ(ptu->size(), 2u);
  EXPECT_EQ((*ptu)[0].ptu_capacity, (PtuCapacity{10000, 1000, std::nullopt}));
  EXPECT_EQ((*ptu)[1].ptu_capacity, (PtuCapacity{20000, 3000, 2000}));
  StatusOr<std::vector<DeploymentEvent>> mu = store_->ListEvents("uid-m1");
  ASSERT_TRUE(mu.ok());
  ASSERT_EQ(mu->size(), 1u);
  EXPECT_EQ((*mu)[0].ptu_capacity, std::nullopt);
}

TEST_P(StoreDeploymentsTest, IncarnationsOutliveTheRecordAndFilterByTime) {
  const std::string ws = "llm-aaaaaaaaaaaaaaaa";
  Deployment gone = MakeDeployment("m1", ws, 10);
  gone.plan = Plan::kPtu;
  gone.ptu_capacity = PtuCapacity{10000, 1000, 1000};
  Create(gone);
  ASSERT_TRUE(
      store_->DeleteDeployment("m1", 1, MakeEvent(gone, "Deleted", "", "key-1", At(20))).ok());
  Deployment again = MakeDeployment("m1", ws, 30);
  again.uid = "uid-m1-again";
  Create(again);
  Create(MakeDeployment("other-ws", "llm-bbbbbbbbbbbbbbbb", 10));

  auto uids = [&](SystemTime start, SystemTime end) {
    StatusOr<std::vector<Incarnation>> got = store_->ListIncarnations(ws, start, end);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    std::vector<std::string> out;
    if (!got.ok()) return out;
    for (const Incarnation& i : *got) out.push_back(i.uid);
    return out;
  };
  EXPECT_EQ(uids(At(0), At(100)), (std::vector<std::string>{"uid-m1", "uid-m1-again"}));
  EXPECT_EQ(uids(At(0), At(10)), std::vector<std::string>{});  // created at the end: excluded
  EXPECT_EQ(uids(At(20), At(30)), std::vector<std::string>{"uid-m1"});
  EXPECT_EQ(uids(At(21), At(31)), std::vector<std::string>{"uid-m1-again"});

  StatusOr<std::vector<Incarnation>> all = store_->ListIncarnations(ws, At(0), At(100));
  ASSERT_TRUE(all.ok());
  Incarnation want = MakeIncarnation(gone);
  want.deleted = At(20);
  EXPECT_EQ((*all)[0], want);
  EXPECT_EQ((*all)[1], MakeIncarnation(again));
}

TEST_P(StoreDeploymentsTest, ListPagesNewestFirstWithFilterAndTotal) {
  const std::string ws = "llm-aaaaaaaaaaaaaaaa";
  Create(MakeDeployment("a-old", ws, 1));
  Create(MakeDeployment("b-same", ws, 5));
  Create(MakeDeployment("a-same", ws, 5));  // same created: deployed_model breaks the tie
  Create(MakeDeployment("c-new", ws, 9));
  Deployment ptu = MakeDeployment("p-ptu", ws, 3);
  ptu.plan = Plan::kPtu;
  ptu.ptu_capacity = PtuCapacity{10'000, 1'000, std::nullopt};
  Create(ptu);
  Create(MakeDeployment("elsewhere", "llm-bbbbbbbbbbbbbbbb", 20));

  auto query = [&](int page_no, int page_size, std::optional<Plan> plan = std::nullopt) {
    return ListDeploymentsQuery{ws, plan, page_no, page_size};
  };
  // One call per case, not a table of structs holding strings: g++ 12 at -O3 reports a false
  // -Wmaybe-uninitialized for such a table.
  auto expect_page = [&](const char* name, const ListDeploymentsQuery& q,
                         const std::vector<std::string>& want, int64_t want_total) {
    SCOPED_TRACE(name);
    StatusOr<DeploymentPage> page = store_->ListDeployments(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> names;
    for (const Deployment& d : page->items) names.push_back(d.deployed_model);
    EXPECT_EQ(names, want);
    EXPECT_EQ(page->total, want_total);
  };
  expect_page("all", query(1, 50), {"c-new", "a-same", "b-same", "p-ptu", "a-old"}, 5);
  expect_page("first page", query(1, 2), {"c-new", "a-same"}, 5);
  expect_page("middle page", query(2, 2), {"b-same", "p-ptu"}, 5);
  expect_page("last page", query(3, 2), {"a-old"}, 5);
  expect_page("past the end", query(4, 2), {}, 5);
  expect_page("plan ptu", query(1, 10, Plan::kPtu), {"p-ptu"}, 1);
  expect_page("plan mu page 2", query(2, 3, Plan::kMu), {"a-old"}, 4);
  expect_page("plan lora", query(1, 10, Plan::kLora), {}, 0);
  expect_page("other workspace", {"llm-bbbbbbbbbbbbbbbb", std::nullopt, 1, 10}, {"elsewhere"}, 1);
  expect_page("unknown workspace", {"llm-cccccccccccccccc", std::nullopt, 1, 10}, {}, 0);
}

TEST_P(StoreDeploymentsTest, ListTotalFollowsCreatesAndDeletes) {
  const std::string ws = MakeDeployment("x").workspace_id;
  auto total = [&] { return store_->ListDeployments({ws, std::nullopt, 1, 1})->total; };
  EXPECT_EQ(total(), 0);
  Create(MakeDeployment("m1"));
  Create(MakeDeployment("m2"));
  EXPECT_EQ(total(), 2);
  Deployment again = MakeDeployment("m1");
  EXPECT_EQ(store_->CreateDeployment(again, CreatedEvent(again)).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(total(), 2) << "a create that failed counts nothing";
  DeploymentEvent event = MakeEvent(MakeDeployment("m1"), "Deleted", "", "x", At(3));
  EXPECT_EQ(store_->DeleteDeployment("m1", 7, event).code(), StatusCode::kAborted);
  EXPECT_EQ(total(), 2);
  ASSERT_TRUE(store_->DeleteDeployment("m1", 1, event).ok());
  EXPECT_EQ(total(), 1);
  EXPECT_EQ(store_->ListDeployments({ws, Plan::kMu, 1, 1})->total, 1);
}

TEST_P(StoreDeploymentsTest, ListRejectsBadPaging) {
  EXPECT_EQ(store_->ListDeployments({"ws", std::nullopt, 0, 10}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListDeployments({"ws", std::nullopt, 1, 0}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(StoreDeploymentsTest, ListAllAndCountByStatusSpanWorkspaces) {
  Deployment running = MakeDeployment("r1", "llm-aaaaaaaaaaaaaaaa", 1);
  running.status = DeploymentStatus::kRunning;
  Create(running);
  Create(MakeDeployment("p1", "llm-bbbbbbbbbbbbbbbb", 2));
  Create(MakeDeployment("p2", "llm-cccccccccccccccc", 3));

  StatusOr<std::vector<Deployment>> all = store_->ListAllDeployments();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].deployed_model, "p2");

  StatusOr<std::map<DeploymentStatus, int64_t>> counts = store_->CountDeploymentsByStatus();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->size(), AllStatuses().size());
  EXPECT_EQ(counts->at(DeploymentStatus::kPending), 2);
  EXPECT_EQ(counts->at(DeploymentStatus::kRunning), 1);
  EXPECT_EQ(counts->at(DeploymentStatus::kFailed), 0);
}

BERTH_STORE_BACKENDS(StoreDeploymentsTest);

}  // namespace
}  // namespace berth
