#include "mixture/time_source.h"

#include <algorithm>
#include <chrono>

namespace mom {
namespace {

// How often a waiter re-checks ready() without a notification, so that a
// cancelled request is noticed within this time.
constexpr std::chrono::milliseconds kPollInterval{20};

class SteadyTimeSource final : public TimeSource {
 public:
  Clock::time_point now() const override { return Clock::now(); }

  bool wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  Clock::time_point deadline, const std::function<bool()>& ready) const override {
    while (!ready()) {
      Clock::time_point current = Clock::now();
      if (current >= deadline) {
        return false;
      }
      // Waiting in slices also avoids overflow in wait_until(time_point::max()).
      Clock::time_point slice_end = current + kPollInterval;
      cv.wait_until(lock, std::min(deadline, slice_end));
    }
    return true;
  }
};

}  // namespace

std::shared_ptr<const TimeSource> steady_time_source() {
  static const auto source = std::make_shared<SteadyTimeSource>();
  return source;
}

}  // namespace mom
