#include "core/naming.h"

#include "common/sha256.h"

namespace berth {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

}  // namespace

Status ValidateSuffix(std::string_view suffix) {
  if (suffix.empty() || suffix.size() > kMaxSuffixLength) {
    return InvalidArgument("suffix must be 1 to 8 characters long, got " +
                           std::to_string(suffix.size()));
  }
  for (char c : suffix) {
    if (!IsLowerAlnum(c)) {
      return InvalidArgument("suffix '" + std::string(suffix) +
                             "' may contain only lowercase letters and digits [a-z0-9]");
    }
  }
  return Status::Ok();
}

Status ValidateDisplayName(std::string_view name) {
  if (name.empty()) return InvalidArgument("name must not be empty");
  if (name.size() > kMaxDisplayNameLength) {
    return InvalidArgument("name must be at most 128 characters, got " +
                           std::to_string(name.size()));
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("name must not contain control characters");
  }
  return Status::Ok();
}

Status ValidateModelName(std::string_view model_name) {
  if (model_name.empty()) return InvalidArgument("model_name must not be empty");
  if (model_name.size() > kMaxModelNameLength) {
    return InvalidArgument("model_name must be at most 128 characters");
  }
  if (!IsAlnum(model_name.front())) {
    return InvalidArgument("model_name must start with a letter or digit");
  }
  for (char c : model_name) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') {
      return InvalidArgument("model_name '" + std::string(model_name) +
                             "' may contain only letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

std::string NameHash(std::string_view workspace_id, std::string_view model_name) {
  std::string input(workspace_id);
  input += '/';
  input += model_name;
  return Sha256Hex(input).substr(0, 8);
}

std::string DeployedModelName(Plan plan, std::string_view workspace_id, std::string_view model_name,
                              std::string_view suffix) {
  std::string name(model_name);
  if (plan != Plan::kLora) name += "-" + NameHash(workspace_id, model_name);
  if (!suffix.empty()) {
    name += '-';
    name += suffix;
  }
  return name;
}

}  // namespace berth
