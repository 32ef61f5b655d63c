#include "runtime/process/replica_records.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace berth {
namespace {

using Json = nlohmann::json;
constexpr int kFormatVersion = 1;

Json ToJson(const ReplicaRecord& r) {
  return Json{{"replica_id", r.replica_id},
              {"deployment_uid", r.deployment_uid},
              {"deployed_model", r.deployed_model},
              {"model_name", r.model_name},
              {"base_model", r.base_model},
              {"plan", r.plan},
              {"unit_spec", r.unit_spec},
              {"units", r.units},
              {"slots", r.slots},
              {"pid", r.pid},
              {"pgid", r.pgid},
              {"start_ticks", r.start_ticks},
              {"port", r.port},
              {"started_ms", r.started_ms},
              {"restarts", r.restarts},
              {"stopping", r.stopping},
              {"command", r.command}};
}

ReplicaRecord FromJson(const Json& j) {
  ReplicaRecord r;
  r.replica_id = j.at("replica_id").get<std::string>();
  r.deployment_uid = j.at("deployment_uid").get<std::string>();
  r.deployed_model = j.value("deployed_model", "");
  r.model_name = j.value("model_name", "");
  r.base_model = j.value("base_model", "");
  r.plan = j.value("plan", "mu");
  r.unit_spec = j.value("unit_spec", "");
  r.units = j.value("units", 0);
  r.slots = j.value("slots", std::vector<int>{});
  r.pid = j.value("pid", 0);
  r.pgid = j.value("pgid", 0);
  r.start_ticks = j.value("start_ticks", uint64_t{0});
  r.port = j.value("port", 0);
  r.started_ms = j.value("started_ms", int64_t{0});
  r.restarts = j.value("restarts", 0);
  r.stopping = j.value("stopping", false);
  r.command = j.value("command", std::vector<std::string>{});
  return r;
}

Status WriteAndSync(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot write " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = errno;
      ::close(fd);
      return Internal("cannot write " + path + ": " + std::strerror(error));
    }
    done += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced ? Status::Ok() : Internal("cannot fsync " + path);
}

void SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Status SaveReplicaRecords(const std::string& path, const std::vector<ReplicaRecord>& records) {
  Json list = Json::array();
  for (const ReplicaRecord& r : records) list.push_back(ToJson(r));
  Json root{{"version", kFormatVersion}, {"replicas", std::move(list)}};
  std::string tmp = path + ".tmp";
  RETURN_IF_ERROR(WriteAndSync(tmp, root.dump(2) + "\n"));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Internal("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  SyncDirectory(std::filesystem::path(path).parent_path().string());
  return Status::Ok();
}

StatusOr<std::vector<ReplicaRecord>> LoadReplicaRecords(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::vector<ReplicaRecord>{};
  std::stringstream text;
  text << in.rdbuf();
  try {
    Json root = Json::parse(text.str());
    if (root.value("version", 0) != kFormatVersion) {
      return InvalidArgument(path + ": unknown format version");
    }
    std::vector<ReplicaRecord> records;
    for (const Json& j : root.at("replicas")) records.push_back(FromJson(j));
    return records;
  } catch (const Json::exception& e) {
    return InvalidArgument(path + ": " + e.what());
  }
}

}  // namespace berth
