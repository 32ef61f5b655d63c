// AuthService: API keys and workspaces. Resolves an Authorization header (and the optional
// X-DashScope-WorkSpace header) to a Caller, from an in-memory cache of key hashes kept
// current with the store by this service's own writes. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "core/workspace.h"
#include "service/caller.h"
#include "store/store.h"

namespace berth {

struct NewApiKey {
  ApiKey key;
  std::string secret;  // shown once; only its hash is stored
};

class AuthService {
 public:
  AuthService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Loads keys and workspaces from the store.
  Status Load();

  // Unauthenticated ("No API-key provided." / "Invalid API-key provided.") for a missing or
  // unknown key; PermissionDenied ("Workspace access denied.") when the workspace header names
  // a workspace the key may not act in (non-admin keys: only their own).
  StatusOr<Caller> Authenticate(std::string_view authorization,
                                std::string_view workspace_header) const;

  StatusOr<Workspace> CreateWorkspace(const std::string& name);
  std::vector<Workspace> ListWorkspaces() const;
  // Generates a key; NotFound for an unknown workspace.
  StatusOr<NewApiKey> CreateKey(const std::string& workspace_id, bool admin);
  // Stores a key with a secret chosen by the operator (the bootstrap --api-key).
  StatusOr<ApiKey> ImportKey(const std::string& workspace_id, const std::string& secret,
                             bool admin);
  bool HasKeys() const;
  bool KnowsSecret(const std::string& secret) const;
  std::vector<ApiKey> ListKeys() const;
  // Deletes key `key_id` for `caller`. Deletions take turns and each decides under its turn, so
  // two admins deleting each other cannot both succeed: Unauthenticated when the caller's own key
  // was deleted meanwhile, NotFound for an unknown key, FailedPrecondition for the last admin key.
  Status DeleteKey(const Caller& caller, const std::string& key_id);

 private:
  StatusOr<ApiKey> StoreKey(const std::string& workspace_id, const std::string& secret, bool admin);
  bool HasWorkspaceLocked(const std::string& workspace_id) const;

  Store& store_;
  const Clock& clock_;
  std::mutex delete_mu_;  // held by one DeleteKey at a time, across its check and its write
  mutable std::shared_mutex mu_;
  std::map<std::string, ApiKey> keys_by_hash_;  // guarded by mu_
  std::vector<Workspace> workspaces_;           // guarded by mu_
};

}  // namespace berth
