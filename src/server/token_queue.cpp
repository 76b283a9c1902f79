#include "server/token_queue.h"

namespace mom {

void TokenQueue::push(std::string_view piece) {
  {
    std::lock_guard lock(mutex_);
    pending_.append(piece);
  }
  ready_.notify_one();
}

void TokenQueue::finish() {
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  ready_.notify_one();
}

TokenQueue::PopResult TokenQueue::pop(std::string& out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, timeout, [this] { return !pending_.empty() || finished_; });
  if (!pending_.empty()) {
    out = std::move(pending_);
    pending_.clear();
    return PopResult::kText;
  }
  return finished_ ? PopResult::kFinished : PopResult::kTimeout;
}

}  // namespace mom
