#include "runtime/process/health_probe.h"

#include "http/http_client.h"

namespace berth {
namespace {

class HttpHealthProbe : public HealthProbe {
 public:
  bool Healthy(int port, const std::string& path, Millis timeout) override {
    StatusOr<HttpClientResponse> response = HttpGet("127.0.0.1", port, path, timeout);
    return response.ok() && response->status == 200;
  }
};

}  // namespace

std::unique_ptr<HealthProbe> MakeHttpHealthProbe() { return std::make_unique<HttpHealthProbe>(); }

}  // namespace berth
