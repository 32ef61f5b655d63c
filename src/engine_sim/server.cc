#include "engine_sim/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "common/random.h"
#include "engine_sim/generator.h"
#include "engine_sim/openai_response.h"

namespace berth::engine_sim {

namespace {

int64_t UnixSecondsNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

EngineSimOptions WithDefaults(EngineSimOptions options) {
  if (options.model_path.empty()) options.model_path = options.served_model_name;
  if (!options.unix_seconds) options.unix_seconds = UnixSecondsNow;
  return options;
}

HttpResponse TextResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(body);
  return response;
}

HttpResponse MethodNotAllowed() {
  return ErrorResponse(Status(StatusCode::kMethodNotAllowed, "Method Not Allowed"));
}

}  // namespace

EngineSim::EngineSim(EngineSimOptions options, Scheduler& scheduler)
    : options_(WithDefaults(std::move(options))),
      scheduler_(scheduler),
      started_(options_.now()),
      models_(options_.served_model_name, options_.model_path, options_.max_model_len,
              options_.unix_seconds()),
      counters_(std::make_shared<Counters>()) {}

void EngineSim::Handle(HttpRequest request, HttpResponder respond) {
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  if (path == "/health") return get ? Health(std::move(respond)) : respond(MethodNotAllowed());
  if (path == "/metrics") return respond(get ? Metrics() : MethodNotAllowed());
  if (path == "/version") {
    return respond(get ? JsonResponse(200, R"({"version":"berth-engine-sim"})")
                       : MethodNotAllowed());
  }
  if (std::optional<HttpResponse> lora = LoraRoute(request)) return respond(std::move(*lora));
  const bool known =
      path == "/v1/chat/completions" || path == "/v1/completions" || path == "/v1/models";
  if (!known) return respond(Error(NotFound("Not Found")));
  if (path == "/v1/models" ? !get : !post) return respond(MethodNotAllowed());
  if (!Ready()) return respond(Error(Unavailable(LoadingMessage())));
  if (path == "/v1/chat/completions") return Generate(request, /*chat=*/true, std::move(respond));
  if (path == "/v1/completions") return Generate(request, /*chat=*/false, std::move(respond));
  respond(JsonResponse(200, ModelListBody(models_.List())));
}

bool EngineSim::Ready() const { return options_.now() - started_ >= options_.startup; }

void EngineSim::Health(HttpResponder respond) const {
  // llama.cpp answers 503 while it loads; vLLM and SGLang do not listen yet (engine_sim_command).
  if (!Ready()) return respond(Error(Unavailable(LoadingMessage())));
  const Behaviour& b = options_.behaviour;
  int delay_ms = b.health_delay_ms + b.health_lag_ms_per_running * scheduler_.running();
  if (delay_ms <= 0) return respond(TextResponse(200, ""));
  // SGLang's /health runs a generation; a busy vLLM's event loop answers late. Probes come a
  // few times a second at most, so a thread per delayed answer is fine.
  std::thread([respond = std::move(respond), delay_ms] {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    respond(TextResponse(200, ""));
  }).detach();
}

std::string EngineSim::LoadingMessage() const {
  return options_.behaviour.error_shape == ErrorShape::kLlamaCpp ? "Loading model"
                                                                 : "The model is still loading.";
}

HttpResponse EngineSim::Error(const Status& status) const {
  HttpResponse response = ErrorResponse(status);
  if (options_.behaviour.error_shape != ErrorShape::kVllm) {
    response.body = ErrorBody(options_.behaviour.error_shape, response.status, status.message());
  }
  return response;
}

HttpResponse EngineSim::Metrics() const {
  const std::string label = fmt::format("{{model_name=\"{}\"}}", models_.served_model_name());
  std::string body;
  const auto metric = [&](const char* name, const char* type, int64_t value) {
    body += fmt::format("# TYPE vllm:{} {}\nvllm:{}{} {}\n", name, type, name, label, value);
  };
  metric("num_requests_running", "gauge", scheduler_.running());
  metric("num_requests_waiting", "gauge", scheduler_.waiting());
  metric("request_success_total", "counter", counters_->requests_ok.load());
  metric("prompt_tokens_total", "counter", counters_->prompt_tokens.load());
  metric("generation_tokens_total", "counter", counters_->generation_tokens.load());
  HttpResponse response = TextResponse(200, std::move(body));
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return response;
}

StatusOr<EngineSim::Plan> EngineSim::PlanGeneration(const GenerationRequest& request,
                                                    bool chat) const {
  Plan plan;
  plan.chat = chat;
  plan.model = request.model.empty() ? models_.served_model_name() : request.model;
  if (!ServesModel(plan.model)) {
    return NotFound("The model `" + plan.model + "` does not exist.");
  }
  const int limit = models_.max_model_len();
  // Another tokenizer counts the prompt differently from the gateway's estimate.
  plan.prompt_tokens = std::max(1, request.prompt_tokens + options_.behaviour.prompt_token_delta);
  if (plan.prompt_tokens >= limit) {
    return InvalidArgument(fmt::format(
        "This model's maximum context length is {} tokens. However, your request has {} input "
        "tokens. Please reduce the length of the input.",
        limit, plan.prompt_tokens));
  }
  // An adapter answers differently from its base model, so a client can tell them apart.
  uint64_t prompt_hash = HashText(request.prompt_text);
  if (plan.model != models_.served_model_name()) {
    prompt_hash = HashText(AdapterNamed(plan.model), prompt_hash);
  }
  if (request.max_tokens) {
    if (int64_t{plan.prompt_tokens} + *request.max_tokens > limit) {
      return InvalidArgument(fmt::format(
          "This model's maximum context length is {} tokens. However, you requested {} tokens "
          "({} in the input, {} in the completion). Please reduce the length of the input or "
          "completion.",
          limit, int64_t{plan.prompt_tokens} + *request.max_tokens, plan.prompt_tokens,
          *request.max_tokens));
    }
    plan.length = *request.max_tokens;
    plan.stopped_naturally = false;
  } else {
    const int natural = DefaultOutputLength(prompt_hash);
    plan.length = std::min(natural, limit - plan.prompt_tokens);
    plan.stopped_naturally = plan.length == natural;
  }
  const uint64_t seed = request.seed ? MixSeed(*request.seed, options_.seed) : options_.seed;
  plan.seed = MixSeed(prompt_hash, seed);
  plan.include_usage = request.include_usage;
  plan.continuous_usage = request.continuous_usage;
  if (chat && request.thinking && options_.behaviour.reasoning != ReasoningField::kNone) {
    plan.reasoning_tokens = std::min(options_.behaviour.reasoning_tokens, plan.length);
  }
  return plan;
}

void EngineSim::Generate(const HttpRequest& request, bool chat, HttpResponder respond) {
  StatusOr<GenerationRequest> parsed =
      chat ? ParseChatRequest(request.body) : ParseCompletionRequest(request.body);
  if (!parsed.ok()) return respond(Error(parsed.status()));
  if (int status = options_.behaviour.fail_status; status > 0) {
    HttpResponse failed = JsonResponse(status, "");
    if (!options_.behaviour.empty_error_body) {
      failed.body = ErrorBody(options_.behaviour.error_shape, status, "simulated engine failure");
    }
    return respond(std::move(failed));
  }
  StatusOr<Plan> plan = PlanGeneration(*parsed, chat);
  if (!plan.ok()) return respond(Error(plan.status()));
  counters_->prompt_tokens += plan->prompt_tokens;
  if (parsed->stream) return respond(StreamResponse(std::move(*plan)));
  RunUnary(std::move(*plan), std::move(respond));
}

namespace {

// Completion ids must be unique, not secret: a per-thread SplitMix64 sequence seeded once from
// the OS saves a getrandom(2) call per request.
std::string UniqueHex32() {
  thread_local uint64_t state = std::stoull(RandomHex(16), nullptr, 16);
  const auto next = [] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  const uint64_t high = next();
  return fmt::format("{:016x}{:016x}", high, next());
}

}  // namespace

CompletionHeader EngineSim::HeaderFor(bool chat, const std::string& model, int64_t created) {
  return {chat, (chat ? "chatcmpl-" : "cmpl-") + UniqueHex32(), created, model};
}

std::string EngineSim::FinishReason(bool stopped_naturally) {
  return stopped_naturally ? "stop" : "length";
}

std::string_view EngineSim::ReasoningFieldName() const {
  switch (options_.behaviour.reasoning) {
    case ReasoningField::kReasoning:
      return "reasoning";
    case ReasoningField::kReasoningContent:
      return "reasoning_content";
    case ReasoningField::kNone:
      break;
  }
  return "";
}

void EngineSim::RunUnary(Plan plan, HttpResponder respond) {
  CompletionHeader header = HeaderFor(plan.chat, plan.model, options_.unix_seconds());
  Sequence sequence;
  sequence.num_tokens = plan.length;
  sequence.on_complete = [plan, header = std::move(header), respond = std::move(respond),
                          counters = counters_, field = ReasoningFieldName()] {
    TextGenerator generator(plan.seed, plan.length, plan.stopped_naturally);
    std::string reasoning;
    while (generator.produced() < plan.reasoning_tokens) reasoning += generator.Next();
    std::string text;
    while (!generator.done()) text += generator.Next();
    counters->generation_tokens += plan.length;
    ++counters->requests_ok;
    Reasoning thought{plan.reasoning_tokens > 0 ? field : "", reasoning};
    respond(JsonResponse(200, CompletionBody(header, text, FinishReason(plan.stopped_naturally),
                                             {plan.prompt_tokens, plan.length}, thought)));
  };
  scheduler_.Submit(std::move(sequence), options_.now());
}

}  // namespace berth::engine_sim
