// The miners and mixtures a server offers, looked up by the request's "model".
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/miner.h"
#include "core/result.h"
#include "miners/registry.h"
#include "mixture/mixture.h"

namespace mom {

// Owns a miner registry and the mixtures built on it. Immutable after
// construction, so lookups are thread-safe.
class ModelCatalog {
 public:
  // mixtures must have been created against registry.
  ModelCatalog(std::unique_ptr<MinerRegistry> registry, std::map<std::string, std::unique_ptr<Mixture>> mixtures);

  // Creates every miner of config (loading local models, which may take
  // seconds) and every mixture. The first failure is returned.
  static Result<std::unique_ptr<ModelCatalog>> create(const Config& config);

  // Returns the miner or nullptr.
  std::shared_ptr<Miner> find_miner(std::string_view name) const;

  // Returns the mixture or nullptr. The pointer lives as long as the catalog.
  Mixture* find_mixture(std::string_view name) const;

  // Every miner and mixture name, miners first, each group sorted.
  std::vector<std::string> names() const;

 private:
  // Declared first so that it is destroyed last: mixtures refer to it.
  std::unique_ptr<MinerRegistry> registry_;
  std::map<std::string, std::unique_ptr<Mixture>, std::less<>> mixtures_;
};

}  // namespace mom
