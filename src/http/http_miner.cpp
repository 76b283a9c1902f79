#include "http/http_miner.h"

namespace mom {

Result<std::shared_ptr<Miner>> make_http_miner(const MinerConfig& config) {
  return Error::internal("remote miners are not built yet");
}

}  // namespace mom
