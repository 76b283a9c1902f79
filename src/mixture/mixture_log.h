// The spdlog logger of the mixture component.
#pragma once

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

}  // namespace mom::mixture
