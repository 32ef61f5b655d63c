// Tests for lora_pool_view.h: a pool replica as an adapter deployment's replica, and the
// bookkeeping of the loads tried on it (both runtimes with lora pools share them).
#include "runtime/lora_pool_view.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

const Millis kBase{1000};
const Millis kMax{30000};

TEST(AdapterTriesTest, RefusalsBackOffDoublingUpToTheCap) {
  AdapterTries tries;
  SteadyTime t0{};
  EXPECT_TRUE(tries.MayTry(t0, 3));
  const Millis expected[] = {Millis{1000},  Millis{2000},  Millis{4000}, Millis{8000},
                             Millis{16000}, Millis{30000}, Millis{30000}};
  for (int i = 0; i < 7; ++i) {
    tries.busy = true;
    EXPECT_FALSE(tries.MayTry(t0, 100)) << "a call is under way";
    tries.Record(Internal("HTTP 400: no such adapter"), "adapter a on pod p", t0, kBase, kMax);
    EXPECT_FALSE(tries.busy);
    EXPECT_EQ(tries.failures, i + 1);
    EXPECT_EQ(tries.next_try - t0, expected[i]) << "after refusal " << i + 1;
    EXPECT_FALSE(tries.MayTry(tries.next_try - Millis{1}, 100));
    EXPECT_TRUE(tries.MayTry(tries.next_try, 100));
  }
  EXPECT_EQ(tries.last_error, "adapter a on pod p: HTTP 400: no such adapter");
}

TEST(AdapterTriesTest, NoTriesLeftAfterMaxRefusalsAndSuccessClearsThem) {
  AdapterTries tries;
  SteadyTime t0{};
  for (int i = 0; i < 3; ++i) tries.Record(Internal("refused"), "x", t0, kBase, kMax);
  EXPECT_FALSE(tries.MayTry(t0 + kMax, 3)) << "three refusals with three tries allowed";
  EXPECT_TRUE(tries.MayTry(t0 + kMax, 4));
  tries.Record(Status::Ok(), "x", t0, kBase, kMax);
  EXPECT_EQ(tries.failures, 0);
  EXPECT_EQ(tries.last_error, "");
  EXPECT_TRUE(tries.MayTry(t0 + kMax, 3));
}

ReplicaInfo ReadyPoolReplica() {
  ReplicaInfo r;
  r.replica_id = "pool-pod-1";
  r.state = ReplicaState::kReady;
  r.port = 8000;
  return r;
}

TEST(LoraPoolReplicaViewTest, ReadyOnlyOnceTheAdapterIsLoaded) {
  LoraPoolNames names{"uid-a", "ft-a", "qwen3-8b-pool", "qwen3-8b", EngineKind::kOpenAI};
  ReplicaInfo loaded = LoraPoolReplicaView(ReadyPoolReplica(), names, {true, true, 0, ""}, 3);
  EXPECT_EQ(loaded.state, ReplicaState::kReady);
  EXPECT_EQ(loaded.deployment_uid, "uid-a");
  EXPECT_EQ(loaded.pool, "qwen3-8b-pool");
  ReplicaInfo untried = LoraPoolReplicaView(ReadyPoolReplica(), names, {}, 3);
  EXPECT_EQ(untried.state, ReplicaState::kStarting);
  EXPECT_EQ(untried.last_error, "");
  ReplicaInfo refused =
      LoraPoolReplicaView(ReadyPoolReplica(), names, {true, false, 1, "adapter ft-a: 400"}, 3);
  EXPECT_EQ(refused.state, ReplicaState::kStarting);
  EXPECT_EQ(refused.last_error, "adapter ft-a: 400");
  ReplicaInfo failed =
      LoraPoolReplicaView(ReadyPoolReplica(), names, {true, false, 3, "adapter ft-a: 400"}, 3);
  EXPECT_EQ(failed.state, ReplicaState::kFailed);
  EXPECT_EQ(failed.last_error, "adapter ft-a: 400 (gave up after 3 tries)");
}

TEST(LoraPoolReplicaViewTest, SglangServesTheAdapterUnderBaseColonAdapter) {
  LoraPoolNames names{"uid-a", "ft-a", "pool", "qwen3-8b", EngineKind::kSglang};
  ReplicaInfo r = LoraPoolReplicaView(ReadyPoolReplica(), names, {true, true, 0, ""}, 3);
  EXPECT_EQ(r.upstream_model, "qwen3-8b:ft-a");
}

}  // namespace
}  // namespace berth
