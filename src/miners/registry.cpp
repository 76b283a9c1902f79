#include "miners/registry.h"

#include "http/http_miner.h"
#include "local/local_models.h"
#include "replay/replay_miner.h"

namespace mom {

MinerRegistry::MinerRegistry() : local_models_(std::make_unique<LocalModels>()) {}
MinerRegistry::~MinerRegistry() = default;

Result<std::unique_ptr<MinerRegistry>> MinerRegistry::create(const Config& config) {
  auto registry = std::make_unique<MinerRegistry>();
  for (const auto& [name, miner_config] : config.miners) {
    Status status = registry->add_from_config(miner_config);
    if (!status.ok()) {
      return status.error();
    }
  }
  return registry;
}

Status MinerRegistry::add_from_config(const MinerConfig& config) {
  Result<std::shared_ptr<Miner>> miner = Error::invalid(
      "miner '" + config.name + "' sets none of model, url or replay");
  if (!config.model_path.empty()) {
    miner = local_models_->create_miner(config);
  } else if (!config.url.empty()) {
    miner = make_http_miner(config);
  } else if (!config.replay_path.empty()) {
    miner = make_replay_miner(config);
  }
  if (!miner.ok()) {
    Error error = miner.error();
    error.message = "miner '" + config.name + "': " + error.message;
    return error;
  }
  miners_[config.name] = std::move(miner.value());
  return {};
}

void MinerRegistry::add(std::shared_ptr<Miner> miner) {
  std::string name = miner->info().name;
  miners_[name] = std::move(miner);
}

std::shared_ptr<Miner> MinerRegistry::find(std::string_view name) const {
  auto it = miners_.find(name);
  return it == miners_.end() ? nullptr : it->second;
}

std::vector<std::string> MinerRegistry::names() const {
  std::vector<std::string> result;
  for (const auto& [name, miner] : miners_) {
    result.push_back(name);
  }
  return result;
}

}  // namespace mom
