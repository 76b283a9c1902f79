// "vote": the most common label wins.
#pragma once

#include "aggregate/scoreboard.h"
#include "aggregate/strategy.h"

namespace mom {

// Plurality vote. Unparsed answers abstain. Tie rule: the aggregator's label
// when given and among the tied labels, else the label of the tied miner with
// the higher overall accuracy on the scoreboard when one is given, else the
// lexicographically smallest label. Needs no fitting.
class VoteStrategy : public Strategy {
 public:
  // weights may be null; the strategy keeps a copy.
  explicit VoteStrategy(const Scoreboard* weights);

  std::string name() const override { return "vote"; }
  bool uses_labels() const override { return false; }
  std::optional<std::string> decide(const std::vector<Ballot>& ballots, const QuestionInfo& question,
                                    const std::optional<std::string>& aggregator_label) const override;

 private:
  Scoreboard weights_;
};

}  // namespace mom
