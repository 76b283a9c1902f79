#include "server/token_queue.h"

#include <iterator>

namespace mom {

void TokenQueue::push(std::string_view piece) {
  if (piece.empty()) {
    return;
  }
  {
    std::lock_guard lock(mutex_);
    pending_.emplace_back(piece);
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

TokenQueue::PopResult TokenQueue::pop(std::vector<std::string>& out, std::chrono::milliseconds timeout) {
  out.clear();
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, timeout, [this] { return !pending_.empty() || finished_; });
  if (!pending_.empty()) {
    out.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
    pending_.clear();
    return PopResult::kText;
  }
  return finished_ ? PopResult::kFinished : PopResult::kTimeout;
}

}  // namespace mom
