// SimUpstream: answers the gateway's engine calls for `--runtime sim` replicas in-process, with
// engine-sim's parsing, output-length rule, generator and response format, and no process,
// socket or port. A sim replica's endpoint carries a virtual port above 65535
// (SimRuntime::kInProcessPortBase and up), which no real engine can have; calls to any other
// port go to the real UpstreamClient it wraps. The gateway calls it exactly as it calls an
// engine, so limits, translation and metering are the same.
//
// Threads: as UpstreamClient. Handlers of an in-process call run on this object's own worker
// thread, one call at a time, in order (on_head, on_data..., on_done).
#pragma once

#include <memory>

#include "common/thread_pool.h"
#include "http/upstream_client.h"

namespace berth {

// True for the virtual port of an in-process sim replica.
bool IsInProcessPort(int port);

class SimUpstream final : public UpstreamClient {
 public:
  explicit SimUpstream(std::unique_ptr<UpstreamClient> engines);
  ~SimUpstream() override;

  std::shared_ptr<UpstreamCall> Send(UpstreamRequest request, UpstreamHandlers handlers) override;
  size_t IdleConnections() const override { return engines_->IdleConnections(); }
  void ForgetEndpoint(const std::string& host, int port) override {
    if (!IsInProcessPort(port)) engines_->ForgetEndpoint(host, port);
  }
  void AbortAll() override { engines_->AbortAll(); }

 private:
  std::unique_ptr<UpstreamClient> engines_;
  ThreadPool worker_;  // last: destroyed (drained) first
};

}  // namespace berth
