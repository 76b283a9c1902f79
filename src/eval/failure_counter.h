// Counting failed calls during an evaluation, with the first few logged.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "eval/eval_log.h"

namespace mom {

// Failed calls per system. The first few of each system are logged one by
// one and the rest only counted, so that a replay miner without many
// recorded answers does not flood the log. log_totals() logs the counts.
class FailureCounter {
 public:
  // Counts one failure of the system; true when it should be logged.
  bool count(const std::string& system) {
    std::lock_guard lock(mutex_);
    return ++counts_[system] <= kLogged;
  }

  void log_totals() {
    std::lock_guard lock(mutex_);
    for (const auto& [system, count] : counts_) {
      if (count > kLogged) {
        eval::logger()->warn("failed calls system={} count={} (only the first {} were logged)", system, count, kLogged);
      }
    }
  }

 private:
  static constexpr int kLogged = 3;
  std::mutex mutex_;
  std::map<std::string, int> counts_;
};

}  // namespace mom
