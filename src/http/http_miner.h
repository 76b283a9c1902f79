// Remote miners: any OpenAI-compatible chat-completions endpoint.
#pragma once

#include <memory>

#include "config/config.h"
#include "core/miner.h"
#include "core/result.h"

namespace mom {

// Creates a miner that calls POST {config.url}/chat/completions.
Result<std::shared_ptr<Miner>> make_http_miner(const MinerConfig& config);

}  // namespace mom
