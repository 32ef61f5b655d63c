// RouteTable: the API's routes with their access rule, body rule and handler. Filled at
// start-up by the Add*Routes functions, then read-only. Handlers run on the API worker pool
// and may block (store reads and writes).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/router.h"
#include "common/status.h"
#include "http/http_types.h"
#include "service/caller.h"

namespace berth {

enum class Access { kPublic, kUser, kAdmin };
enum class BodyRule { kNone, kJson, kOptionalJson };

// Stores the usage records the gateway has metered but not yet written (UsageRecorder::Flush):
// what the usage and billing routes run before they read the ledger.
using UsageFlushFn = std::function<void()>;

// Everything a handler may look at.
struct ApiCall {
  const HttpRequest* http = nullptr;
  std::vector<std::string> params;           // path captures, decoded
  std::map<std::string, std::string> query;  // decoded; the first value of a repeated name
  nlohmann::json body;                       // the JSON object for kJson / kOptionalJson
  Caller caller;
  std::string request_id;

  // An integer query parameter in [min, max], or `fallback` when absent.
  StatusOr<int64_t> QueryInt(const std::string& name, int64_t fallback, int64_t min,
                             int64_t max) const;
  const std::string* Query(const std::string& name) const;
};

// Returns the `output` object of the success envelope.
using JsonHandler = std::function<StatusOr<nlohmann::ordered_json>(const ApiCall&)>;
// Returns a whole response (non-JSON routes such as /metrics).
using RawHandler = std::function<StatusOr<HttpResponse>(const ApiCall&)>;

struct Route {
  std::string method;
  std::string pattern;
  Access access = Access::kUser;
  BodyRule body = BodyRule::kNone;
  JsonHandler json;
  RawHandler raw;
};

class RouteTable {
 public:
  void Add(Route route);
  const Router& router() const { return router_; }
  const Route& route(int index) const { return routes_[index]; }
  size_t size() const { return routes_.size(); }

 private:
  Router router_;
  std::vector<Route> routes_;  // indexed like router_'s routes
};

}  // namespace berth
