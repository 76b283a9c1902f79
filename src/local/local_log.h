// The spdlog logger of the local component.
#pragma once

#include <memory>

#include <spdlog/spdlog.h>

namespace mom::local {

// Returns the logger named "local", creating it on first use with the sinks
// and level of the default logger at that moment (the program configures the
// default logger before it loads models).
inline std::shared_ptr<spdlog::logger> logger() {
  if (auto existing = spdlog::get("local")) {
    return existing;
  }
  auto created = spdlog::default_logger()->clone("local");
  spdlog::register_logger(created);
  return created;
}

}  // namespace mom::local
