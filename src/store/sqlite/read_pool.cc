#include "store/sqlite/read_pool.h"

#include <utility>

namespace berth::sqlite {

ReadPool::ReadPool(std::string path, size_t max_idle)
    : path_(std::move(path)), max_idle_(max_idle) {}

ReadPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Release(std::move(connection_));
}

StatusOr<ReadPool::Lease> ReadPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(path_, true));
  return Lease(this, std::move(connection));
}

void ReadPool::Release(std::unique_ptr<Connection> connection) {
  // A reader that returned early inside BEGIN would pin an old snapshot for the next borrower.
  if (connection->InTransaction() && !connection->Exec("ROLLBACK").ok()) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

}  // namespace berth::sqlite
