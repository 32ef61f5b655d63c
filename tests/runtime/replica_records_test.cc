#include "runtime/process/replica_records.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"

namespace berth {
namespace {

ReplicaRecord Sample() {
  ReplicaRecord r;
  r.replica_id = "qwen3-8b-1a2b3c4d-abc123";
  r.deployment_uid = "uid-1";
  r.deployed_model = "qwen3-8b-1a2b3c4d";
  r.model_name = "qwen3-8b";
  r.base_model = "qwen3-8b";
  r.plan = "mu";
  r.unit_spec = "MU1";
  r.units = 2;
  r.slots = {0, 1};
  r.pid = 4242;
  r.pgid = 4242;
  r.start_ticks = 123456789012ULL;
  r.port = 40001;
  r.started_ms = 1750000000123;
  r.restarts = 3;
  r.stopping = true;
  r.command = {"berth", "engine-sim", "--port", "40001"};
  return r;
}

TEST(ReplicaRecordsTest, RoundTrip) {
  testing::ScopedTempDir dir;
  std::string path = dir.File("state.json");
  ReplicaRecord second = Sample();
  second.replica_id = "other";
  second.slots.clear();
  second.stopping = false;
  ASSERT_TRUE(SaveReplicaRecords(path, {Sample(), second}).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  StatusOr<std::vector<ReplicaRecord>> loaded = LoadReplicaRecords(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*loaded, (std::vector<ReplicaRecord>{Sample(), second}));
  ASSERT_TRUE(SaveReplicaRecords(path, {}).ok());
  EXPECT_TRUE(LoadReplicaRecords(path)->empty());
}

TEST(ReplicaRecordsTest, MissingFileIsEmpty) {
  testing::ScopedTempDir dir;
  StatusOr<std::vector<ReplicaRecord>> loaded = LoadReplicaRecords(dir.File("absent.json"));
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->empty());
}

TEST(ReplicaRecordsTest, UnreadableFile) {
  testing::ScopedTempDir dir;
  for (const char* text : {"{", "[]", R"({"version": 2, "replicas": []})",
                           R"({"version": 1, "replicas": [{"pid": 1}]})"}) {
    std::ofstream(dir.File("state.json")) << text;
    EXPECT_EQ(LoadReplicaRecords(dir.File("state.json")).status().code(),
              StatusCode::kInvalidArgument)
        << text;
  }
}

TEST(ReplicaRecordsTest, SaveFailsInMissingDirectory) {
  EXPECT_EQ(SaveReplicaRecords("/nonexistent/dir/state.json", {}).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace berth
