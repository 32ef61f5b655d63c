#include "cluster/change_listener.h"

#include <poll.h>

#include <chrono>
#include <utility>

#include "common/log.h"
#include "common/thread_name.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_store.h"

namespace berth {
namespace {

// How long one poll waits, so Stop is noticed and the resync kept on time.
constexpr int kPollMs = 200;

}  // namespace

ChangeListener::ChangeListener(ChangeListenerOptions options) : options_(std::move(options)) {}

ChangeListener::~ChangeListener() { Stop(); }

void ChangeListener::Start() {
  thread_ = std::thread([this] {
    NameThisThread("berth-changes");
    Loop();
  });
}

void ChangeListener::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void ChangeListener::Loop() {
  while (!stopping_) {
    ListenOnce();
    // Down or refused: try again shortly; the resync after reconnecting covers the gap.
    for (int i = 0; i < 5 && !stopping_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    }
  }
}

void ChangeListener::ListenOnce() {
  StatusOr<std::unique_ptr<pg::Connection>> db = pg::Connection::Open(options_.conninfo);
  if (!db.ok()) return;
  if (!(*db)->ExecScript(std::string("LISTEN ") + PostgresStore::kDeploymentsChannel).ok()) return;
  if (options_.on_resync) options_.on_resync();
  auto next_resync = std::chrono::steady_clock::now() + options_.resync;
  while (!stopping_) {
    pollfd fd{(*db)->socket(), POLLIN, 0};
    int ready = ::poll(&fd, 1, kPollMs);
    if (ready < 0) return;
    if (ready > 0) {
      StatusOr<std::vector<pg::Connection::Notification>> got = (*db)->DrainNotifications();
      if (!got.ok()) {
        LOG_WARN("change listener: {}", got.status().ToString());
        return;
      }
      for (const pg::Connection::Notification& n : *got) {
        if (options_.on_change) options_.on_change(n.payload);
      }
    }
    if (std::chrono::steady_clock::now() >= next_resync) {
      if (options_.on_resync) options_.on_resync();
      next_resync = std::chrono::steady_clock::now() + options_.resync;
    }
  }
}

}  // namespace berth
