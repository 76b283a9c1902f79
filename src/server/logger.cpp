#include "server/logger.h"

#include <mutex>

#include <spdlog/spdlog.h>

namespace mom {

std::shared_ptr<spdlog::logger> server_logger() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::shared_ptr<spdlog::logger> logger = spdlog::get("server");
  if (logger == nullptr) {
    logger = spdlog::default_logger()->clone("server");
    spdlog::register_logger(logger);
  }
  return logger;
}

}  // namespace mom
