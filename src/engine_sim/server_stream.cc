// EngineSim's streamed answers: role chunk, reasoning and content chunks (several tokens per
// chunk when asked), the finish and usage chunks and [DONE]; or, as real engines do when
// generation fails, an error event after N tokens, with or without [DONE] after it.
#include <fmt/format.h>

#include "engine_sim/generator.h"
#include "engine_sim/openai_response.h"
#include "engine_sim/server.h"

namespace berth::engine_sim {
namespace {

// What one stream writes; touched by one scheduler callback at a time.
struct Stream {
  Stream(EngineSim::Plan p, const CompletionHeader& header, const Behaviour& b,
         std::string_view reasoning_field)
      : plan(std::move(p)),
        chunks(header),
        generator(plan.seed, plan.length, plan.stopped_naturally),
        behaviour(b),
        field(reasoning_field) {}

  // The pieces held back for the next chunk, as one chunk ("" when none).
  std::string Flush() {
    if (held == 0) return "";
    std::string chunk =
        held_reasoning ? chunks.ReasoningChunk(field, pending) : chunks.TokenChunk(pending);
    pending.clear();
    held = 0;
    return Counted(std::move(chunk));
  }

  // stream_options.continuous_usage_stats: the usage so far on every chunk, as vLLM sends it.
  std::string Counted(std::string chunk) const {
    constexpr std::string_view kNoUsage = "\"usage\":null}";
    size_t at = chunk.rfind(kNoUsage);
    if (!plan.continuous_usage || at == std::string::npos) return chunk;
    int done = generator.produced();
    return chunk.replace(at, kNoUsage.size(),
                         fmt::format(R"("usage":{{"prompt_tokens":{},"completion_tokens":{},)"
                                     R"("total_tokens":{}}}}})",
                                     plan.prompt_tokens, done, plan.prompt_tokens + done));
  }

  // The events that end the stream with an engine error.
  std::string Failure(int index) {
    std::string events = Flush();
    events += StreamErrorEvent(behaviour.error_shape,
                               fmt::format("simulated engine error after {} tokens", index));
    if (behaviour.done_after_error) events += kDoneEvent;
    return events;
  }

  // Token `index`: held until tokens_per_chunk are together, or the kind of text changes.
  std::string Token(int index) {
    bool reasoning = index < plan.reasoning_tokens;
    std::string events = held > 0 && reasoning != held_reasoning ? Flush() : "";
    pending += generator.Next();
    held_reasoning = reasoning;
    ++held;
    if (held >= behaviour.tokens_per_chunk || index == plan.length - 1) events += Flush();
    return events;
  }

  EngineSim::Plan plan;
  ChunkFormatter chunks;
  TextGenerator generator;
  const Behaviour behaviour;
  const std::string field;
  std::string pending;
  int held = 0;
  bool held_reasoning = false;
};

}  // namespace

HttpResponse EngineSim::StreamResponse(Plan plan) {
  auto stream =
      std::make_shared<Stream>(plan, HeaderFor(plan.chat, plan.model, options_.unix_seconds()),
                               options_.behaviour, ReasoningFieldName());
  HttpResponse response;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers = {{"Cache-Control", "no-cache"}};
  response.on_stream = [stream, counters = counters_, scheduler = &scheduler_,
                        now = options_.now](std::shared_ptr<HttpStreamWriter> writer) {
    Sequence sequence;
    sequence.num_tokens = stream->plan.length;
    sequence.on_token = [stream, counters, writer](int index) {
      std::string events =
          index == 0 && stream->plan.chat ? stream->Counted(stream->chunks.RoleChunk()) : "";
      if (index == stream->behaviour.error_after_tokens) {
        writer->Write(events + stream->Failure(index));
        writer->Finish();
        return false;
      }
      events += stream->Token(index);
      ++counters->generation_tokens;
      return events.empty() || writer->Write(std::move(events));
    };
    sequence.on_complete = [stream, counters, writer] {
      const Plan& plan = stream->plan;
      std::string events = stream->Flush();
      events += stream->Counted(stream->chunks.FinishChunk(FinishReason(plan.stopped_naturally)));
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
