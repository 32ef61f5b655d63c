#include "api/api_server.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "api/admin_routes.h"
#include "api/api_errors.h"
#include "api/billing_routes.h"
#include "api/codec.h"
#include "api/deployment_routes.h"
#include "api/json_fields.h"
#include "api/openapi_route.h"
#include "api/usage_routes.h"
#include "common/log.h"
#include "common/random.h"

namespace berth {
namespace {

// What an overloaded server tells clients to wait before retrying.
constexpr int kOverloadRetryAfterSeconds = 1;

// A client's own X-Request-Id is reused when it is a plain token, so logs line up.
std::string RequestIdFor(const HttpRequest& request) {
  std::string_view given = request.Header("X-Request-Id");
  bool usable = !given.empty() && given.size() <= 64;
  for (char c : given) {
    usable =
        usable && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  }
  return usable ? std::string(given) : RandomUuid();
}

StatusOr<std::map<std::string, std::string>> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string_view pair(query.data() + start, amp - start);
    size_t eq = pair.find('=');
    ASSIGN_OR_RETURN(std::string name, DecodeQueryComponent(pair.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      ASSIGN_OR_RETURN(value, DecodeQueryComponent(pair.substr(eq + 1)));
    }
    if (!name.empty()) params.emplace(std::move(name), std::move(value));
    start = amp + 1;
  }
  return params;
}

bool IsJsonContentType(std::string_view content_type) {
  std::string lower;
  for (char c : content_type.substr(0, content_type.find(';'))) {
    if (c != ' ') lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return lower == "application/json" ||
         (lower.starts_with("application/") && lower.ends_with("+json"));
}

Status CheckBody(const Route& route, const HttpRequest& request) {
  bool blank = request.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (route.body == BodyRule::kNone || blank) return Status::Ok();
  std::string_view type = request.Header("Content-Type");
  if (!IsJsonContentType(type)) {
    return InvalidArgument("Content-Type must be application/json, got '" +
                           std::string(type.empty() ? "(none)" : type) + "'");
  }
  return Status::Ok();
}

HttpResponse Envelope(const std::string& request_id, nlohmann::ordered_json output) {
  nlohmann::ordered_json body;
  body["request_id"] = request_id;
  body["output"] = std::move(output);
  HttpResponse response;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

}  // namespace

struct ApiServer::Prepared {
  int route_index = -1;
  ApiCall call;
};

ApiServer::ApiServer(ApiDeps deps, int worker_threads, size_t max_queued)
    : deps_(std::move(deps)),
      pool_(std::make_unique<ThreadPool>("berth-api", worker_threads,
                                         std::max<size_t>(1, max_queued))) {
  AddSystemRoutes();
  AddDeploymentRoutes(table_, *deps_.deployments, *deps_.models, deps_.billing);
  AddBillingRoutes(table_, *deps_.billing, deps_.clock ? *deps_.clock : real_clock_,
                   deps_.flush_usage);
  AddUsageRoutes(table_, *deps_.deployments, deps_.clock ? *deps_.clock : real_clock_,
                 deps_.flush_usage);
  AddAdminRoutes(table_, *deps_.auth, *deps_.models, *deps_.admin);
  AddOpenApiRoute(table_);
  AddClusterRoutes(table_, deps_.cluster);
}

void ApiServer::AddSystemRoutes() {
  table_.Add({"GET",
              "/healthz",
              Access::kPublic,
              BodyRule::kNone,
              [this](const ApiCall&) -> StatusOr<nlohmann::ordered_json> {
                return nlohmann::ordered_json{{"status", "ok"}, {"region", deps_.region}};
              },
              {}});
  table_.Add({"GET",
              "/metrics",
              Access::kPublic,
              BodyRule::kNone,
              {},
              [this](const ApiCall&) -> StatusOr<HttpResponse> {
                ASSIGN_OR_RETURN(auto by_status, deps_.deployments->CountByStatus());
                HttpResponse response;
                response.content_type = "text/plain; version=0.0.4";
                response.body = metrics_.Render(by_status);
                if (deps_.extra_metrics) response.body += deps_.extra_metrics();
                return response;
              }});
}

StatusOr<ApiServer::Prepared> ApiServer::Prepare(const HttpRequest& request) const {
  Prepared prepared;
  ASSIGN_OR_RETURN(std::vector<std::string> segments, DecodePathSegments(request.path));
  // HEAD is GET without a body; the HTTP layer drops the body.
  std::string_view method =
      request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
  StatusOr<RouteMatch> match = table_.router().Match(method, segments);
  if (!match.ok() && match.status().code() == StatusCode::kNotFound) {
    return NotFound("No route for " + request.method + " " + request.path);
  }
  if (!match.ok()) return match.status();
  prepared.route_index = match->route_index;
  prepared.call.params = std::move(match->params);
  ASSIGN_OR_RETURN(prepared.call.query, ParseQuery(request.query));
  const Route& route = table_.route(match->route_index);
  if (route.access != Access::kPublic) {
    ASSIGN_OR_RETURN(prepared.call.caller,
                     deps_.auth->Authenticate(request.Header("Authorization"),
                                              request.Header("X-DashScope-WorkSpace")));
    if (route.access == Access::kAdmin && !prepared.call.caller.admin) {
      return PermissionDenied("This operation requires an admin API key.");
    }
  }
  RETURN_IF_ERROR(CheckBody(route, request));
  return prepared;
}

HttpResponse ApiServer::Run(const Route& route, ApiCall& call) const {
  if (route.body != BodyRule::kNone) {
    StatusOr<nlohmann::json> body =
        ParseJsonObject(call.http->body, route.body == BodyRule::kOptionalJson);
    if (!body.ok()) return ErrorResponse(body.status(), call.request_id);
    call.body = std::move(*body);
  }
  if (route.raw) {
    StatusOr<HttpResponse> raw = route.raw(call);
    return raw.ok() ? std::move(*raw) : ErrorResponse(raw.status(), call.request_id);
  }
  StatusOr<nlohmann::ordered_json> output = route.json(call);
  if (!output.ok()) return ErrorResponse(output.status(), call.request_id);
  return Envelope(call.request_id, std::move(*output));
}

void ApiServer::Handle(HttpRequest request, HttpResponder respond) {
  const Clock* clock = deps_.clock ? deps_.clock : &real_clock_;
  const SteadyTime started = clock->MonotonicNow();
  auto shared = std::make_shared<HttpRequest>(std::move(request));
  std::string request_id = RequestIdFor(*shared);
  StatusOr<Prepared> prepared = Prepare(*shared);
  auto finish = [this, clock, started, shared, request_id, respond](const std::string& route,
                                                                    HttpResponse response) {
    response.headers.emplace_back("X-Request-Id", request_id);
    double seconds = std::chrono::duration<double>(clock->MonotonicNow() - started).count();
    metrics_.Record(route, shared->method, response.status, seconds);
    if (response.status >= 500) {
      LOG_WARN("{} {} -> {} ({})", shared->method, shared->path, response.status, request_id);
    }
    respond(std::move(response));
  };
  if (!prepared.ok()) {
    HttpResponse error = ErrorResponse(prepared.status(), request_id);
    if (prepared.status().code() == StatusCode::kMethodNotAllowed) {
      // The path decoded once already (or it would not have matched a route).
      StatusOr<std::vector<std::string>> segments = DecodePathSegments(shared->path);
      if (segments.ok()) {
        error.headers.emplace_back("Allow", table_.router().AllowedMethods(*segments));
      }
    }
    return finish("unmatched", std::move(error));
  }
  auto work = std::make_shared<Prepared>(std::move(*prepared));
  work->call.http = shared.get();
  work->call.request_id = request_id;
  const bool queued = pool_->TrySubmit([this, work, finish]() {
    const Route& route = table_.route(work->route_index);
    try {
      finish(route.pattern, Run(route, work->call));
    } catch (const std::exception& e) {
      // A bug, not the client's fault: answer 500 and keep serving.
      LOG_ERROR("{} {} threw: {}", work->call.http->method, work->call.http->path, e.what());
      finish(route.pattern, ErrorResponse(Internal("internal error"), work->call.request_id));
    }
  });
  if (!queued) {
    // Shedding here keeps the answer immediate and the queue's memory bounded.
    HttpResponse busy = ErrorResponse(
        Unavailable("the server is overloaded: too many requests are waiting; retry shortly"),
        request_id);
    busy.headers.emplace_back("Retry-After", std::to_string(kOverloadRetryAfterSeconds));
    finish(table_.route(work->route_index).pattern, std::move(busy));
  }
}

std::vector<std::pair<std::string, std::string>> ApiServer::Routes() const {
  std::vector<std::pair<std::string, std::string>> routes;
  for (size_t i = 0; i < table_.size(); ++i) {
    routes.emplace_back(table_.route(i).method, table_.route(i).pattern);
  }
  return routes;
}

HttpResponse ApiServer::Rejected(const Status& status) const {
  std::string request_id = RandomUuid();
  HttpResponse response = ErrorResponse(status, request_id);
  response.headers.emplace_back("X-Request-Id", request_id);
  return response;
}

}  // namespace berth
