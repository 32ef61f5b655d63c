#include "sim_upstream/sim_upstream.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/random.h"
#include "engine_sim/generator.h"
#include "engine_sim/openai_request.h"
#include "engine_sim/openai_response.h"

namespace berth {
namespace {

using engine_sim::GenerationRequest;

constexpr int kMaxPort = 65535;
// engine-sim's default --max-model-len: the context a sim replica accepts.
constexpr int kMaxModelLen = 131072;

class DoneCall final : public UpstreamCall {
 public:
  void Cancel() override {}  // the answer is produced at once; nothing to cancel
};

struct Plan {
  bool chat = true;
  std::string model;
  int prompt_tokens = 0;
  int length = 0;
  bool stopped_naturally = true;
  uint64_t seed = 0;
  bool stream = false;
  bool include_usage = false;
};

// engine-sim's rule (server.cc): the output length is max_tokens, or a length derived from the
// prompt's hash, cut at the context; the text is derived from the prompt and the seed.
StatusOr<Plan> PlanFor(const GenerationRequest& request, bool chat) {
  Plan plan;
  plan.chat = chat;
  plan.model = request.model;
  plan.prompt_tokens = request.prompt_tokens;
  plan.stream = request.stream;
  plan.include_usage = request.include_usage;
  if (plan.prompt_tokens >= kMaxModelLen) {
    return InvalidArgument("This model's maximum context length is " +
                           std::to_string(kMaxModelLen) + " tokens.");
  }
  const uint64_t prompt_hash = engine_sim::HashText(request.prompt_text);
  if (request.max_tokens) {
    plan.length = std::min(*request.max_tokens, kMaxModelLen - plan.prompt_tokens);
    plan.stopped_naturally = false;
  } else {
    const int natural = engine_sim::DefaultOutputLength(prompt_hash);
    plan.length = std::min(natural, kMaxModelLen - plan.prompt_tokens);
    plan.stopped_naturally = plan.length == natural;
  }
  plan.seed =
      engine_sim::MixSeed(prompt_hash, request.seed ? engine_sim::MixSeed(*request.seed, 0) : 0);
  return plan;
}

void Answer(const HttpResponse& response, const UpstreamHandlers& handlers) {
  HeaderList headers = response.headers;
  headers.emplace_back("Content-Type", response.content_type);
  if (handlers.on_head) handlers.on_head(response.status, headers);
  if (handlers.on_data && !response.body.empty()) handlers.on_data(response.body, true);
  if (handlers.on_done) handlers.on_done(Status::Ok(), false);
}

void Generate(const Plan& plan, const UpstreamHandlers& handlers) {
  const int64_t created = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  engine_sim::CompletionHeader header{
      plan.chat, (plan.chat ? "chatcmpl-" : "cmpl-") + RandomHex(16), created, plan.model};
  const char* finish = plan.stopped_naturally ? "stop" : "length";
  if (!plan.stream) {
    std::string text = engine_sim::GenerateText(plan.seed, plan.length, plan.stopped_naturally);
    return Answer(
        engine_sim::JsonResponse(200, engine_sim::CompletionBody(
                                          header, text, finish, {plan.prompt_tokens, plan.length})),
        handlers);
  }
  if (handlers.on_head) {
    handlers.on_head(200, {{"Content-Type", "text/event-stream; charset=utf-8"}});
  }
  engine_sim::ChunkFormatter chunks(header);
  engine_sim::TextGenerator generator(plan.seed, plan.length, plan.stopped_naturally);
  std::string events = plan.chat ? chunks.RoleChunk() : "";
  while (!generator.done()) {
    events += chunks.TokenChunk(generator.Next());
    if (handlers.on_data) handlers.on_data(events, false);
    events.clear();
  }
  events += chunks.FinishChunk(finish);
  if (plan.include_usage) events += chunks.UsageChunk({plan.prompt_tokens, plan.length});
  events += engine_sim::kDoneEvent;
  if (handlers.on_data) handlers.on_data(events, true);
  if (handlers.on_done) handlers.on_done(Status::Ok(), false);
}

void Serve(const UpstreamRequest& request, const UpstreamHandlers& handlers) {
  const bool chat = request.target == "/v1/chat/completions";
  if (!chat && request.target != "/v1/completions") {
    return Answer(engine_sim::ErrorResponse(NotFound("no route " + request.target)), handlers);
  }
  StatusOr<GenerationRequest> parsed = chat ? engine_sim::ParseChatRequest(request.body)
                                            : engine_sim::ParseCompletionRequest(request.body);
  if (!parsed.ok()) return Answer(engine_sim::ErrorResponse(parsed.status()), handlers);
  StatusOr<Plan> plan = PlanFor(*parsed, chat);
  if (!plan.ok()) return Answer(engine_sim::ErrorResponse(plan.status()), handlers);
  Generate(*plan, handlers);
}

}  // namespace

bool IsInProcessPort(int port) { return port > kMaxPort; }

SimUpstream::SimUpstream(std::unique_ptr<UpstreamClient> engines)
    : engines_(std::move(engines)), worker_("berth-sim-serve", 1) {}

SimUpstream::~SimUpstream() = default;

std::shared_ptr<UpstreamCall> SimUpstream::Send(UpstreamRequest request,
                                                UpstreamHandlers handlers) {
  if (!IsInProcessPort(request.port))
    return engines_->Send(std::move(request), std::move(handlers));
  // Never answer on the caller's thread: the gateway expects its handlers later, as from a
  // socket.
  worker_.Submit(
      [request = std::move(request), handlers = std::move(handlers)] { Serve(request, handlers); });
  return std::make_shared<DoneCall>();
}

}  // namespace berth
