#include "core/miner.h"

namespace mom {

Result<ChoiceScores> Miner::score_choices(const Request& /*request*/,
                                          const std::vector<std::string>& /*choices*/,
                                          const CancelToken& /*cancel*/) {
  return Error::invalid("miner '" + info().name + "' does not support log-probability scoring");
}

std::optional<int> Miner::count_tokens(std::string_view /*text*/) const {
  return std::nullopt;
}

}  // namespace mom
