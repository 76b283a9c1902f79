#include "local/local_models.h"

namespace mom {

struct LocalModels::Impl {};

LocalModels::LocalModels() : impl_(std::make_unique<Impl>()) {}
LocalModels::~LocalModels() = default;

Result<std::shared_ptr<Miner>> LocalModels::create_miner(const MinerConfig& config) {
  return Error::internal("local miners are not built yet");
}

}  // namespace mom
