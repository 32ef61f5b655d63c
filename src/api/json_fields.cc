#include "api/json_fields.h"

#include <cmath>

#include "json/request_json.h"

namespace berth {

StatusOr<nlohmann::json> ParseJsonObject(const std::string& body, bool allow_empty) {
  bool blank = body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) {
    if (allow_empty) return nlohmann::json::object();
    return InvalidArgument("request body is empty; expected a JSON object");
  }
  ASSIGN_OR_RETURN(nlohmann::json parsed, ParseRequestJson(body));
  if (!parsed.is_object()) {
    return InvalidArgument(std::string("request body must be a JSON object, got ") +
                           parsed.type_name());
  }
  return parsed;
}

const nlohmann::json* JsonFields::Field(const char* name) const {
  auto it = object_.find(name);
  return it == object_.end() ? nullptr : &*it;
}

bool JsonFields::Has(const char* name) const { return Field(name) != nullptr; }

bool JsonFields::IsNull(const char* name) const {
  const nlohmann::json* value = Field(name);
  return value && value->is_null();
}

void JsonFields::Fail(const char* name, const char* expected, const nlohmann::json& got) {
  if (!status_.ok()) return;
  status_ =
      InvalidArgument(prefix_ + name + " must be " + expected + ", got " + got.type_name() + " " +
                      got.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::optional<std::string> JsonFields::String(const char* name) {
  const nlohmann::json* value = Field(name);
  if (!value || value->is_null()) return std::nullopt;
  if (!value->is_string()) {
    Fail(name, "a string", *value);
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<int64_t> JsonFields::Integer(const char* name) {
  const nlohmann::json* value = Field(name);
  if (!value || value->is_null()) return std::nullopt;
  if (value->is_number_integer()) {
    if (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t(INT64_MAX)) {
      Fail(name, "an integer in range", *value);
      return std::nullopt;
    }
    return value->get<int64_t>();
  }
  // 4.0 is an integer written as a float; 4.5 is not.
  if (value->is_number_float()) {
    double d = value->get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9e15) return int64_t(d);
  }
  Fail(name, "an integer", *value);
  return std::nullopt;
}

std::optional<bool> JsonFields::Bool(const char* name) {
  const nlohmann::json* value = Field(name);
  if (!value || value->is_null()) return std::nullopt;
  if (!value->is_boolean()) {
    Fail(name, "a boolean", *value);
    return std::nullopt;
  }
  return value->get<bool>();
}

const nlohmann::json* JsonFields::Object(const char* name) {
  const nlohmann::json* value = Field(name);
  if (!value || value->is_null()) return nullptr;
  if (!value->is_object()) {
    Fail(name, "an object", *value);
    return nullptr;
  }
  return value;
}

const nlohmann::json* JsonFields::Array(const char* name) {
  const nlohmann::json* value = Field(name);
  if (!value || value->is_null()) return nullptr;
  if (!value->is_array()) {
    Fail(name, "an array", *value);
    return nullptr;
  }
  return value;
}

}  // namespace berth
