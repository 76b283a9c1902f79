// The "server" spdlog logger.
#pragma once

#include <memory>

#include <spdlog/logger.h>

namespace mom {

// Returns the logger named "server", creating it on first use with the
// default logger's sinks and level. Thread-safe.
std::shared_ptr<spdlog::logger> server_logger();

}  // namespace mom
