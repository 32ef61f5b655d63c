#include "gateway/proxy_call.h"

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/recycling_allocator.h"
#include "gateway/engine_answers.h"
#include "gateway/event_keys.h"
#include "gateway/usage_scan.h"

namespace berth {
namespace {

// A replica that refused a connection gets no requests for this long.
constexpr int64_t kRefusedPenaltyMs = 1000;

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

template <typename Step>
void ProxyCall::Guarded(const char* step, Step&& run) {
  try {
    run();
  } catch (const std::exception& e) {
    Abandon(step, e.what());
  } catch (...) {
    Abandon(step, "an unknown exception");
  }
}

void ProxyCall::Start(const ProxyDeps& deps, ProxyPlan plan, HttpResponder respond) {
  auto call = std::allocate_shared<ProxyCall>(RecyclingAllocator<ProxyCall>(), deps,
                                              std::move(plan), std::move(respond));
  call->Guarded("send", [&] { call->TrySend(); });
}

void ProxyCall::Abandon(const char* step, const char* what) {
  LOG_ERROR("gateway: request {} to {} threw in {}: {}", plan_.request_id,
            plan_.route->deployed_model, step, what);
  broken_ = true;
  std::shared_ptr<UpstreamCall> call;
  std::shared_ptr<HttpStreamWriter> writer;
  {
    std::lock_guard lock(mu_);
    call = call_;
    writer = writer_;
    finished_ = true;
  }
  try {
    if (respond_) {
      AnswerError({500, "InternalError", "internal_error", "server_error",
                   "the gateway failed while serving this request"});
    } else if (writer) {
      writer->Finish();
    }
  } catch (...) {
    // The client's answer failed too; the HTTP layer closes its connection.
  }
  if (call) {
    call->Cancel();  // its on_done releases the replica
  } else if (holding_replica_) {
    holding_replica_ = false;
    plan_.route->state->Release(replica_id_);
  }
  try {
    Meter(500, false);
  } catch (...) {
    // Settle() could not finish; Settlement's owed_ is already cleared, so nothing repeats.
  }
}

ProxyCall::ProxyCall(const ProxyDeps& deps, ProxyPlan plan, HttpResponder respond)
    : deps_(deps), plan_(std::move(plan)), respond_(std::move(respond)) {
  if (plan_.native && plan_.stream) {
    translator_.emplace(*plan_.native, plan_.request_id, plan_.estimate.input);
  }
}

void ProxyCall::TrySend() {
  SteadyTime now = deps_.clock->MonotonicNow();
  RouteState& state = *plan_.route->state;
  const Endpoint* endpoint = state.Acquire(plan_.route->endpoints, tried_, SteadyMillis(now));
  if (endpoint == nullptr) {
    AnswerError(NotServing("no replica of " + plan_.route->deployed_model +
                           " accepts connections; try again shortly"));
    Meter(503, false);
    return;
  }
  replica_id_ = endpoint->replica_id;
  holding_replica_ = true;
  UpstreamRequest request;
  request.port = endpoint->port;
  request.host = endpoint->host;
  request.target = plan_.target;
  request.headers.reserve(2);  // emplaced: an initializer list would copy each string twice
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("X-Request-Id", plan_.request_id);
  request.body = plan_.body;  // kept: another replica may need it
  if (!endpoint->model.empty()) request.body = WithModel(request.body, endpoint->model);
  if (tried_.empty()) overhead_ += now - plan_.arrived;
  sent_at_ = now;
  // Only on_done owns the call: the client runs it last and holds it until then, so `this` lives
  // through on_head and on_data, whose captures then fit in std::function without an allocation.
  auto self = shared_from_this();
  std::shared_ptr<UpstreamCall> call = deps_.upstream->Send(
      std::move(request), {[this](int status, const HeaderList&) {
                             if (!broken_) Guarded("head", [&] { OnHead(status); });
                           },
                           [this](std::string_view data, bool last) {
                             if (!broken_) Guarded("data", [&] { OnData(data, last); });
                           },
                           [self](const Status& status, bool nothing_sent) {
                             self->Guarded("done", [&] { self->OnDone(status, nothing_sent); });
                           }});
  std::lock_guard lock(mu_);
  call_ = std::move(call);
}

void ProxyCall::OnHead(int status) {
  deps_.metrics->upstream_latency().Observe(Seconds(deps_.clock->MonotonicNow() - sent_at_));
  upstream_status_ = status;
  // A stream's head goes to the client with the engine's first events (OnData), in one write.
}

bool ProxyCall::StreamsToClient() const { return plan_.stream && upstream_status_ == 200; }

void ProxyCall::OnData(std::string_view data, bool last) {
  if (!StreamsToClient()) {
    upstream_body_.append(data);
    return;
  }
  std::string out;
  out.reserve(data.size());  // what the client gets is about what the engine sent
  splitter_.Feed(data, [this, &out](std::string_view event) { TranslateEvent(event, out); });
  if (last) {  // EndStream, next, sends it with the end (and the head, if not yet sent): one write
    last_events_ = std::move(out);
    return;
  }
  if (!out.empty()) Deliver(std::move(out));  // kept in pending_ until the stream starts
  if (!streaming_) StartClientStream();
}

void ProxyCall::OnDone(const Status& status, bool nothing_sent) {
  holding_replica_ = false;
  plan_.route->state->Release(replica_id_);
  if (broken_) return;  // answered and settled when a step threw
  if (!status.ok() && nothing_sent && upstream_status_ == 0 &&
      status.code() != StatusCode::kAborted) {
    // The replica refused the connection: nothing reached it, so another one may serve.
    plan_.route->state->MarkDown(replica_id_, SteadyMillis(deps_.clock->MonotonicNow()),
                                 kRefusedPenaltyMs);
    LOG_WARN("gateway: replica {} of {} refused a connection: {}", replica_id_,
             plan_.route->deployed_model, status.message());
    tried_.push_back(replica_id_);
    deps_.metrics->RecordUpstreamRetry();
    TrySend();
    return;
  }
  if (streaming_ || StreamsToClient()) {
    EndStream(status);
  } else {
    AnswerWhole(status);
  }
}

// --- streams ---

void ProxyCall::StartClientStream() {
  streaming_ = true;
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.headers = CommonHeaders();
  response.on_stream = [self = shared_from_this()](std::shared_ptr<HttpStreamWriter> writer) {
    self->OnWriter(std::move(writer));
  };
  Answer(std::move(response));
}

void ProxyCall::OnWriter(std::shared_ptr<HttpStreamWriter> writer) {
  std::weak_ptr<ProxyCall> weak = weak_from_this();
  writer->OnClientGone([weak] {
    if (auto self = weak.lock()) {
      std::shared_ptr<UpstreamCall> call;
      {
        std::lock_guard lock(self->mu_);
        self->client_gone_ = true;
        call = self->call_;
      }
      if (call) call->Cancel();
    }
  });
  std::lock_guard lock(mu_);
  writer_ = std::move(writer);
  if (finished_) {
    writer_->FinishWith(std::move(pending_));
  } else if (!pending_.empty()) {
    writer_->Write(std::move(pending_));
  }
  pending_.clear();
}

void ProxyCall::Deliver(std::string text) {
  std::lock_guard lock(mu_);
  if (writer_) {
    writer_->Write(std::move(text));
  } else {
    pending_ += text;
  }
}

void ProxyCall::TranslateEvent(std::string_view raw_event, std::string& out) {
  std::string joined;
  std::optional<std::string_view> data = SseDataView(raw_event, joined);
  // Comments and keep-alives go on as they are, but not into a translated (native) stream.
  if (!data) {
    if (!translator_) out.append(raw_event);
    return;
  }
  if (*data == "[DONE]") {
    saw_done_ = true;
    if (!translator_) {
      out.append(raw_event);
    } else if (!engine_error_) {
      out += translator_->Finish();  // after an error event, which said it all, nothing
    }
    return;
  }
  // engine_answers.h: an engine's mid-stream error, and vLLM's name for reasoning; each looked
  // for only where the event mentions it.
  EventKeys keys = ScanEventKeys(*data);
  if (std::optional<GatewayError> failed = keys.error ? EngineStreamError(*data) : std::nullopt) {
    out += EngineError(*failed);
    return;
  }
  std::string_view event = raw_event;
  std::string renamed_data, renamed_event;
  if (std::optional<std::string> renamed =
          keys.reasoning ? DashScopeReasoning(*data) : std::nullopt) {
    renamed_data = std::move(*renamed);
    renamed_event = "data: " + renamed_data + "\n\n";
    data = renamed_data;
    event = renamed_event;
    keys = ScanEventKeys(*data);  // reasoning is content now
  }
  if (translator_) {
    nlohmann::json chunk = nlohmann::json::parse(*data, nullptr, /*allow_exceptions=*/false);
    if (!chunk.is_object()) return;
    out += translator_->OnChunk(chunk);
    if (translator_->usage()) usage_ = translator_->usage();
    if (keys.content) ++output_chunks_;
    return;
  }
  if (keys.usage && !plan_.client_wants_usage) {
    // The gateway asked for usage itself: the client gets content chunks, not the usage (taking
    // it out leaves the content as it was). One reading of the chunk finds both.
    UsageChunk chunk = SplitUsageChunk(*data);
    if (chunk.usage) {
      usage_ = chunk.usage;
      if (chunk.content && keys.content) ++output_chunks_;
      if (chunk.content) out.append("data: ").append(*chunk.content).append("\n\n");
      return;
    }
  } else if (std::optional<TokenCount> usage = keys.usage ? ScanUsage(*data) : std::nullopt) {
    usage_ = usage;
    out.append(event);
    return;
  }
  if (keys.content) ++output_chunks_;
  out.append(event);
}

std::string ProxyCall::EngineError(const GatewayError& error) {
  if (engine_error_) return "";
  engine_error_ = error;
  LOG_WARN("gateway: replica {} of {} failed mid-stream: {}", replica_id_,
           plan_.route->deployed_model, error.message);
  if (translator_) {
    return NativeErrorEvent(translator_->events_sent() + 1, error.http_status, error.code,
                            error.message, plan_.request_id);
  }
  return "data: " + OpenAiErrorBody(error, plan_.request_id) + "\n\n";
}

// Also starts the client's stream if no event did yet (an answer that came in one piece, or a
// stream without a body byte): then the head, the events and the end go out in one write.
void ProxyCall::EndStream(const Status& status) {
  std::string tail = std::move(last_events_);
  splitter_.Feed("\n\n", [this, &tail](std::string_view event) { TranslateEvent(event, tail); });
  bool complete = status.ok() && saw_done_ && !engine_error_;
  bool aborted;
  {
    std::lock_guard lock(mu_);
    aborted = client_gone_;
  }
  // Ended by berth's shutdown (UpstreamClient::AbortAll): the client is told, and it is metered
  // as aborted like a client that left.
  const bool shutdown = !aborted && status.code() == StatusCode::kAborted;
  if (!complete && !aborted && !engine_error_) {
    GatewayError error = shutdown ? NotServing(status.message() + "; the answer was cut short")
                                  : UpstreamFailed("the engine's stream broke off: " +
                                                   (status.ok() ? "no [DONE]" : status.message()));
    if (translator_) {
      tail += NativeErrorEvent(translator_->events_sent() + 1, 500, error.code, error.message,
                               plan_.request_id);
    } else {
      tail += "data: " + OpenAiErrorBody(error, plan_.request_id) + "\n\n";
    }
  }
  {
    std::lock_guard lock(mu_);
    finished_ = true;
    if (writer_) {
      writer_->FinishWith(std::move(tail));
    } else {
      pending_ += tail;
    }
  }
  if (!streaming_) StartClientStream();  // OnWriter sends pending_ and the end with the head
  if (aborted || shutdown) deps_.metrics->RecordAborted();
  int metered = engine_error_ ? engine_error_->http_status : complete ? 200 : 502;
  Meter(aborted || shutdown ? 200 : metered, aborted || shutdown);
}

// --- whole answers ---

void ProxyCall::AnswerWhole(const Status& status) {
  SteadyTime done = deps_.clock->MonotonicNow();
  if (!status.ok()) {
    // Aborted: only berth's shutdown cancels a whole answer's call.
    const bool shutdown = status.code() == StatusCode::kAborted;
    GatewayError error =
        status.code() == StatusCode::kDeadlineExceeded
            ? GatewayError{504, "RequestTimeOut", "timeout", "server_error", status.message()}
        : shutdown ? NotServing(status.message() + "; retry later")
                   : UpstreamFailed(status.message());
    AnswerError(error);
    if (shutdown) deps_.metrics->RecordAborted();
    Meter(error.http_status, shutdown);
    return;
  }
  HttpResponse response;
  response.status = upstream_status_;
  if (upstream_status_ == 200) {
    usage_ = ScanUsage(upstream_body_);
    if (std::optional<std::string> renamed = DashScopeReasoning(upstream_body_)) {
      upstream_body_ = std::move(*renamed);
    }
    if (plan_.native) {
      StatusOr<std::string> native = NativeAnswer(upstream_body_, *plan_.native, plan_.request_id);
      if (!native.ok()) {
        AnswerError(UpstreamFailed(native.status().message()));
        Meter(502, false);
        return;
      }
      response.body = std::move(*native);
    } else {
      response.body = std::move(upstream_body_);
    }
  } else {
    // Three error shapes across the engines, sometimes an empty 500: the API's own shape.
    response =
        ErrorResponse(plan_.api, EngineFailure(upstream_status_, upstream_body_), plan_.request_id);
  }
  overhead_ += deps_.clock->MonotonicNow() - done;
  response.headers = CommonHeaders();
  response.headers.emplace_back(
      "X-Berth-Overhead-Us",
      std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(overhead_).count()));
  int http_status = response.status;
  Answer(std::move(response));
  Meter(http_status, false);
}

// --- common ---

std::vector<std::pair<std::string, std::string>> ProxyCall::CommonHeaders() const {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(3);  // AnswerWhole adds one; emplaced: an initializer list copies each string
  headers.emplace_back("X-Request-Id", plan_.request_id);
  if (plan_.settlement.admission() == Admission::kOverflow) {
    headers.emplace_back("x-dashscope-ptu-overflow", "true");
  }
  return headers;
}

void ProxyCall::Answer(HttpResponse response) {
  HttpResponder respond = std::move(respond_);
  respond_ = nullptr;
  if (respond) respond(std::move(response));
}

void ProxyCall::AnswerError(const GatewayError& error) {
  HttpResponse response = ErrorResponse(plan_.api, error, plan_.request_id);
  for (auto& header : CommonHeaders()) {
    if (header.first != "X-Request-Id") response.headers.push_back(std::move(header));
  }
  response.headers.emplace_back("X-Request-Id", plan_.request_id);
  Answer(std::move(response));
}

void ProxyCall::Meter(int http_status, bool aborted) {
  TokenCount actual;
  if (usage_) {
    actual = *usage_;
  } else if (upstream_status_ == 200) {
    // Cut short before the engine's count: what was asked, and what was generated.
    actual = {plan_.estimate.input, output_chunks_};
  }
  plan_.settlement.Settle({http_status, actual, usage_.has_value(), aborted, overhead_});
}

}  // namespace berth
