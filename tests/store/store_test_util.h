// Helpers shared by the store tests: a self-deleting temporary directory and record factories.
// Single-threaded test code only.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "common/clock.h"
#include "core/deployment.h"

namespace berth::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "berth-store-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A fixed point in time, whole milliseconds (the store's precision), plus `seconds`.
inline SystemTime At(int64_t seconds) { return FromUnixMillis(1'750'000'000'000 + seconds * 1000); }

// A plain mu deployment of `workspace` created at At(created_s).
inline Deployment MakeDeployment(const std::string& deployed_model,
                                 const std::string& workspace = "llm-aaaaaaaaaaaaaaaa",
                                 int64_t created_s = 0) {
  Deployment d;
  d.deployed_model = deployed_model;
  d.uid = "uid-" + deployed_model;
  d.name = deployed_model;
  d.model_name = "qwen3-8b";
  d.base_model = "qwen3-8b";
  d.workspace_id = workspace;
  d.plan = Plan::kMu;
  d.model_unit_spec = "MU1";
  d.base_capacity = 2;
  d.capacity = 2;
  d.created = At(created_s);
  d.modified = At(created_s);
  d.version = 1;
  return d;
}

inline DeploymentEvent CreatedEvent(const Deployment& d) {
  return MakeEvent(d, "Created", "created", "key-000000000001", d.created);
}

}  // namespace berth::testing
