// Fuzz target: a kubeconfig (`berth serve --kubeconfig FILE`), parsed by ParseKubeconfig over
// libyaml. Properties: no crash, leak or UB (deep nesting, aliases, odd scalars); a config is
// accepted or refused with an InvalidArgument; an accepted one names an https server, and a
// client certificate comes with its key.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "runtime/kubernetes/kube_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // No base directory: a relative file path resolves to itself and is (almost surely) absent.
  StatusOr<KubeConnection> c = ParseKubeconfig(text, "", "");
  if (!c.ok()) {
    FUZZ_CHECK(c.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(c->server.rfind("https://", 0) == 0);
  FUZZ_CHECK(c->client_cert_pem.empty() == c->client_key_pem.empty());
  return 0;
}
