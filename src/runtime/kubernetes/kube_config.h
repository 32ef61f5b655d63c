// Where the apiserver is and who berth is to it: a kubeconfig (--kubeconfig FILE or
// KUBECONFIG) or the in-cluster service account. Parsed once at startup into a plain value;
// pure functions apart from reading the named files. Safe on any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace berth {

// A client-go exec credential plugin (users[].user.exec): run it, read an ExecCredential.
struct ExecPlugin {
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
};

struct KubeConnection {
  std::string server;  // https://host:port
  std::string ca_pem;  // empty: the system's roots
  bool insecure_skip_tls_verify = false;
  // The name the server's certificate must carry (and SNI); empty: the server URL's host.
  std::string tls_server_name;
  std::string token;       // a bearer token
  std::string token_file;  // re-read as it rotates (bound service-account tokens expire)
  std::string client_cert_pem;
  std::string client_key_pem;
  std::optional<ExecPlugin> exec;
  std::string kube_namespace;  // the context's or the pod's namespace; may be empty
  std::string source;          // for messages: "kubeconfig F (context C)" or "in-cluster"
};

// Parses kubeconfig text. Relative file paths resolve against `base_dir`; `context` empty
// means current-context. InvalidArgument naming what is missing or wrong, or a file that
// cannot be read.
StatusOr<KubeConnection> ParseKubeconfig(std::string_view text, const std::string& base_dir,
                                         const std::string& context);
// Reads and parses `path` (the first of a colon-separated KUBECONFIG list).
StatusOr<KubeConnection> LoadKubeconfig(const std::string& path, const std::string& context);

// The in-cluster connection: KUBERNETES_SERVICE_HOST / _PORT (given here so tests can pass
// them) and the token, ca.crt and namespace files in `sa_dir`
// (/var/run/secrets/kubernetes.io/serviceaccount). FailedPrecondition outside a cluster.
StatusOr<KubeConnection> InClusterConnection(const std::string& host, const std::string& port,
                                             const std::string& sa_dir);

// Decodes standard base64 (whitespace ignored). InvalidArgument on anything else.
StatusOr<std::string> DecodeBase64(std::string_view text);

// Reads a whole file. InvalidArgument naming it when it cannot be read.
StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace berth
