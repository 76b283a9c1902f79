// "best-miner": follows the miner with the highest measured accuracy.
#pragma once

#include <string>
#include <vector>

#include "aggregate/scoreboard.h"
#include "aggregate/strategy.h"

namespace mom {

// Takes the label of the most accurate miner; when it abstains or is absent,
// the next most accurate one's, and so on. Miners are ranked by overall
// accuracy on the fitted questions (or on the seed scoreboard when unfitted),
// ties by name. With no ranking it falls back to a plain vote.
class BestMinerStrategy : public Strategy {
 public:
  // weights may be null.
  explicit BestMinerStrategy(const Scoreboard* weights);

  std::string name() const override { return "best-miner"; }
  bool uses_labels() const override { return true; }
  void fit(const std::vector<LabeledQuestion>& questions) override;
  std::optional<std::string> decide(const std::vector<Ballot>& ballots, const QuestionInfo& question,
                                    const std::optional<std::string>& aggregator_label) const override;

  // Miner names, most accurate first.
  const std::vector<std::string>& ranking() const { return ranking_; }

 private:
  void rank(const Scoreboard& board);

  std::vector<std::string> ranking_;
};

}  // namespace mom
