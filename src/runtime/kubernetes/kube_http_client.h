// KubeHttpClient: the real KubeTransport, HTTPS to the apiserver through OpenSSL (Beast over
// Asio, blocking, one connection per request or watch). Verifies the server against the
// connection's CA (or the system roots), and that its certificate is for the server's host
// name or IP address (or tls-server-name), unless insecure-skip-tls-verify; presents the client
// certificate if any, and sends the credentials' bearer token. Thread-safe; each call blocks
// its caller for at most the request timeout (a watch: until its stream ends or is cancelled).
#pragma once

#include <memory>
#include <mutex>
#include <set>

#include "runtime/kubernetes/kube_credentials.h"
#include "runtime/kubernetes/kube_transport.h"

namespace berth {

struct KubeHttpOptions {
  Millis connect_timeout{5000};
  Millis request_timeout{30000};
  Millis watch_idle_timeout{360000};  // no byte for this long: the watch stream is dead
};

class KubeHttpClient : public KubeTransport {
 public:
  // InvalidArgument when the server URL, CA or client key cannot be used.
  static StatusOr<std::unique_ptr<KubeHttpClient>> Create(const KubeConnection& connection,
                                                          const Clock& clock,
                                                          KubeHttpOptions options = {});
  ~KubeHttpClient() override;

  StatusOr<KubeResponse> Call(const KubeRequest& request) override;
  StatusOr<KubeResponse> Watch(const std::string& path, const LineHandler& on_line) override;
  void CancelWatches() override;

  struct Tls;  // OpenSSL context, kube_http_client.cc

 private:
  KubeHttpClient(const KubeConnection& connection, const Clock& clock, KubeHttpOptions options);
  StatusOr<KubeResponse> Exchange(const KubeRequest& request, const LineHandler* on_line);

  const KubeHttpOptions options_;
  std::string host_;
  std::string port_;
  std::string verify_name_;  // the name the certificate must carry; empty: not verified
  KubeCredentials credentials_;
  std::unique_ptr<Tls> tls_;
  std::mutex mu_;
  std::set<int> watch_fds_;  // sockets of running watches; guarded by mu_
  bool cancelled_ = false;   // guarded by mu_
};

}  // namespace berth
