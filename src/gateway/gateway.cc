#include "gateway/gateway.h"

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/random.h"
#include "core/token_count.h"
#include "gateway/engine_answers.h"
#include "gateway/openai_prompt.h"
#include "gateway/request_skim.h"
#include "json/request_json.h"

namespace berth {
namespace {

constexpr std::string_view kCompatiblePrefix = "/compatible-mode/";
constexpr std::string_view kNativePath = "/api/v1/services/aigc/text-generation/generation";
constexpr std::string_view kModelsPath = "/compatible-mode/v1/models";

std::optional<int64_t> IntField(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// The request's enable_thinking: the DashScope extension (top level on compatible-mode) or
// vLLM's chat_template_kwargs (where the native translation puts it); nullopt if it says neither.
std::optional<bool> ThinkingRequested(const nlohmann::json& body) {
  if (auto it = body.find("enable_thinking"); it != body.end() && it->is_boolean()) {
    return it->get<bool>();
  }
  if (auto kw = body.find("chat_template_kwargs"); kw != body.end() && kw->is_object()) {
    if (auto it = kw->find("enable_thinking"); it != kw->end() && it->is_boolean()) {
      return it->get<bool>();
    }
  }
  return std::nullopt;
}

// A streamed request without stream_options, asking the engine for its usage chunk too, without
// a second serialization.
std::string WithUsageRequested(const std::string& body) {
  size_t close = body.find_last_of('}');
  return body.substr(0, close) + R"(,"stream_options":{"include_usage":true})" + body.substr(close);
}

bool SseRequested(const HttpRequest& request) {
  return request.Header("X-DashScope-SSE") == "enable" ||
         request.Header("Accept").find("text/event-stream") != std::string_view::npos;
}

nlohmann::ordered_json ModelCard(const GatewayRoute& route) {
  return {
      {"id", route.deployed_model},
      {"object", "model"},
      {"created",
       std::chrono::duration_cast<std::chrono::seconds>(route.created.time_since_epoch()).count()},
      {"owned_by", "berth"}};
}

}  // namespace

Gateway::Gateway(GatewayDeps deps)
    : deps_(deps), proxy_deps_{deps.upstream, deps.usage, deps.metrics, deps.clock} {}

bool Gateway::Serves(std::string_view path) {
  return path.starts_with(kCompatiblePrefix) || path == kNativePath;
}

Gateway::Kind Gateway::Classify(const HttpRequest& request) {
  std::string_view path = request.path;
  if (path == kNativePath) return Kind::kNative;
  if (path == "/compatible-mode/v1/chat/completions") return Kind::kChat;
  if (path == "/compatible-mode/v1/completions") return Kind::kCompletions;
  if (path == kModelsPath) return Kind::kModels;
  if (path.starts_with(std::string(kModelsPath) + "/")) return Kind::kModel;
  return Kind::kUnknown;
}

void Gateway::Handle(HttpRequest request, HttpResponder respond) {
  try {
    Serve(request, std::move(respond));
  } catch (const std::exception& e) {
    // A bug, not the client's fault: it must not take the server down. `respond` may have been
    // moved already, in which case the HTTP layer closes the connection. An admitted request's
    // Settlement was paid as the exception unwound.
    LOG_ERROR("gateway: {} {} threw: {}", request.method, request.path, e.what());
  } catch (...) {
    LOG_ERROR("gateway: {} {} threw an unknown exception", request.method, request.path);
  }
}

void Gateway::Serve(const HttpRequest& request, HttpResponder respond) {
  ProxyPlan plan;
  plan.arrived = deps_.clock->MonotonicNow();
  plan.request_id = RandomUuid();
  Kind kind = Classify(request);
  plan.api = kind == Kind::kNative ? InferenceApi::kNative : InferenceApi::kCompatible;
  auto fail = [&](const GatewayError& error) { Refuse(plan, error, respond); };
  if (kind == Kind::kUnknown) {
    return fail({404, "NotFound", "not_found", "invalid_request_error",
                 "No route for " + request.method + " " + request.path});
  }
  bool get = kind == Kind::kModels || kind == Kind::kModel;
  if (request.method != (get ? "GET" : "POST")) {
    GatewayError error{405, "MethodNotAllowed", "method_not_allowed", "invalid_request_error",
                       "Method " + request.method + " is not allowed here"};
    HttpResponse response = ErrorResponse(plan.api, error, plan.request_id);
    response.headers.emplace_back("Allow", get ? "GET" : "POST");
    response.headers.emplace_back("X-Request-Id", plan.request_id);
    return respond(std::move(response));
  }
  StatusOr<Caller> caller = deps_.auth->Authenticate(request.Header("Authorization"),
                                                     request.Header("X-DashScope-WorkSpace"));
  if (!caller.ok()) return fail(AuthError(caller.status()));
  plan.caller = std::move(*caller);
  if (get) return ListModels(plan.caller, request, kind, plan.request_id, std::move(respond));

  std::string model;
  if (Status planned = Plan(kind, request, plan, model); !planned.ok()) {
    return fail(BadRequest(planned.message()));
  }
  if (std::optional<GatewayError> refused = Route(model, plan)) return fail(*refused);
  Admit(std::move(plan), std::move(respond));  // gateway_admission.cc
}

void Gateway::Refuse(const ProxyPlan& plan, const GatewayError& error,
                     HttpResponder& respond) const {
  HttpResponse response = ErrorResponse(plan.api, error, plan.request_id);
  response.headers.emplace_back("X-Request-Id", plan.request_id);
  if (error.http_status == 429) deps_.metrics->RecordThrottled();
  deps_.metrics->RecordRequest(plan.api, error.http_status, 0, 0);
  respond(std::move(response));
}

Status Gateway::Plan(Kind kind, const HttpRequest& request, ProxyPlan& plan,
                     std::string& model) const {
  if (kind == Kind::kNative) {
    ASSIGN_OR_RETURN(NativeCall call, ParseNativeCall(request.body, SseRequested(request)));
    model = call.model;
    plan.stream = call.stream;
    plan.target = "/v1/chat/completions";
    plan.body = call.openai_body.dump();
    plan.estimate.input = EstimateChatPromptTokens(call.openai_body["messages"]);
    plan.max_tokens = call.max_tokens;
    plan.thinking_requested = ThinkingRequested(call.openai_body);
    plan.native = std::move(call);
    return Status::Ok();
  }
  bool chat = kind == Kind::kChat;
  plan.target = chat ? "/v1/chat/completions" : "/v1/completions";
  if (std::optional<SkimmedRequest> skim = SkimOpenAiRequest(request.body, chat)) {
    // The usual request, read without building its tree (request_skim.h).
    model = std::move(skim->model);
    plan.stream = skim->stream;
    plan.estimate.input = skim->prompt_tokens;
    plan.max_tokens = skim->max_tokens;
    plan.thinking_requested = skim->thinking_requested;
    plan.body = plan.stream ? WithUsageRequested(request.body) : request.body;
    return Status::Ok();
  }
  return PlanFromTree(chat, request, plan, model);
}

// What the skimmer leaves: a body to rewrite (enable_thinking, stream_options), unusual shapes,
// and invalid ones, whose errors the full parser words.
Status Gateway::PlanFromTree(bool chat, const HttpRequest& request, ProxyPlan& plan,
                             std::string& model) const {
  ASSIGN_OR_RETURN(nlohmann::json body, ParseRequestJson(request.body));
  if (!body.is_object()) return InvalidArgument("the request body must be a JSON object");
  auto model_field = body.find("model");
  if (model_field == body.end() || !model_field->is_string() ||
      model_field->get<std::string>().empty()) {
    return InvalidArgument("model is required");
  }
  model = model_field->get<std::string>();
  bool rewritten = EngineThinkingForm(body);  // engine_answers.h
  auto stream = body.find("stream");
  plan.stream = stream != body.end() && stream->is_boolean() && stream->get<bool>();
  plan.estimate.input =
      chat ? EstimateChatPromptTokens(body.value("messages", nlohmann::json()))
           : EstimateCompletionPromptTokens(body.value("prompt", nlohmann::json()));
  if (plan.stream && !body.contains("stream_options") && !rewritten) {
    plan.body = WithUsageRequested(request.body);
  } else if (plan.stream) {
    nlohmann::json& options = body["stream_options"];
    if (!options.is_null() && !options.is_object()) {
      return InvalidArgument("stream_options must be an object");
    }
    auto include = options.is_object() ? options.find("include_usage") : options.end();
    plan.client_wants_usage = options.is_object() && include != options.end() &&
                              include->is_boolean() && include->get<bool>();
    if (!plan.client_wants_usage) {
      // The gateway meters every stream, so it always asks the engine for the usage chunk.
      if (!options.is_object()) options = nlohmann::json::object();
      options["include_usage"] = true;
      options.erase("continuous_usage_stats");  // usage on every chunk only if asked for
      plan.body = body.dump();
    }
  }
  plan.max_tokens = IntField(body, "max_tokens");
  if (!plan.max_tokens) plan.max_tokens = IntField(body, "max_completion_tokens");
  plan.thinking_requested = ThinkingRequested(body);
  if (plan.body.empty()) plan.body = rewritten ? body.dump() : request.body;
  return Status::Ok();
}

std::optional<GatewayError> Gateway::Route(const std::string& model, ProxyPlan& plan) const {
  plan.route = deps_.routes->Find(model);
  if (!plan.route || plan.route->workspace_id != plan.caller.workspace_id) {
    return UnknownModel(model);
  }
  const GatewayRoute& route = *plan.route;
  if (route.endpoints.empty()) {
    return NotServing("Deployment " + model + " is " + std::string(StatusName(route.status)) +
                      " and has no ready replica to serve it");
  }
  plan.estimate.output = route.state->outputs.Estimate(plan.max_tokens);
  plan.thinking = plan.thinking_requested.value_or(route.thinking_enabled);
  return std::nullopt;
}

void Gateway::ListModels(const Caller& caller, const HttpRequest& request, Kind kind,
                         const std::string& request_id, HttpResponder respond) {
  HttpResponse response;
  response.headers.emplace_back("X-Request-Id", request_id);
  if (kind == Kind::kModel) {
    std::string id = request.path.substr(kModelsPath.size() + 1);
    std::shared_ptr<const GatewayRoute> route = deps_.routes->Find(id);
    if (!route || route->workspace_id != caller.workspace_id) {
      HttpResponse error = ErrorResponse(InferenceApi::kCompatible, UnknownModel(id), request_id);
      error.headers.emplace_back("X-Request-Id", request_id);
      return respond(std::move(error));
    }
    response.body = ModelCard(*route).dump();
    return respond(std::move(response));
  }
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const auto& route : deps_.routes->List(caller.workspace_id)) {
    if (!route->endpoints.empty()) data.push_back(ModelCard(*route));
  }
  response.body = nlohmann::ordered_json{{"object", "list"}, {"data", std::move(data)}}.dump();
  respond(std::move(response));
}

}  // namespace berth
