// Cooperative cancellation shared between a caller and the work it started.
#pragma once

#include <atomic>
#include <memory>

namespace mom {

// A copyable handle to a cancellation flag. Copies share the flag. A child
// token is cancelled when it or any ancestor is cancelled, so a mixture can
// cancel one straggler without cancelling the whole request.
// Thread-safe: cancel() and cancelled() may be called from any thread.
class CancelToken {
 public:
  CancelToken() : state_(std::make_shared<State>()) {}

  void cancel() const { state_->flag.store(true, std::memory_order_release); }

  bool cancelled() const {
    for (const State* s = state_.get(); s != nullptr; s = s->parent.get()) {
      if (s->flag.load(std::memory_order_acquire)) {
        return true;
      }
    }
    return false;
  }

  // A new token that is cancelled with this one but can also be cancelled alone.
  CancelToken child() const {
    CancelToken token;
    token.state_->parent = state_;
    return token;
  }

 private:
  struct State {
    std::atomic<bool> flag{false};
    std::shared_ptr<State> parent;
  };
  std::shared_ptr<State> state_;
};

}  // namespace mom
