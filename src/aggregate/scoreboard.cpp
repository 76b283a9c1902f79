#include "aggregate/scoreboard.h"

namespace mom {

// TODO: placeholder until the scoreboard is written.
void Scoreboard::record(const std::string& miner, const std::string& subject,
                        const std::string& category, bool correct) {}

const MinerScores* Scoreboard::find(const std::string& miner) const {
  auto it = miners_.find(miner);
  return it == miners_.end() ? nullptr : &it->second;
}

Result<Scoreboard> Scoreboard::load(const std::filesystem::path& path) {
  return Error::internal("scoreboard loading is not built yet");
}

Status Scoreboard::save(const std::filesystem::path& path) const {
  return Error::internal("scoreboard saving is not built yet");
}

}  // namespace mom
