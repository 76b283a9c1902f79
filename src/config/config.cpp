#include "config/config.h"

namespace mom {

Result<Config> load_config(const std::filesystem::path& path) {
  return Error::internal("config loading is not built yet");
}

Result<Config> parse_config(const std::string& text, const std::filesystem::path& base_dir,
                            const std::string& source_name) {
  return Error::internal("config loading is not built yet");
}

}  // namespace mom
