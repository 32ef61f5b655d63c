// Gateway: the inference side of berth. Serves deployed models at their names through
// DashScope's OpenAI-compatible API (/compatible-mode/v1/chat/completions, /completions,
// /models) and its native API (/api/v1/services/aigc/text-generation/generation): checks the
// key and the deployment's workspace, applies the deployment's rate limits (reserve-then-settle)
// and PTU overflow, and hands the request to a ProxyCall. See docs/gateway.md.
//
// Handle() runs on the HTTP server's network threads and never blocks: no store, no worker
// pool (the routing table is in memory, the engines are called asynchronously).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/gateway_metrics.h"
#include "gateway/proxy_call.h"
#include "gateway/route_table.h"
#include "gateway/usage_recorder.h"
#include "http/http_types.h"
#include "http/upstream_client.h"
#include "service/auth_service.h"

namespace berth {

struct GatewayDeps {
  AuthService* auth = nullptr;
  GatewayRoutes* routes = nullptr;
  UpstreamClient* upstream = nullptr;
  UsageRecorder* usage = nullptr;
  GatewayMetrics* metrics = nullptr;
  const Clock* clock = nullptr;
};

class Gateway {
 public:
  explicit Gateway(GatewayDeps deps);

  // Whether a request to `path` is the gateway's (the rest is the control plane's).
  static bool Serves(std::string_view path);
  void Handle(HttpRequest request, HttpResponder respond);

 private:
  enum class Kind { kChat, kCompletions, kModels, kModel, kNative, kUnknown };
  static Kind Classify(const HttpRequest& request);
  void Serve(const HttpRequest& request, HttpResponder respond);

  void ListModels(const Caller& caller, const HttpRequest& request, Kind kind,
                  const std::string& request_id, HttpResponder respond);
  // Reads the body into `plan` (target, body for the engine, estimates); InvalidArgument.
  Status Plan(Kind kind, const HttpRequest& request, ProxyPlan& plan, std::string& model) const;
  Status PlanFromTree(bool chat, const HttpRequest& request, ProxyPlan& plan,
                      std::string& model) const;
  // Routing: fills plan.route, the output estimate and plan.thinking; the refusal, if any.
  std::optional<GatewayError> Route(const std::string& model, ProxyPlan& plan) const;
  // Answers a request the gateway refuses itself, and counts it.
  void Refuse(const ProxyPlan& plan, const GatewayError& error, HttpResponder& respond) const;

  // Admission (gateway_admission.cc): a reservation under the deployment's limits, then the
  // ProxyCall, or a refusal. A shared limit whose lease is under way parks the request on its
  // event loop until the lease is answered (at most kLeaseWait), without blocking the thread.
  struct LeaseWait;
  void Admit(ProxyPlan plan, HttpResponder respond);
  void ParkForLease(std::shared_ptr<LeaseWait> wait);
  void PollLease(const std::shared_ptr<LeaseWait>& wait);
  void WaitForLeaseBlocking(LeaseWait& wait);
  void Proceed(ProxyPlan plan, HttpResponder respond, Reservation reservation);
  int64_t NowMs() const { return SteadyMillis(deps_.clock->MonotonicNow()); }

  GatewayDeps deps_;
  ProxyDeps proxy_deps_;
};

}  // namespace berth
