// The time source a mixture reads and waits on, replaceable in tests.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "core/chat.h"

namespace mom {

// Reads the current time and waits for a condition or a deadline. The
// mixture takes all its layer deadlines and call latencies from one source,
// so tests can replace the steady clock with a manual one and check quorum
// and deadline rules without sleeping. Implementations are thread-safe.
class TimeSource {
 public:
  virtual ~TimeSource() = default;

  virtual Clock::time_point now() const = 0;

  // Blocks until ready() returns true or now() reaches deadline, and returns
  // ready(). REQUIRES: lock holds the mutex that guards ready()'s state, and
  // whoever changes that state notifies cv. ready() is also polled every few
  // milliseconds, so it may read state that nobody notifies about (a
  // CancelToken). Clock::time_point::max() means no deadline.
  virtual bool wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          Clock::time_point deadline, const std::function<bool()>& ready) const = 0;
};

// The process-wide steady clock.
std::shared_ptr<const TimeSource> steady_time_source();

}  // namespace mom
