// The tenancy vocabulary: a Workspace owns deployments, an ApiKey lets its holder act in one
// workspace (as an admin or not). Plain values: no I/O, safe to copy between threads.
#pragma once

#include <string>

#include "common/clock.h"

namespace berth {

struct Workspace {
  std::string workspace_id;  // "llm-" + 16 of [a-z0-9]
  std::string name;
  SystemTime created;
};

struct ApiKey {
  std::string key_id;  // "key-" + 12 hex; public, used to delete the key
  std::string workspace_id;
  std::string key_hash;    // hex SHA-256 of the secret; the secret itself is never stored
  std::string key_prefix;  // the first characters of the secret, to recognise it in lists
  bool admin = false;
  SystemTime created;
};

}  // namespace berth
