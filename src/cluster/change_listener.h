// ChangeListener: how an instance hears of deployment writes made on the other instances. A
// dedicated connection LISTENs on PostgresStore's deployments channel and hands each
// notification's deployed_model to `on_change`; every `resync` (and after a reconnect, when
// notifications may have been missed) it calls `on_resync` instead, so a lost notification
// heals. Both callbacks run on the listener's thread and must be quick (the composition root
// passes Reconciler::Trigger). Start/Stop from the composition root.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "common/clock.h"

namespace berth {

struct ChangeListenerOptions {
  std::string conninfo;
  std::function<void(const std::string& deployed_model)> on_change;
  std::function<void()> on_resync;
  Millis resync{5000};
};

class ChangeListener {
 public:
  explicit ChangeListener(ChangeListenerOptions options);
  ~ChangeListener();

  void Start();
  void Stop();

 private:
  void Loop();
  // Listens on one connection until it fails or Stop; returns after a failure.
  void ListenOnce();

  const ChangeListenerOptions options_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace berth
