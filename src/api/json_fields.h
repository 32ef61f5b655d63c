// JsonFields: typed, optional reads of a JSON object's fields that turn wrong types into a
// precise InvalidArgument ("capacity must be an integer, got string"). The first error wins;
// check status() after reading. JSON null reads as absent. Used by the request codecs only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"

namespace berth {

// Parses a request body that must be a JSON object (nested at most kMaxJsonDepth levels, see
// json/request_json.h). An empty body is an error unless `allow_empty`, in which case it reads
// as {}.
StatusOr<nlohmann::json> ParseJsonObject(const std::string& body, bool allow_empty = false);

class JsonFields {
 public:
  // `prefix` names the object in messages, e.g. "ptu_capacity.".
  explicit JsonFields(const nlohmann::json& object, std::string prefix = "")
      : object_(object), prefix_(std::move(prefix)) {}

  bool Has(const char* name) const;     // present, even if null
  bool IsNull(const char* name) const;  // present and null
  std::optional<std::string> String(const char* name);
  std::optional<int64_t> Integer(const char* name);
  std::optional<bool> Bool(const char* name);
  // The nested object, or nullptr if absent or null (an error if not an object).
  const nlohmann::json* Object(const char* name);
  const nlohmann::json* Array(const char* name);

  const Status& status() const { return status_; }

 private:
  const nlohmann::json* Field(const char* name) const;
  void Fail(const char* name, const char* expected, const nlohmann::json& got);

  const nlohmann::json& object_;
  const std::string prefix_;
  Status status_;
};

}  // namespace berth
