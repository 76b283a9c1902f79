// Replay miners: answers recorded earlier, read from a file.
#pragma once

#include <memory>

#include "config/config.h"
#include "core/miner.h"
#include "core/result.h"

namespace mom {

// Creates a miner that answers benchmark questions (Request::question_id)
// from config.replay_path.
Result<std::shared_ptr<Miner>> make_replay_miner(const MinerConfig& config);

}  // namespace mom
