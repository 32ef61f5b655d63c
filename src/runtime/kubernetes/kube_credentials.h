// KubeCredentials: the bearer token to send with each apiserver request. A fixed token, a token
// file re-read on every request (bound service-account tokens rotate), or a client-go exec
// plugin run when it has no token yet or its token expires within a minute. Thread-safe; a
// plugin run happens under the lock, so concurrent callers wait for one run.
#pragma once

#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "runtime/kubernetes/kube_config.h"

namespace berth {

class KubeCredentials {
 public:
  KubeCredentials(const KubeConnection& connection, const Clock& clock);

  // "" when the user authenticates otherwise (a client certificate) or anonymously.
  // Unauthenticated naming the file or plugin that failed.
  StatusOr<std::string> BearerToken();
  // After a 401: the next BearerToken runs the exec plugin again.
  void Invalidate();

 private:
  StatusOr<std::string> RunPlugin();

  const KubeConnection connection_;
  const Clock& clock_;
  std::mutex mu_;
  std::string exec_token_;     // guarded by mu_
  SystemTime exec_expires_{};  // guarded by mu_; epoch: no expiry given
};

// Runs `plugin` and parses its ExecCredential: the token and expiry (epoch when none).
struct ExecCredential {
  std::string token;
  SystemTime expires{};
};
StatusOr<ExecCredential> RunExecPlugin(const ExecPlugin& plugin);
// Parses ExecCredential JSON (what a plugin prints). InvalidArgument when it has no token.
StatusOr<ExecCredential> ParseExecCredential(std::string_view json);

}  // namespace berth
