// Runs code on another thread while moving a ManualTimeSource forward.
#pragma once

#include <chrono>
#include <future>

#include "manual_time_source.h"

namespace mom::testing {

// Runs work() on a new thread and advances time by step after each real
// millisecond until work() returns; returns its result. Gives up after
// max_steps so that a hung test fails instead of blocking forever.
template <class Work>
auto run_with_time(ManualTimeSource& time, Work work, std::chrono::milliseconds step = std::chrono::milliseconds(10),
                   int max_steps = 20000) {
  auto future = std::async(std::launch::async, work);
  for (int i = 0; i < max_steps; ++i) {
    if (future.wait_for(std::chrono::milliseconds(1)) == std::future_status::ready) {
      break;
    }
    time.advance(step);
  }
  return future.get();
}

}  // namespace mom::testing
