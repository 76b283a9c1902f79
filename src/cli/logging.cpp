#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"

namespace mom::cli {

void setup_logging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("mom");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
  spdlog::set_pattern("%^%l%$ [%n] %v");
}

}  // namespace mom::cli
