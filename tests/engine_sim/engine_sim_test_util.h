// Helpers for EngineSim's tests: a stream writer that collects what it is given (and can play a
// client that leaves), and the SSE events of a body, parsed. Single test thread.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/http_types.h"

namespace berth::engine_sim::testing {

// Collects a streamed body; can pretend the client left after `accept` writes.
class FakeWriter : public HttpStreamWriter {
 public:
  bool Write(std::string data) override {
    if (gone_ || finished_) return false;
    if (writes_ == accept_) {
      gone_ = true;
      if (on_gone_) on_gone_();
      return false;
    }
    ++writes_;
    body_ += data;
    return true;
  }
  void Finish() override { finished_ = true; }
  size_t Pending() const override { return 0; }
  void OnClientGone(std::function<void()> callback) override {
    if (gone_) return callback();
    on_gone_ = std::move(callback);
  }

  int accept_ = 1 << 30;
  int writes_ = 0;
  bool gone_ = false;
  bool finished_ = false;
  std::string body_;
  std::function<void()> on_gone_;
};

// The SSE data payloads of a streamed body, each parsed ("[DONE]" kept as a string).
inline std::vector<nlohmann::json> DataEvents(const std::string& body) {
  std::vector<nlohmann::json> events;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const size_t end = body.find("\n\n", pos);
    const std::string data = body.substr(pos + 6, end - pos - 6);
    events.push_back(data == "[DONE]" ? nlohmann::json(data) : nlohmann::json::parse(data));
    pos = end;
  }
  return events;
}

}  // namespace berth::engine_sim::testing
