#include "service/auth_service.h"

#include <strings.h>

#include <algorithm>
#include <mutex>

#include "common/random.h"
#include "common/sha256.h"
#include "core/naming.h"

namespace berth {
namespace {

constexpr size_t kPrefixLength = 6;

// The token of "Bearer <token>" (scheme case-insensitive), or "" if there is none.
std::string_view BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      strncasecmp(header.data(), kScheme.data(), kScheme.size()) != 0) {
    return {};
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

}  // namespace

Status AuthService::Load() {
  ASSIGN_OR_RETURN(std::vector<ApiKey> keys, store_.ListApiKeys());
  ASSIGN_OR_RETURN(std::vector<Workspace> workspaces, store_.ListWorkspaces());
  std::unique_lock lock(mu_);
  keys_by_hash_.clear();
  for (ApiKey& key : keys) keys_by_hash_[key.key_hash] = std::move(key);
  workspaces_ = std::move(workspaces);
  return Status::Ok();
}

StatusOr<Caller> AuthService::Authenticate(std::string_view authorization,
                                           std::string_view workspace_header) const {
  if (authorization.empty()) return Unauthenticated("No API-key provided.");
  std::string_view token = BearerToken(authorization);
  if (token.empty()) return Unauthenticated("Invalid API-key provided.");
  // Only hashes are compared, and the final comparison takes constant time, so neither the
  // map lookup nor the comparison reveals anything about a stored secret.
  std::string hash = Sha256Hex(token);
  std::shared_lock lock(mu_);
  auto it = keys_by_hash_.find(hash);
  if (it == keys_by_hash_.end() || !ConstantTimeEquals(it->second.key_hash, hash)) {
    return Unauthenticated("Invalid API-key provided.");
  }
  const ApiKey& key = it->second;
  Caller caller{key.key_id, key.workspace_id, key.admin};
  if (!workspace_header.empty() && workspace_header != key.workspace_id) {
    std::string wanted(workspace_header);
    if (!key.admin || !HasWorkspaceLocked(wanted)) {
      return PermissionDenied("Workspace access denied.");
    }
    caller.workspace_id = wanted;
  }
  return caller;
}

bool AuthService::HasWorkspaceLocked(const std::string& workspace_id) const {
  for (const Workspace& w : workspaces_) {
    if (w.workspace_id == workspace_id) return true;
  }
  return false;
}

StatusOr<Workspace> AuthService::CreateWorkspace(const std::string& name) {
  RETURN_IF_ERROR(ValidateWorkspaceName(name));
  Workspace w{"llm-" + RandomAlnum(16), name, clock_.Now()};
  RETURN_IF_ERROR(store_.CreateWorkspace(w));
  std::unique_lock lock(mu_);
  workspaces_.push_back(w);
  return w;
}

std::vector<Workspace> AuthService::ListWorkspaces() const {
  std::shared_lock lock(mu_);
  return workspaces_;
}

StatusOr<NewApiKey> AuthService::CreateKey(const std::string& workspace_id, bool admin) {
  std::string secret = "sk-" + RandomHex(32);
  ASSIGN_OR_RETURN(ApiKey key, StoreKey(workspace_id, secret, admin));
  return NewApiKey{std::move(key), std::move(secret)};
}

StatusOr<ApiKey> AuthService::ImportKey(const std::string& workspace_id, const std::string& secret,
                                        bool admin) {
  if (secret.size() < 8) return InvalidArgument("an API key must be at least 8 characters");
  for (unsigned char c : secret) {
    if (c <= 0x20 || c >= 0x7f) {
      return InvalidArgument("an API key must be printable ASCII without spaces");
    }
  }
  return StoreKey(workspace_id, secret, admin);
}

StatusOr<ApiKey> AuthService::StoreKey(const std::string& workspace_id, const std::string& secret,
                                       bool admin) {
  {
    std::shared_lock lock(mu_);
    if (!HasWorkspaceLocked(workspace_id)) {
      return NotFound("Workspace " + workspace_id + " not found!");
    }
  }
  ApiKey key;
  key.key_id = "key-" + RandomHex(12);
  key.workspace_id = workspace_id;
  key.key_hash = Sha256Hex(secret);
  key.key_prefix = secret.substr(0, kPrefixLength);
  key.admin = admin;
  key.created = clock_.Now();
  RETURN_IF_ERROR(store_.CreateApiKey(key));
  std::unique_lock lock(mu_);
  keys_by_hash_[key.key_hash] = key;
  return key;
}

bool AuthService::HasKeys() const {
  std::shared_lock lock(mu_);
  return !keys_by_hash_.empty();
}

bool AuthService::KnowsSecret(const std::string& secret) const {
  std::shared_lock lock(mu_);
  return keys_by_hash_.count(Sha256Hex(secret)) > 0;
}

std::vector<ApiKey> AuthService::ListKeys() const {
  std::shared_lock lock(mu_);
  std::vector<ApiKey> keys;
  for (const auto& [hash, key] : keys_by_hash_) keys.push_back(key);
  std::sort(keys.begin(), keys.end(),
            [](const ApiKey& a, const ApiKey& b) { return a.created < b.created; });
  return keys;
}

Status AuthService::DeleteKey(const Caller& caller, const std::string& key_id) {
  std::lock_guard turn(delete_mu_);
  {
    std::shared_lock lock(mu_);
    bool caller_alive = false, found = false, admin = false;
    int admins = 0;
    for (const auto& [hash, key] : keys_by_hash_) {
      caller_alive = caller_alive || key.key_id == caller.key_id;
      admins += key.admin ? 1 : 0;
      if (key.key_id == key_id) found = true, admin = key.admin;
    }
    if (!caller_alive) return Unauthenticated("Invalid API-key provided.");
    if (!found) return NotFound("Key " + key_id + " not found!");
    if (admin && admins == 1) {
      return FailedPrecondition("key " + key_id + " is the last admin key; create another first");
    }
  }
  RETURN_IF_ERROR(store_.DeleteApiKey(key_id));
  std::unique_lock lock(mu_);
  std::erase_if(keys_by_hash_, [&](const auto& entry) { return entry.second.key_id == key_id; });
  return Status::Ok();
}

}  // namespace berth
