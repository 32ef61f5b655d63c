// HealthProbe: asks a replica's engine whether it serves (GET <path> answers 200). The process
// runtime calls it from its supervisor and probe threads, never from a caller of the
// RuntimeAdapter; implementations must be thread-safe and return within about `timeout`.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"

namespace berth {

class HealthProbe {
 public:
  virtual ~HealthProbe() = default;
  // True when GET http://127.0.0.1:<port><path> answers 200 within `timeout`.
  virtual bool Healthy(int port, const std::string& path, Millis timeout) = 0;
};

// GET over loopback with berth's blocking HTTP client (http/http_client.h).
std::unique_ptr<HealthProbe> MakeHttpHealthProbe();

}  // namespace berth
