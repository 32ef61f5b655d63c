#include "engine_sim/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <utility>

#include "common/random.h"
#include "engine_sim/generator.h"
#include "engine_sim/openai_response.h"

namespace berth::engine_sim {

struct EngineSim::Counters {
  std::atomic<int64_t> requests_ok{0};
  std::atomic<int64_t> prompt_tokens{0};
  std::atomic<int64_t> generation_tokens{0};
};

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

std::string FinishReason(bool stopped_naturally) { return stopped_naturally ? "stop" : "length"; }

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
  if (path == "/health") return respond(get ? Health() : MethodNotAllowed());
  if (path == "/metrics") return respond(get ? Metrics() : MethodNotAllowed());
  if (path == "/version") {
    return respond(get ? JsonResponse(200, R"({"version":"berth-engine-sim"})")
                       : MethodNotAllowed());
  }
  const bool known = path == "/v1/chat/completions" || path == "/v1/completions" ||
                     path == "/v1/models" || path == "/v1/load_lora_adapter" ||
                     path == "/v1/unload_lora_adapter";
  if (!known) return respond(ErrorResponse(NotFound("Not Found")));
  if (path == "/v1/models" ? !get : !post) return respond(MethodNotAllowed());
  if (!Ready()) return respond(ErrorResponse(Unavailable("The model is still loading.")));
  if (path == "/v1/chat/completions") return Generate(request, /*chat=*/true, std::move(respond));
  if (path == "/v1/completions") return Generate(request, /*chat=*/false, std::move(respond));
  if (path == "/v1/models") return respond(JsonResponse(200, ModelListBody(models_.List())));
  if (path == "/v1/load_lora_adapter") return respond(LoadLora(request));
  respond(UnloadLora(request));
}

bool EngineSim::Ready() const { return options_.now() - started_ >= options_.startup; }

HttpResponse EngineSim::Health() const {
  if (!Ready()) return ErrorResponse(Unavailable("The model is still loading."));
  return TextResponse(200, "");
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

HttpResponse EngineSim::LoadLora(const HttpRequest& request) {
  StatusOr<LoraAdapter> adapter = ParseLoadLoraRequest(request.body);
  if (!adapter.ok()) return ErrorResponse(adapter.status());
  const std::string name = adapter->name;
  Status loaded = models_.LoadAdapter(std::move(adapter->name), std::move(adapter->path),
                                      options_.unix_seconds());
  if (!loaded.ok()) return ErrorResponse(loaded);
  return TextResponse(200, "Success: LoRA adapter '" + name + "' added successfully.");
}

HttpResponse EngineSim::UnloadLora(const HttpRequest& request) {
  StatusOr<std::string> name = ParseUnloadLoraRequest(request.body);
  if (!name.ok()) return ErrorResponse(name.status());
  if (Status s = models_.UnloadAdapter(*name); !s.ok()) return ErrorResponse(s);
  return TextResponse(200, "Success: LoRA adapter '" + *name + "' removed successfully.");
}

StatusOr<EngineSim::Plan> EngineSim::PlanGeneration(const GenerationRequest& request,
                                                    bool chat) const {
  Plan plan;
  plan.chat = chat;
  plan.model = request.model.empty() ? models_.served_model_name() : request.model;
  if (!models_.Serves(plan.model)) {
    return NotFound("The model `" + plan.model + "` does not exist.");
  }
  const int limit = models_.max_model_len();
  plan.prompt_tokens = request.prompt_tokens;
  if (plan.prompt_tokens >= limit) {
    return InvalidArgument(fmt::format(
        "This model's maximum context length is {} tokens. However, your request has {} input "
        "tokens. Please reduce the length of the input.",
        limit, plan.prompt_tokens));
  }
  // An adapter answers differently from its base model, so a client can tell them apart.
  uint64_t prompt_hash = HashText(request.prompt_text);
  if (plan.model != models_.served_model_name()) prompt_hash = HashText(plan.model, prompt_hash);
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
  return plan;
}

void EngineSim::Generate(const HttpRequest& request, bool chat, HttpResponder respond) {
  StatusOr<GenerationRequest> parsed =
      chat ? ParseChatRequest(request.body) : ParseCompletionRequest(request.body);
  if (!parsed.ok()) return respond(ErrorResponse(parsed.status()));
  StatusOr<Plan> plan = PlanGeneration(*parsed, chat);
  if (!plan.ok()) return respond(ErrorResponse(plan.status()));
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

CompletionHeader HeaderFor(bool chat, const std::string& model, int64_t created) {
  return {chat, (chat ? "chatcmpl-" : "cmpl-") + UniqueHex32(), created, model};
}

}  // namespace

void EngineSim::RunUnary(Plan plan, HttpResponder respond) {
  CompletionHeader header = HeaderFor(plan.chat, plan.model, options_.unix_seconds());
  Sequence sequence;
  sequence.num_tokens = plan.length;
  sequence.on_complete = [plan, header = std::move(header), respond = std::move(respond),
                          counters = counters_] {
    const std::string text = GenerateText(plan.seed, plan.length, plan.stopped_naturally);
    counters->generation_tokens += plan.length;
    ++counters->requests_ok;
    respond(JsonResponse(200, CompletionBody(header, text, FinishReason(plan.stopped_naturally),
                                             {plan.prompt_tokens, plan.length})));
  };
  scheduler_.Submit(std::move(sequence), options_.now());
}

HttpResponse EngineSim::StreamResponse(Plan plan) {
  struct Stream {
    Plan plan;
    ChunkFormatter chunks;
    TextGenerator generator;
  };
  auto stream = std::make_shared<Stream>(
      Stream{plan, ChunkFormatter(HeaderFor(plan.chat, plan.model, options_.unix_seconds())),
             TextGenerator(plan.seed, plan.length, plan.stopped_naturally)});
  HttpResponse response;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers = {{"Cache-Control", "no-cache"}};
  response.on_stream = [stream, counters = counters_, scheduler = &scheduler_,
                        now = options_.now](std::shared_ptr<HttpStreamWriter> writer) {
    Sequence sequence;
    sequence.num_tokens = stream->plan.length;
    // The generator and formatter are touched by one callback at a time (see Scheduler).
    sequence.on_token = [stream, counters, writer](int index) {
      std::string events = index == 0 && stream->plan.chat ? stream->chunks.RoleChunk() : "";
      events += stream->chunks.TokenChunk(stream->generator.Next());
      ++counters->generation_tokens;
      return writer->Write(std::move(events));
    };
    sequence.on_complete = [stream, counters, writer] {
      const Plan& plan = stream->plan;
      std::string events = stream->chunks.FinishChunk(FinishReason(plan.stopped_naturally));
      if (plan.include_usage)
        events += stream->chunks.UsageChunk({plan.prompt_tokens, plan.length});
      events += kDoneEvent;
      ++counters->requests_ok;
      writer->Write(std::move(events));
      writer->Finish();
    };
    const uint64_t id = scheduler->Submit(std::move(sequence), now());
    // A client that leaves frees its slot at once instead of at its next token.
    writer->OnClientGone([scheduler, id, now] { scheduler->Cancel(id, now()); });
  };
  return response;
}

}  // namespace berth::engine_sim
