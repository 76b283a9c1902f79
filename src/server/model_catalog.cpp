#include "server/model_catalog.h"

namespace mom {

ModelCatalog::ModelCatalog(std::unique_ptr<MinerRegistry> registry,
                           std::map<std::string, std::unique_ptr<Mixture>> mixtures)
    : registry_(std::move(registry)) {
  for (auto& [name, mixture] : mixtures) {
    mixtures_.emplace(name, std::move(mixture));
  }
}

Result<std::unique_ptr<ModelCatalog>> ModelCatalog::create(const Config& config) {
  Result<std::unique_ptr<MinerRegistry>> registry = MinerRegistry::create(config);
  if (!registry.ok()) {
    return registry.error();
  }

  std::map<std::string, std::unique_ptr<Mixture>> mixtures;
  for (const auto& [name, mixture_config] : config.mixtures) {
    Result<std::unique_ptr<Mixture>> mixture = Mixture::create(mixture_config, **registry);
    if (!mixture.ok()) {
      Error error = mixture.error();
      error.message = "mixture '" + name + "': " + error.message;
      return error;
    }
    mixtures[name] = std::move(mixture.value());
  }
  return std::make_unique<ModelCatalog>(std::move(registry.value()), std::move(mixtures));
}

std::shared_ptr<Miner> ModelCatalog::find_miner(std::string_view name) const {
  return registry_ == nullptr ? nullptr : registry_->find(name);
}

Mixture* ModelCatalog::find_mixture(std::string_view name) const {
  auto it = mixtures_.find(name);
  return it == mixtures_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ModelCatalog::names() const {
  std::vector<std::string> result = registry_ == nullptr ? std::vector<std::string>() : registry_->names();
  for (const auto& [name, mixture] : mixtures_) {
    result.push_back(name);
  }
  return result;
}

}  // namespace mom
