// The process runtime's memory across restarts: one record per engine process it started,
// saved to DATA_DIR/replicas/state.json on every change (temp file, fsync, rename, fsync of
// the directory, so a crash leaves the old or the new file, never a torn one). Functions only;
// the caller serializes saves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace berth {

struct ReplicaRecord {
  std::string replica_id;
  std::string deployment_uid;
  std::string deployed_model;
  std::string model_name;
  std::string base_model;
  std::string plan;       // PlanName()
  std::string unit_spec;  // e.g. "MU1"; empty when the replica needs no units
  int units = 0;
  std::vector<int> slots;  // device indices taken from the inventory
  int pid = 0;             // 0 while no process runs (waiting to restart, failed)
  int pgid = 0;
  uint64_t start_ticks = 0;  // /proc/<pid>/stat start time: guards against pid reuse
  int port = 0;
  int64_t started_ms = 0;  // when the replica was first started (Unix ms)
  int restarts = 0;
  bool stopping = false;             // being drained or killed; never adopted, only finished off
  std::vector<std::string> command;  // argv of the current process, for people reading the file
  bool operator==(const ReplicaRecord&) const = default;
};

// Writes `records` atomically. Internal with the reason when the disk write fails.
Status SaveReplicaRecords(const std::string& path, const std::vector<ReplicaRecord>& records);
// Reads the file; an absent file is an empty list. InvalidArgument when it cannot be parsed.
StatusOr<std::vector<ReplicaRecord>> LoadReplicaRecords(const std::string& path);

}  // namespace berth
