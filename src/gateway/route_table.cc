#include "gateway/route_table.h"

#include <algorithm>

namespace berth {

const Endpoint* RouteState::Acquire(const std::vector<Endpoint>& endpoints,
                                    const std::vector<std::string>& tried, int64_t now_ms) {
  std::lock_guard lock(mu_);
  const Endpoint* best = nullptr;
  int best_load = 0;
  uint64_t best_pick = 0;
  for (const Endpoint& e : endpoints) {
    if (std::find(tried.begin(), tried.end(), e.replica_id) != tried.end()) continue;
    auto down = down_until_.find(e.replica_id);
    if (down != down_until_.end() && down->second > now_ms) continue;
    int load = in_flight_[e.replica_id];
    uint64_t pick = last_pick_[e.replica_id];
    if (best == nullptr || load < best_load || (load == best_load && pick < best_pick)) {
      best = &e;
      best_load = load;
      best_pick = pick;
    }
  }
  if (best != nullptr) {
    ++in_flight_[best->replica_id];
    last_pick_[best->replica_id] = ++picks_;
  }
  return best;
}

void RouteState::Release(const std::string& replica_id) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(replica_id);
  if (it != in_flight_.end() && it->second > 0) --it->second;
}

void RouteState::MarkDown(const std::string& replica_id, int64_t now_ms, int64_t for_ms) {
  std::lock_guard lock(mu_);
  down_until_[replica_id] = now_ms + for_ms;
}

int RouteState::InFlight(const std::string& replica_id) {
  std::lock_guard lock(mu_);
  return in_flight_[replica_id];
}

RateLimits LimitsOf(const Deployment& d) {
  RateLimits limits;
  if (d.plan == Plan::kMu) {
    limits.rpm = d.rpm_limit;
    limits.tpm = d.tpm_limit;
  }
  if (d.plan == Plan::kPtu && d.ptu_capacity) {
    limits.input_tpm = d.ptu_capacity->input_tpm;
    limits.output_tpm = d.ptu_capacity->output_tpm;
    limits.overflow = d.overflow_strategy != "disable";
  }
  return limits;
}

void GatewayRoutes::Publish(const Deployment& d, const std::vector<ReplicaInfo>& replicas) {
  auto route = std::make_shared<GatewayRoute>();
  route->deployed_model = d.deployed_model;
  route->uid = d.uid;
  route->workspace_id = d.workspace_id;
  route->model_name = d.model_name;
  route->plan = d.plan;
  route->status = d.status;
  route->thinking_enabled = d.enable_thinking.value_or(false);
  route->created = d.created;
  for (const ReplicaInfo& r : replicas) {
    if (r.state == ReplicaState::kReady && r.port > 0)
      route->endpoints.push_back({r.replica_id, r.port, r.upstream_model, r.host});
  }
  std::unique_lock lock(mu_);
  auto& slot = routes_[d.deployed_model];
  if (slot) ReportGone(*slot, route.get());
  // The same incarnation keeps its limiter windows and in-flight counts.
  route->state = slot && slot->uid == d.uid ? slot->state : std::make_shared<RouteState>();
  RateLimits limits = LimitsOf(d);
  if (route->state->limiter.limits() != limits) route->state->limiter.SetLimits(limits);
  for (const Endpoint& e : route->endpoints) {
    std::vector<std::weak_ptr<RouteState>>& states = replica_states_[e.replica_id];
    bool known = false;
    for (const std::weak_ptr<RouteState>& state : states) {
      known = known || state.lock() == route->state;
    }
    if (!known) states.push_back(route->state);
  }
  // Only the replicas this route lists or listed can hold expired states it left behind: sweep
  // those, not the whole table, so a publish costs the same with 10 or 100,000 deployments.
  std::shared_ptr<const GatewayRoute> before = std::move(slot);
  slot = std::move(route);
  if (before) SweepExpired(before->endpoints);
  SweepSome();
}

void GatewayRoutes::SweepSome() {
  // A state still held by a request when its replica left every route expires later, unseen by
  // SweepExpired: a few entries per publish, round robin, collect those.
  constexpr int kPerPublish = 4;
  auto it = replica_states_.upper_bound(sweep_cursor_);
  for (int i = 0; i < kPerPublish && !replica_states_.empty(); ++i) {
    if (it == replica_states_.end()) it = replica_states_.begin();
    sweep_cursor_ = it->first;
    std::erase_if(it->second, [](const std::weak_ptr<RouteState>& s) { return s.expired(); });
    it = it->second.empty() ? replica_states_.erase(it) : std::next(it);
  }
}

void GatewayRoutes::SweepExpired(const std::vector<Endpoint>& endpoints) {
  for (const Endpoint& e : endpoints) {
    auto it = replica_states_.find(e.replica_id);
    if (it == replica_states_.end()) continue;
    std::erase_if(it->second, [](const std::weak_ptr<RouteState>& s) { return s.expired(); });
    if (it->second.empty()) replica_states_.erase(it);
  }
}

void GatewayRoutes::Withdraw(const std::string& deployed_model) {
  std::unique_lock lock(mu_);
  auto it = routes_.find(deployed_model);
  if (it == routes_.end()) return;
  ReportGone(*it->second, nullptr);
  std::shared_ptr<const GatewayRoute> before = std::move(it->second);
  routes_.erase(it);
  // Requests in flight may still hold the route state; the sweep keeps what is alive.
  std::vector<Endpoint> endpoints = before->endpoints;
  before.reset();
  SweepExpired(endpoints);
}

void GatewayRoutes::OnEndpointGone(std::function<void(const std::string& host, int port)> hook) {
  std::unique_lock lock(mu_);
  endpoint_gone_ = std::move(hook);
}

void GatewayRoutes::ReportGone(const GatewayRoute& before, const GatewayRoute* after) {
  if (!endpoint_gone_) return;
  for (const Endpoint& e : before.endpoints) {
    const bool kept =
        after != nullptr &&
        std::any_of(after->endpoints.begin(), after->endpoints.end(),
                    [&](const Endpoint& a) { return a.port == e.port && a.host == e.host; });
    if (!kept) endpoint_gone_(e.host, e.port);
  }
}

int GatewayRoutes::InFlight(const std::string& replica_id) const {
  std::shared_lock lock(mu_);
  auto it = replica_states_.find(replica_id);
  if (it == replica_states_.end()) return 0;
  int total = 0;
  for (const std::weak_ptr<RouteState>& state : it->second) {
    if (std::shared_ptr<RouteState> live = state.lock()) total += live->InFlight(replica_id);
  }
  return total;
}

std::shared_ptr<const GatewayRoute> GatewayRoutes::Find(const std::string& deployed_model) const {
  std::shared_lock lock(mu_);
  auto it = routes_.find(deployed_model);
  return it == routes_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const GatewayRoute>> GatewayRoutes::List(
    const std::string& workspace_id) const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<const GatewayRoute>> out;
  for (const auto& [name, route] : routes_) {
    if (route->workspace_id == workspace_id) out.push_back(route);
  }
  return out;
}

}  // namespace berth
