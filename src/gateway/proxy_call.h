// ProxyCall: one admitted inference request on its way to a replica and back. It picks the
// least-loaded ready replica (another one if a replica refuses the connection before any byte
// was sent), forwards the engine's answer (stream events as they arrive, translated for the
// native API), cancels the engine's work when the client leaves, then settles the limiter with
// the real token counts and records exactly one usage record (its Settlement). A step that
// throws (a bug) ends the call with a 500 and still settles; no exception leaves a ProxyCall.
//
// Created by Gateway on a network thread; afterwards driven by the upstream client's threads
// and the HTTP layer's callbacks. Internal to src/gateway/.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/rate_limiter.h"
#include "core/token_count.h"
#include "gateway/gateway_errors.h"
#include "gateway/gateway_metrics.h"
#include "gateway/native_protocol.h"
#include "gateway/route_table.h"
#include "gateway/settlement.h"
#include "gateway/sse.h"
#include "gateway/usage_recorder.h"
#include "http/upstream_client.h"
#include "service/caller.h"

namespace berth {

// Everything the gateway decided before calling an engine.
struct ProxyPlan {
  InferenceApi api = InferenceApi::kCompatible;
  std::shared_ptr<const GatewayRoute> route;
  Caller caller;
  std::string request_id;
  std::string target;  // the engine's path, e.g. "/v1/chat/completions"
  std::string body;    // what the engine gets
  bool stream = false;
  bool client_wants_usage = false;  // compatible-mode stream: the client asked for usage
  std::optional<NativeCall> native;
  TokenCount estimate;  // input from the prompt; output filled in at admission
  std::optional<int64_t> max_tokens;
  std::optional<bool> thinking_requested;  // the request's enable_thinking, if it says
  Settlement settlement;                   // owns the reservation once admitted
  bool thinking = false;
  SteadyTime arrived;  // Clock::MonotonicNow() when the request came in
};

struct ProxyDeps {
  UpstreamClient* upstream = nullptr;
  UsageRecorder* usage = nullptr;
  GatewayMetrics* metrics = nullptr;
  // Wall time for usage records; monotonic time for the limiter, replica penalties, latencies.
  const Clock* clock = nullptr;
};

class ProxyCall : public std::enable_shared_from_this<ProxyCall> {
 public:
  static void Start(const ProxyDeps& deps, ProxyPlan plan, HttpResponder respond);

  ProxyCall(const ProxyDeps& deps, ProxyPlan plan, HttpResponder respond);

 private:
  // Runs one step; an exception in it becomes Abandon(step, what).
  template <typename Step>
  void Guarded(const char* step, Step&& run);
  // Ends the call after a step threw: a 500 to the client if it has no answer yet (a stream is
  // closed), the engine call cancelled, the request settled.
  void Abandon(const char* step, const char* what);

  void TrySend();
  void OnHead(int status);
  // Whether the engine's answer is streamed on to the client (a stream the engine accepted).
  bool StreamsToClient() const;
  // `last`: the engine's answer ends here (OnDone follows at once).
  void OnData(std::string_view data, bool last);
  void OnDone(const Status& status, bool nothing_sent);

  // Streams.
  void StartClientStream();
  void OnWriter(std::shared_ptr<HttpStreamWriter> writer);
  void Deliver(std::string text);
  // Appends to `out` what the client gets for one event of the engine's stream.
  void TranslateEvent(std::string_view raw_event, std::string& out);
  // An engine's mid-stream error: the client's error event; the stream is metered as failed.
  std::string EngineError(const GatewayError& error);
  void EndStream(const Status& status);

  // Whole answers.
  void AnswerWhole(const Status& status);

  void Answer(HttpResponse response);
  void AnswerError(const GatewayError& error);
  void Meter(int http_status, bool aborted);
  std::vector<std::pair<std::string, std::string>> CommonHeaders() const;

  const ProxyDeps deps_;
  ProxyPlan plan_;
  HttpResponder respond_;
  std::vector<std::string> tried_;   // replicas that refused the connection
  std::string replica_id_;           // the replica serving this request
  bool holding_replica_ = false;     // replica_id_'s in-flight count includes this request
  std::atomic<bool> broken_{false};  // a step threw: ignore the engine from now on
  SteadyTime sent_at_;
  std::chrono::nanoseconds overhead_{0};

  int upstream_status_ = 0;
  std::string upstream_body_;  // whole answers and failed streams
  bool streaming_ = false;     // the client gets a stream (the engine answered 200)
  SseSplitter splitter_;
  std::string last_events_;  // the client's part of the engine's last piece, for EndStream
  std::optional<NativeStreamTranslator> translator_;
  std::optional<TokenCount> usage_;           // the engine's own count
  int64_t output_chunks_ = 0;                 // content events seen (an aborted stream's output)
  bool saw_done_ = false;                     // the engine's [DONE]
  std::optional<GatewayError> engine_error_;  // the engine's own mid-stream error

  std::mutex mu_;  // the stream's writer, between the HTTP layer and the upstream thread
  std::shared_ptr<UpstreamCall> call_;        // guarded by mu_; the engine call under way
  std::shared_ptr<HttpStreamWriter> writer_;  // guarded by mu_
  std::string pending_;                       // guarded by mu_; events before the writer came
  bool client_gone_ = false;                  // guarded by mu_
  bool finished_ = false;                     // guarded by mu_; the engine's part is over
  std::optional<Status> end_status_;          // guarded by mu_; how it ended, if before writer
};

}  // namespace berth
