// ReconcileTrigger: how writers (the service layer) tell the reconciler that a deployment's
// desired state changed. Trigger() must be cheap and non-blocking; callable from any thread.
#pragma once

#include <string>

namespace berth {

class ReconcileTrigger {
 public:
  virtual ~ReconcileTrigger() = default;
  virtual void Trigger(const std::string& deployed_model) = 0;
};

}  // namespace berth
