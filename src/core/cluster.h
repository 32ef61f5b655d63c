// What one berth instance knows of the instances sharing its store: who they are, when each
// last said it was alive, and which one holds the reconciler lease (the leader) since when.
// Plain values: no I/O, safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace berth {

struct ClusterInstance {
  std::string instance_id;
  std::string address;  // the base URL it listens on
  std::string hostname;
  std::string runtime;  // "sim", "process", "kubernetes"
  SystemTime started;
  SystemTime last_heartbeat;
  bool leader = false;
};

struct ClusterView {
  std::string self;                        // this instance's id
  std::string store;                       // "sqlite" or "postgresql"
  std::vector<ClusterInstance> instances;  // live ones, oldest first
  std::string leader;                      // instance id holding the lease; empty if none
  int64_t term = 0;                        // the lease's term: +1 at every change of holder
  std::optional<SystemTime> leader_since;  // when the leader took the lease
};

}  // namespace berth
