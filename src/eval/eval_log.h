// The spdlog logger of the eval component.
#pragma once

#include <memory>

#include <spdlog/spdlog.h>

namespace mom::eval {

// Returns the logger named "eval", creating it on first use with the sinks
// and level of the default logger at that moment (the program configures the
// default logger before it starts an evaluation).
inline std::shared_ptr<spdlog::logger> logger() {
  if (auto existing = spdlog::get("eval")) {
    return existing;
  }
  auto created = spdlog::default_logger()->clone("eval");
  try {
    spdlog::register_logger(created);
  } catch (const spdlog::spdlog_ex&) {
    // Another thread registered it first.
    return spdlog::get("eval");
  }
  return created;
}

}  // namespace mom::eval
