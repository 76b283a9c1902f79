// A time source that moves only when a test advances it.
#pragma once

#include <chrono>
#include <mutex>

#include "mixture/time_source.h"

namespace mom::testing {

// Time starts at the steady clock's reading at construction and moves only
// through advance(). Waiters re-check every millisecond of real time, so an
// advance is seen within about a millisecond. Thread-safe.
class ManualTimeSource final : public TimeSource {
 public:
  ManualTimeSource() : now_(Clock::now()) {}

  Clock::time_point now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }

  void advance(std::chrono::milliseconds step) {
    std::lock_guard lock(mutex_);
    now_ += step;
  }

  bool wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Clock::time_point deadline,
                  const std::function<bool()>& ready) const override {
    while (!ready()) {
      if (now() >= deadline) {
        return false;
      }
      cv.wait_for(lock, std::chrono::milliseconds(1));
    }
    return true;
  }

 private:
  mutable std::mutex mutex_;
  Clock::time_point now_;
};

}  // namespace mom::testing
