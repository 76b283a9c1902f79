// The spdlog logger of the mixture component.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include <spdlog/spdlog.h>

namespace mom::mixture {

// Returns the logger named "mixture", creating it on first use with the sinks
// and level of the default logger at that moment (the program configures the
// default logger before it creates mixtures).
inline std::shared_ptr<spdlog::logger> logger() {
  if (auto existing = spdlog::get("mixture")) {
    return existing;
  }
  auto created = spdlog::default_logger()->clone("mixture");
  try {
    spdlog::register_logger(created);
  } catch (const spdlog::spdlog_ex&) {
    // Another thread registered it first.
    return spdlog::get("mixture");
  }
  return created;
}

// Decides which occurrences of a repeated warning are logged: the first 10,
// then every 1000th, so an evaluation over thousands of questions with a
// failing miner does not flood the log. Thread-safe.
class WarningLimiter {
 public:
  // Counts one occurrence; returns its 1-based number when it should be
  // logged, else 0.
  uint64_t count() {
    uint64_t number = ++occurrences_;
    return (number <= 10 || number % 1000 == 0) ? number : 0;
  }

 private:
  std::atomic<uint64_t> occurrences_{0};
};

}  // namespace mom::mixture
