// The miners of a config, created once and looked up by name.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/miner.h"
#include "core/result.h"

namespace mom {

class LocalModels;

// Owns every miner of a config. Local miners naming the same GGUF file share
// one loaded model. Thread-safe for lookups after creation; add() is for
// set-up only (tests add scripted miners) and must not race with find().
class MinerRegistry {
 public:
  MinerRegistry();
  ~MinerRegistry();

  // Creates every miner in config.miners, loading local models. The first
  // failure is returned and names the miner.
  static Result<std::unique_ptr<MinerRegistry>> create(const Config& config);

  // Creates one miner from its config and adds it.
  Status add_from_config(const MinerConfig& config);

  // Adds a ready-made miner under miner->info().name, replacing any other.
  void add(std::shared_ptr<Miner> miner);

  // Returns the miner or nullptr when no miner has that name.
  std::shared_ptr<Miner> find(std::string_view name) const;

  std::vector<std::string> names() const;

 private:
  std::unique_ptr<LocalModels> local_models_;
  std::map<std::string, std::shared_ptr<Miner>, std::less<>> miners_;
};

}  // namespace mom
