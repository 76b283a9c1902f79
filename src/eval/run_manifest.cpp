#include "eval/run_manifest.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "eval/atomic_file.h"

namespace mom {

nlohmann::json RunManifest::to_json() const {
  return {
      {"config_hash", config_hash}, {"mixture", mixture},   {"split", split},
      {"shots", shots},             {"prompt_formats", prompt_formats}, {"scoring", scoring},
      {"strategies", strategies},   {"folds", folds},
  };
}

Status check_run_manifest(const std::filesystem::path& out_dir, const RunManifest& manifest, bool force) {
  std::filesystem::path path = out_dir / "run.json";
  nlohmann::json current = manifest.to_json();

  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto previous = nlohmann::json::parse(buffer.str(), nullptr, false);
    std::vector<std::string> changed;
    if (previous.is_discarded() || !previous.is_object()) {
      changed.push_back("run.json is not valid JSON");
    } else {
      for (const auto& [key, value] : current.items()) {
        if (!previous.contains(key) || previous[key] != value) {
          changed.push_back(key);
        }
      }
    }
    if (!changed.empty() && !force) {
      std::string list;
      for (const auto& key : changed) {
        list += (list.empty() ? "" : ", ") + key;
      }
      return Error::invalid("the results in " + out_dir.string() + " were produced with other settings (changed: " +
                            list + "); use another --out folder, or --force to continue with the new settings");
    }
  }

  return write_file_atomically(path, current.dump(2) + "\n");
}

}  // namespace mom
