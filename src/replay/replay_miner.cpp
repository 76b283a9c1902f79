#include "replay/replay_miner.h"

namespace mom {

Result<std::shared_ptr<Miner>> make_replay_miner(const MinerConfig& config) {
  return Error::internal("replay miners are not built yet");
}

}  // namespace mom
